"""A complete, offline test PKI built in code: root, intermediate, signers, TSA and OCSP responder.

Why: signing and validation must be tested against real certificates with real revocation and
timestamp services, without the network and without fixtures that expire. Every certificate is made
with an explicit validity window relative to a chosen ``now``, so a test can build a PKI "as of" any
moment. Keys are cached (see :mod:`signing.testing.keys`); certificates are cheap and rebuilt per PKI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .keys import cached_key

DAY = dt.timedelta(days=1)
ORGANISATION = "Trường Đại học Quy Trình (THỬ NGHIỆM)"


@dataclass(frozen=True)
class Identity:
    """A certificate with its private key and the chain of issuers above it (nearest first)."""

    name: str
    certificate: x509.Certificate
    private_key: PrivateKeyTypes
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def asn1_certificate(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_chain(self) -> list[asn1_x509.Certificate]:
        return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.chain]

    @property
    def asn1_private_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def private_key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def to_pkcs12(self, password: bytes) -> bytes:
        """The identity as a password-protected PKCS#12 file (key, certificate and chain)."""
        return pkcs12.serialize_key_and_certificates(
            name=self.name.encode(),
            key=self.private_key,  # type: ignore[arg-type]
            cert=self.certificate,
            cas=list(self.chain) or None,
            encryption_algorithm=serialization.BestAvailableEncryption(password),
        )


@dataclass(frozen=True)
class Revocation:
    serial_number: int
    revoked_at: dt.datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise


@dataclass
class TestPKI:
    """The whole test hierarchy, with URLs pointing at ``base_url`` (a :class:`PKIServer`).

    ``key_namespace``: prefix for the cached key names; a different prefix gives an unrelated PKI
    (a "stranger" whose root is not trusted).

    Identities: ``root``, ``intermediate``, ``signer_rsa`` (teacher), ``principal``, ``organisation``
    (seal of the university), ``signer_ec`` (ECDSA P-256), ``expired``, ``revoked``,
    ``not_yet_valid``, ``tsa`` (timeStamping EKU, critical), ``ocsp_responder``.
    """

    __test__ = False  # not a pytest test class despite its name

    base_url: str = "http://127.0.0.1:9"
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    key_namespace: str = ""
    identities: dict[str, Identity] = field(default_factory=dict, init=False)
    revocations: dict[str, list[Revocation]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.now = self.now.astimezone(dt.UTC)
        self._build()

    # -- URLs the certificates point at -------------------------------------------------------
    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    def crl_url(self, issuer: str) -> str:
        return f"{self.base_url}/crl/{issuer}.crl"

    # -- Accessors ----------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Identity:
        identities = self.__dict__.get("identities", {})
        if name in identities:
            return identities[name]
        raise AttributeError(name)

    @property
    def root_certificate(self) -> x509.Certificate:
        return self.identities["root"].certificate

    def root_pem(self) -> bytes:
        return self.identities["root"].certificate_pem()

    def trust_roots_asn1(self) -> list[asn1_x509.Certificate]:
        return [self.identities["root"].asn1_certificate]

    def revoke(self, identity_name: str, at: dt.datetime | None = None) -> None:
        """Mark an identity as revoked (it appears in its issuer's CRL and OCSP answers)."""
        ident = self.identities[identity_name]
        issuer = "root" if ident.certificate.issuer == self.root_certificate.subject else "intermediate"
        self.revocations.setdefault(issuer, []).append(
            Revocation(ident.certificate.serial_number, (at or self.now - DAY).astimezone(dt.UTC))
        )

    def revocation_of(self, issuer: str, serial_number: int) -> Revocation | None:
        for entry in self.revocations.get(issuer, []):
            if entry.serial_number == serial_number:
                return entry
        return None

    def issuer_name_of(self, certificate: x509.Certificate) -> str:
        for name in ("root", "intermediate"):
            if certificate.issuer == self.identities[name].certificate.subject:
                return name
        raise KeyError("certificate not issued by this PKI")

    # -- Building -------------------------------------------------------------------------------
    def _build(self) -> None:
        now = self.now
        root_key = self._key("root")
        root_name = _name("Quytrinh Test Root CA (THỬ NGHIỆM)", ORGANISATION)
        root_cert = (
            _base(root_name, root_name, root_key, now - 365 * DAY, now + 3650 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        root = Identity("root", root_cert, root_key)
        self.identities["root"] = root

        inter_key = self._key("intermediate")
        inter_cert = (
            self._issued_builder(root, _name("Quytrinh Test Issuing CA", ORGANISATION), inter_key,
                                 now - 300 * DAY, now + 3000 * DAY, revocation_from="root", with_ocsp=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        inter = Identity("intermediate", inter_cert, inter_key, (root_cert,))
        self.identities["intermediate"] = inter

        signers = {
            "signer_rsa": ("Nguyễn Văn An", self._key("signer_rsa"), now - 30 * DAY, now + 365 * DAY),
            "principal": ("Trần Thị Bình", self._key("principal"), now - 30 * DAY, now + 365 * DAY),
            "organisation": (ORGANISATION, self._key("organisation"), now - 30 * DAY, now + 365 * DAY),
            "signer_ec": ("Lê Hoàng Cường", self._key("signer_ec", "ec256"), now - 30 * DAY, now + 365 * DAY),
            "expired": ("Phạm Hết Hạn", self._key("expired"), now - 400 * DAY, now - 35 * DAY),
            "revoked": ("Đỗ Bị Thu Hồi", self._key("revoked"), now - 60 * DAY, now + 300 * DAY),
            "not_yet_valid": ("Vũ Chưa Hiệu Lực", self._key("not_yet_valid"), now + 30 * DAY, now + 400 * DAY),
        }
        for ident_name, (common_name, key, start, end) in signers.items():
            cert = (
                self._issued_builder(inter, _name(common_name, ORGANISATION), key, start, end,
                                     revocation_from="intermediate")
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_signer_usage(), critical=True)
                .sign(inter_key, hashes.SHA256())
            )
            self.identities[ident_name] = Identity(ident_name, cert, key, (inter_cert, root_cert))

        tsa_key = self._key("tsa")  # RSA: pyHanko's DummyTimeStamper signs with RSA only
        tsa_cert = (
            self._issued_builder(inter, _name("Quytrinh Test TSA", ORGANISATION), tsa_key,
                                 now - 100 * DAY, now + 1000 * DAY, revocation_from="intermediate")
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_plain_signature_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(inter_key, hashes.SHA256())
        )
        self.identities["tsa"] = Identity("tsa", tsa_cert, tsa_key, (inter_cert, root_cert))

        ocsp_key = self._key("ocsp_responder")
        ocsp_cert = (
            self._issued_builder(inter, _name("Quytrinh Test OCSP Responder", ORGANISATION), ocsp_key,
                                 now - 100 * DAY, now + 1000 * DAY, revocation_from=None, with_ocsp=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_plain_signature_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
            .add_extension(x509.OCSPNoCheck(), critical=False)
            .sign(inter_key, hashes.SHA256())
        )
        self.identities["ocsp_responder"] = Identity("ocsp_responder", ocsp_cert, ocsp_key, (inter_cert, root_cert))

        self.revoke("revoked", at=now - 10 * DAY)

    def _key(self, name: str, kind: str = "rsa2048") -> PrivateKeyTypes:
        return cached_key(self.key_namespace + name, kind)

    def _issued_builder(
        self,
        issuer: Identity,
        subject: x509.Name,
        key: PrivateKeyTypes,
        not_before: dt.datetime,
        not_after: dt.datetime,
        revocation_from: str | None,
        with_ocsp: bool = True,
    ) -> x509.CertificateBuilder:
        builder = _base(subject, issuer.certificate.subject, key, not_before, not_after)
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.private_key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        if revocation_from is not None:
            builder = builder.add_extension(
                x509.CRLDistributionPoints([
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(self.crl_url(revocation_from))],
                        relative_name=None, reasons=None, crl_issuer=None,
                    )
                ]),
                critical=False,
            )
        if with_ocsp and revocation_from == "intermediate":
            builder = builder.add_extension(
                x509.AuthorityInformationAccess([
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(self.ocsp_url),
                    )
                ]),
                critical=False,
            )
        return builder


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _base(subject: x509.Name, issuer: x509.Name, key: PrivateKeyTypes,
          not_before: dt.datetime, not_after: dt.datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                 data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                 encipher_only=False, decipher_only=False)
    flags.update(enabled)
    return x509.KeyUsage(**flags)


def _ca_usage() -> x509.KeyUsage:
    return _usage(digital_signature=True, key_cert_sign=True, crl_sign=True)


def _signer_usage() -> x509.KeyUsage:
    return _usage(digital_signature=True, content_commitment=True)


def _plain_signature_usage() -> x509.KeyUsage:
    return _usage(digital_signature=True)


def is_ec(identity: Identity) -> bool:
    return isinstance(identity.private_key, ec.EllipticCurvePrivateKey)

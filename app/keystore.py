"""The signing keys of an installation, the trust anchors and the timestamp authority they sign with.

Layout under ``<data_dir>/keys/``::

    <user>.p12                 a person's password-protected PKCS#12 (key, certificate, chain)
    <user>.signature.png       optional: the image of their handwritten signature (Decree 30 appearance)
    _organisation.p12          the organisation's key, used for the seal ("ký số của cơ quan")
    _organisation.seal.png     optional: the image of the red seal
    <owner>.p12.password       optional, mode 0600: the password, for keys the server holds (see below)
    signing.json               optional: signing setup written by tools (``create_demo_keys``)

Why passwords are looked up and never stored in the case: service tasks run unattended in the worker
after the leader approves, so the server needs the password without a person typing it. The lookup
order is (1) the environment, ``QUYTRINH_SEAL_KEY_PASSWORD`` for the seal and
``QUYTRINH_KEY_PASSWORD_<OWNER>`` (owner upper-cased, other characters as ``_``) for a person — the way
a secrets manager or systemd credentials hand them over; (2) the settings file's
``extra.key_passwords.<owner>``; (3) a ``<owner>.p12.password`` file readable by the service account
only (0600) — the demo's choice, refused if group/other can read it. A key is decrypted once per process
and kept in memory (re-read when the file changes).

Signing setup: ``extra.signing`` in the settings (``tsa_url``, ``check_revocation``, ``fallback_level``,
``network_timeout``, ``fallback_leader``) over ``keys/signing.json``; ``QUYTRINH_TSA_URL`` overrides the
TSA. Levels B-T and above need a TSA; without one, signing fails unless a fallback level is allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing.errors import SigningError
from signing.keys.base import KeySource
from signing.keys.pkcs12 import Pkcs12KeySource
from signing.services import SigningServices
from signing.settings import SignatureLevel

from .config import Settings

if TYPE_CHECKING:
    from signing.testing import TestPKI

    from .container import Container

ORGANISATION = "_organisation"
DEMO_TSA = "_demo_tsa"
_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


class KeystoreError(Exception):
    """A key cannot be used: missing, unreadable, no password. Carries code, Vietnamese and English."""

    def __init__(self, message_vi: str, message_en: str, code: str, details: dict[str, Any] | None = None,
                 retryable: bool = False) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en, self.code = message_vi, message_en, code
        self.details = details or {}
        self.retryable = retryable


def _owner_label(owner: str) -> str:
    return "con dấu của cơ quan" if owner == ORGANISATION else f"người dùng {owner}"


def _check_owner(owner: str) -> str:
    if owner in (ORGANISATION, DEMO_TSA) or _OWNER.match(owner):
        return owner
    raise KeystoreError(f"Tên chủ khóa không hợp lệ: {owner!r}", f"Invalid key owner name: {owner!r}",
                        "bad_key_owner", {"owner": owner})


@dataclass(frozen=True)
class SigningSetup:
    """The installation's signing choices (see the module docstring for where they come from)."""

    tsa_url: str | None = None
    check_revocation: bool = True
    fallback_level: SignatureLevel | None = None
    network_timeout: float = 5.0
    demo_tsa: bool = False
    fallback_leader: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SigningSetup:
        fallback = values.get("fallback_level")
        return cls(tsa_url=values.get("tsa_url") or None,
                   check_revocation=bool(values.get("check_revocation", True)),
                   fallback_level=SignatureLevel.parse(fallback) if fallback else None,
                   network_timeout=float(values.get("network_timeout", 5.0)),
                   demo_tsa=bool(values.get("demo_tsa", False)),
                   fallback_leader=values.get("fallback_leader") or None)


@dataclass
class Keystore:
    """Keys of one installation. ``key_for(owner)`` is what signing operators call."""

    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _cache: dict[str, tuple[tuple[int, int], KeySource]] = field(default_factory=dict, repr=False)
    _services: SigningServices | None = field(default=None, repr=False)
    _services_stamp: tuple[int, int] = field(default=(0, 0), repr=False)

    @property
    def directory(self) -> Path:
        return Path(self.settings.data_dir) / "keys"

    def path_for(self, owner: str) -> Path:
        return self.directory / f"{_check_owner(owner)}.p12"

    def has_key(self, owner: str) -> bool:
        return self.path_for(owner).is_file()

    def owners(self) -> list[str]:
        """Everyone with a key file here (the organisation as ``_organisation``), sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.p12"))

    # -- keys ------------------------------------------------------------------------------------
    def key_for(self, owner: str) -> KeySource:
        """The decrypted key of ``owner`` (a user id, or :data:`ORGANISATION` for the seal)."""
        path = self.path_for(owner)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise KeystoreError(
                f"Chưa có khóa ký số cho {_owner_label(owner)} (cần tệp {path.name} trong thư mục khóa).",
                f"No signing key for {owner!r} (expected {path.name} in the key directory).",
                "key_missing", {"owner": owner, "file": path.name}, retryable=True) from None
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._cache.get(owner)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        password = self.password_for(owner)
        try:
            key = Pkcs12KeySource.from_file(path, password)
        except SigningError as exc:
            raise KeystoreError(exc.message_vi, exc.message_en, exc.code, {"owner": owner, **exc.details}) from None
        self._cache[owner] = (stamp, key)
        return key

    def password_for(self, owner: str) -> str:
        env_name = ("QUYTRINH_SEAL_KEY_PASSWORD" if owner == ORGANISATION
                    else "QUYTRINH_KEY_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", owner.upper()))
        if self.env.get(env_name):
            return self.env[env_name]
        configured = (self.settings.extra.get("key_passwords") or {}).get(owner)
        if configured:
            return str(configured)
        file = self.directory / f"{owner}.p12.password"
        if file.is_file():
            if file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise KeystoreError(
                    f"Tệp mật khẩu {file.name} đọc được bởi người khác; hãy đặt quyền 0600.",
                    f"Password file {file.name} is readable by group/others; set mode 0600.",
                    "password_file_exposed", {"file": file.name})
            return file.read_text(encoding="utf-8").strip()
        raise KeystoreError(
            f"Chưa cấu hình mật khẩu khóa ký số cho {_owner_label(owner)} (biến môi trường {env_name}).",
            f"No password configured for the signing key of {owner!r} (environment variable {env_name}).",
            "key_password_missing", {"owner": owner, "env": env_name}, retryable=True)

    def install(self, owner: str, p12: bytes, password: str, *, remember_password: bool = False) -> dict[str, Any]:
        """Add or replace ``owner``'s key after checking the password opens it; returns its description."""
        key = Pkcs12KeySource(p12, password, source_name=f"{owner}.p12")
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_private(self.path_for(owner), p12)
        if remember_password:
            _write_private(self.directory / f"{owner}.p12.password", password.encode())
        self._cache.pop(owner, None)
        return key.describe()

    def image_for(self, owner: str) -> bytes | None:
        """The signature (person) or seal (organisation) image, when one was uploaded."""
        name = f"{ORGANISATION}.seal.png" if owner == ORGANISATION else f"{_check_owner(owner)}.signature.png"
        path = self.directory / name
        return path.read_bytes() if path.is_file() else None

    # -- signing setup ---------------------------------------------------------------------------
    @property
    def setup(self) -> SigningSetup:
        values: dict[str, Any] = {}
        written = self.directory / "signing.json"
        if written.is_file():
            values.update(json.loads(written.read_text(encoding="utf-8")))
        values.update(self.settings.extra.get("signing") or {})
        if self.env.get("QUYTRINH_TSA_URL"):
            values["tsa_url"] = self.env["QUYTRINH_TSA_URL"]
        return SigningSetup.from_mapping(values)

    def trust_roots(self) -> tuple[asn1_x509.Certificate, ...]:
        """Anchors of the installation's trust store (shipped NEAC/VGCA plus the administrator's additions)."""
        from signing.trust import InstallationTrustStore, TrustStoreError

        try:
            store = InstallationTrustStore(self.settings.trust_path).load()
        except TrustStoreError as exc:
            raise KeystoreError(exc.message_vi, exc.message_en, exc.code, dict(exc.details or {})) from None
        return tuple(store.anchor_certificates())

    def services(self) -> SigningServices:
        """One :class:`SigningServices` while the setup is unchanged, so certificate checks stay cached.

        Rebuilt when the trust store or ``signing.json`` changes (a CA added by the administrator or by
        ``create_demo_keys`` is used by the next signature, without restarting the worker).
        """
        stamp = (_mtime(Path(self.settings.trust_path) / "store.json"), _mtime(self.directory / "signing.json"))
        if self._services is None or self._services_stamp != stamp:
            setup = self.setup
            self._services = SigningServices(
                trust_roots=self.trust_roots(), tsa_url=setup.tsa_url, timestamper=self._demo_timestamper(setup),
                check_revocation=setup.check_revocation, network_timeout=setup.network_timeout)
            self._services_stamp = stamp
        return self._services

    def _demo_timestamper(self, setup: SigningSetup):  # type: ignore[no-untyped-def]
        """DEMO only: an in-process RFC 3161 TSA from ``_demo_tsa.p12`` so the demo signs offline."""
        if not setup.demo_tsa or setup.tsa_url:
            return None
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        tsa = self.key_for(DEMO_TSA)
        private = tsa._private_key  # noqa: SLF001 - the demo TSA key is ours; pyHanko wants asn1crypto
        der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return DummyTimeStamper(tsa_cert=tsa.certificate, tsa_key=asn1_keys.PrivateKeyInfo.load(der),
                                certs_to_embed=SimpleCertificateStore.from_certs(tsa.chain))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by the service account only, atomically."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


# -- demo keys ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoKeys:
    owners: tuple[str, ...]
    ca_pem: Path
    root_fingerprint: str
    created: bool


def create_demo_keys(container: Container, pki: TestPKI | None = None,
                     users: list[tuple[str, str]] | None = None) -> DemoKeys:
    """DEMO ONLY — never for production: a demo CA (``signing.testing.TestPKI``) and PKCS#12 files for
    the demo leaders and the organisation, every certificate named "DEMO".

    ``users``: (login, full name) pairs; by default the demo accounts holding the leader role.
    ``pki``: a PKI whose services are reachable (a ``PKIServer``'s); the certificates then point at its
    OCSP/CRL and the caller configures its TSA. Without one, the demo signs offline: revocation is not
    checked (the result says so) and a demo TSA timestamps in-process (``keys/signing.json``).
    The CA certificate goes to ``keys/demo-ca.pem`` and into the installation's trust store, so
    ``quytrinh verify`` trusts demo signatures of this installation only. Idempotent.
    """
    from signing.demo_images import handwritten_signature_png, seal_png
    from signing.testing import TestPKI
    from signing.testing.pki import Identity
    from signing.trust import DuplicateCertificate, InstallationTrustStore

    store = Keystore(container.settings)
    directory = store.directory
    directory.mkdir(parents=True, exist_ok=True)
    ca_path = directory / "demo-ca.pem"
    users = users if users is not None else _demo_leaders(container)
    wanted = [ORGANISATION, *(login for login, _ in users)]
    if ca_path.is_file() and all(store.has_key(o) for o in wanted):
        root = x509.load_pem_x509_certificate(ca_path.read_bytes())
        return DemoKeys(tuple(wanted), ca_path, root.fingerprint(hashes.SHA256()).hex(), False)
    offline = pki is None
    pki = pki or TestPKI()
    organisation = f"{container.settings.agency_name} (DEMO)"
    people = [(ORGANISATION, organisation), *((login, f"DEMO - {name}") for login, name in users)]
    for seed, (owner, common_name) in enumerate(people):
        identity = _demo_identity(pki, owner, common_name, organisation, with_urls=not offline)
        pki.identities[f"demo:{owner}"] = identity  # a PKIServer answers OCSP for identities it knows
        password = secrets.token_urlsafe(18)
        store.install(owner, identity.to_pkcs12(password.encode()), password, remember_password=True)
        image = (seal_png(container.settings.agency_name.upper()) if owner == ORGANISATION
                 else handwritten_signature_png(seed))
        (directory / (f"{owner}.seal.png" if owner == ORGANISATION else f"{owner}.signature.png")).write_bytes(image)
    if offline:
        tsa = pki.identities["tsa"]
        password = secrets.token_urlsafe(18)
        store.install(DEMO_TSA, Identity(DEMO_TSA, tsa.certificate, tsa.private_key, tsa.chain)
                      .to_pkcs12(password.encode()), password, remember_password=True)
        (directory / "signing.json").write_text(json.dumps(
            {"demo": True, "demo_tsa": True, "check_revocation": False, "fallback_leader": users[0][0] if users else None,
             "note": "DEMO ONLY: offline demo signing; remove this file in production"}, indent=2), encoding="utf-8")
    ca_path.write_bytes(pki.root_pem())
    try:
        InstallationTrustStore(container.settings.trust_path).add(pki.root_pem(), source_name="demo-ca.pem",
                                                                  allow_name_collision=True)
    except DuplicateCertificate:
        pass
    return DemoKeys(tuple(wanted), ca_path, pki.root_certificate.fingerprint(hashes.SHA256()).hex(), True)


def _demo_leaders(container: Container) -> list[tuple[str, str]]:
    from .bootstrap import DEMO_USERS

    return [(login, name.split(" (")[0]) for login, name, roles in DEMO_USERS if any(r == "leader" for r, _ in roles)]


def _demo_identity(pki: TestPKI, owner: str, common_name: str, organisation: str, *, with_urls: bool):  # type: ignore[no-untyped-def]
    """A two-year RSA-2048 signing certificate issued by the demo PKI's issuing CA."""
    from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

    from signing.testing.pki import Identity

    issuer = pki.identities["intermediate"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer.certificate.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=730))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer.private_key.public_key()), critical=False))  # type: ignore[arg-type]
    if with_urls:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(pki.crl_url("intermediate"))], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False).add_extension(
            x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(pki.ocsp_url))]), critical=False)
    cert = builder.sign(issuer.private_key, hashes.SHA256())  # type: ignore[arg-type]
    return Identity(owner, cert, key, (issuer.certificate, *issuer.chain))

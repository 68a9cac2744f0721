"""Reading certificates and computing the identities the trust store matches on.

Anchors are matched by SHA-256 of the certificate and of its public key (SPKI), never by name:
look-alike roots copy the name exactly (see the trust-lookalikes fixtures).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pem, x509

from signing.trust.errors import NotACertificate


def load_certificate(data: bytes, *, source: str = "") -> x509.Certificate:
    """Parse one certificate from PEM or DER bytes; anything else raises :class:`NotACertificate`."""
    der = data
    try:
        if pem.detect(data):
            _, _, der = pem.unarmor(data)
        cert = x509.Certificate.load(der)
        _ = cert.native  # force a full parse: asn1crypto parses lazily
        _ = cert.public_key.native
    except Exception as exc:  # asn1crypto raises ValueError/TypeError/others on junk
        raise NotACertificate(
            "Tệp không phải là chứng thư số X.509 hợp lệ.",
            "The file is not a valid X.509 certificate.",
            details={"source": source, "reason": str(exc)[:200]},
        ) from exc
    return cert


def sha256_fingerprint(cert: x509.Certificate) -> str:
    """Lower-case hex SHA-256 of the DER certificate: the store's primary key.

    asn1crypto keeps the digest on the certificate object, so a chain described several times in
    one validation (report, anchor look-up) is hashed once.
    """
    return cert.sha256.hex()


def spki_sha256(cert: x509.Certificate) -> str:
    """Lower-case hex SHA-256 of the SubjectPublicKeyInfo: identifies the key across re-issued certs."""
    return hashlib.sha256(cert.public_key.dump()).hexdigest()


def is_ca(cert: x509.Certificate) -> bool:
    bc = cert.basic_constraints_value
    return bool(bc is not None and bc["ca"].native)


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.self_signed in ("maybe", "yes")


def has_timestamping_usage(cert: x509.Certificate) -> bool:
    eku = cert.extended_key_usage_value
    return bool(eku is not None and "time_stamping" in eku.native)


@dataclass(frozen=True)
class CertificateSummary:
    """What a person needs to recognise a certificate, as written in it."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    sha256: str
    spki_sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "issuer": self.issuer,
                "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat(),
                "sha256": self.sha256, "spki_sha256": self.spki_sha256}


def summarise(cert: x509.Certificate) -> CertificateSummary:
    validity = cert["tbs_certificate"]["validity"]
    return CertificateSummary(
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        sha256=sha256_fingerprint(cert),
        spki_sha256=spki_sha256(cert),
    )


def loose_name_key(name: x509.Name) -> frozenset[tuple[str, str]]:
    """A name as a person reads it: attribute order, string type and case ignored.

    Used only to *warn* about look-alikes (never to trust): a look-alike that lists the same
    attributes in reverse order is still the same name to the person reading it.
    """
    return frozenset((str(attr_type), " ".join(str(value).split()).casefold())
                     for attr_type, value in name.native.items())

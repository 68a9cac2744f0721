"""A key already in memory (a ``cryptography`` private key object).

Why: tests, benchmarks and server-side organisation keys loaded once at start-up all hold the key
object directly; this avoids re-reading a file for every document.
"""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509 import Certificate as CryptoCertificate
from pyhanko.sign.signers.pdf_cms import Signer

from .base import KeySource, LoadedKeySigner


def to_asn1(cert: CryptoCertificate | asn1_x509.Certificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class InMemoryKeySource(KeySource):
    def __init__(self, private_key: PrivateKeyTypes, certificate: CryptoCertificate | asn1_x509.Certificate,
                 chain: list[CryptoCertificate] | list[asn1_x509.Certificate] | tuple = ()) -> None:
        self._private_key = private_key
        self._certificate = to_asn1(certificate)
        self._chain = [to_asn1(c) for c in chain]
        self._signers: dict[bool, Signer] = {}

    @classmethod
    def from_identity(cls, identity: object) -> InMemoryKeySource:
        """From a ``signing.testing.Identity`` (or anything with private_key/certificate/chain)."""
        return cls(identity.private_key, identity.certificate, list(identity.chain))  # type: ignore[attr-defined]

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> list[asn1_x509.Certificate]:
        return list(self._chain)

    def pyhanko_signer(self, *, prefer_pss: bool = False) -> Signer:
        if prefer_pss not in self._signers:
            self._signers[prefer_pss] = LoadedKeySigner(self._private_key, self._certificate, self._chain, prefer_pss)
        return self._signers[prefer_pss]

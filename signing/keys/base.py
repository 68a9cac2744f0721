"""The one interface signing needs from a key: a certificate, its chain, and a pyHanko signer.

Why an abstract source: keys live in password-protected PKCS#12 files, on PKCS#11 tokens, or behind a
remote signing service. ``sign_pdf`` only ever sees a :class:`KeySource`, so a new kind of key is one
new class here and nothing else changes.
"""

from __future__ import annotations

import abc
import hashlib
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ..errors import CertificateRejectedError, SigningError
from .cms_container import PrebuiltCmsMixin

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
           "sha3_256": hashes.SHA3_256, "sha3_384": hashes.SHA3_384, "sha3_512": hashes.SHA3_512}


class KeySource(abc.ABC):
    """A signing key with its certificate. Use as a context manager so tokens get logged out."""

    @property
    @abc.abstractmethod
    def certificate(self) -> asn1_x509.Certificate:
        """The signer's certificate."""

    @property
    def chain(self) -> list[asn1_x509.Certificate]:
        """Issuer certificates to embed (nearest first); may be empty."""
        return []

    @property
    def label(self) -> str:
        return self.certificate.subject.human_friendly

    @abc.abstractmethod
    def pyhanko_signer(self, *, prefer_pss: bool = False) -> Signer:
        """A pyHanko signer bound to this key (created once and reused: loading keys is slow)."""

    def translate_error(self, exc: BaseException) -> SigningError | None:
        """Map a failure of this kind of key (token removed...) to a SigningError, or None if not ours."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the key (log out of a token). Safe to call twice."""

    def __enter__(self) -> KeySource:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @property
    def fingerprint_sha256(self) -> str:
        return hashlib.sha256(self.certificate.dump()).hexdigest()

    def describe(self) -> dict[str, Any]:
        cert = self.certificate
        return {"subject": cert.subject.human_friendly, "issuer": cert.issuer.human_friendly,
                "serial": cert.serial_number, "not_before": cert["tbs_certificate"]["validity"]["not_before"].native.isoformat(),
                "not_after": cert["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
                "key": key_description(cert), "fingerprint_sha256": self.fingerprint_sha256}


def key_description(cert: asn1_x509.Certificate) -> str:
    public_key = cert.public_key
    if public_key.algorithm == "rsa":
        return f"RSA-{public_key.bit_size}"
    if public_key.algorithm == "ec":
        return f"ECDSA-{public_key.curve[1]}"
    return public_key.algorithm


def check_key_strength(cert: asn1_x509.Certificate) -> None:
    """Circular 15/2025/TT-BKHCN: RSA of at least 2048 bits or ECDSA of at least 256 bits."""
    public_key = cert.public_key
    algorithm = public_key.algorithm
    if (algorithm == "rsa" and public_key.bit_size >= 2048) or (algorithm == "ec" and public_key.bit_size >= 256):
        return
    raise CertificateRejectedError(
        f"Khóa của chứng thư số quá yếu ({key_description(cert)}): cần RSA từ 2048 bit hoặc ECDSA từ 256 bit.",
        f"The certificate key is too weak ({key_description(cert)}): RSA >= 2048 bits or ECDSA >= 256 bits required.",
        code="weak_key", details={"key": key_description(cert)},
    )


def certificate_store(certs: list[asn1_x509.Certificate]) -> SimpleCertificateStore:
    return SimpleCertificateStore.from_certs(certs)


class LoadedKeySigner(PrebuiltCmsMixin, Signer):
    """A pyHanko signer around an already-loaded ``cryptography`` private key.

    Why not pyHanko's ``SimpleSigner``: it re-parses the private key from DER on every signature,
    which for RSA costs more than the signature itself and dominates batch signing time.
    """

    def __init__(self, private_key: PrivateKeyTypes, signing_cert: asn1_x509.Certificate,
                 chain: list[asn1_x509.Certificate], prefer_pss: bool = False) -> None:
        self._private_key = private_key
        super().__init__(prefer_pss=prefer_pss, signing_cert=signing_cert,
                         cert_registry=certificate_store(chain), embed_roots=True)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return sign_with_key(self._private_key, self.get_signature_mechanism_for_digest(digest_algorithm),
                             data, digest_algorithm)


def sign_with_key(private_key: PrivateKeyTypes, mechanism_spec: Any, data: bytes, digest_algorithm: str) -> bytes:
    """Raw signature over ``data`` with the mechanism pyHanko chose (PKCS#1 v1.5, PSS or ECDSA)."""
    mechanism = mechanism_spec["algorithm"].native
    hash_algo = _HASHES[digest_algorithm.lower()]()
    if mechanism == "rsassa_pkcs1v15" or mechanism.endswith("_rsa"):
        assert isinstance(private_key, rsa.RSAPrivateKey)
        return private_key.sign(data, padding.PKCS1v15(), hash_algo)
    if mechanism == "rsassa_pss":
        assert isinstance(private_key, rsa.RSAPrivateKey)
        params = mechanism_spec["parameters"]
        pss_hash = _HASHES[params["hash_algorithm"]["algorithm"].native]()
        pss = padding.PSS(mgf=padding.MGF1(pss_hash), salt_length=params["salt_length"].native)
        return private_key.sign(data, pss, pss_hash)
    if mechanism == "ecdsa" or mechanism.endswith("_ecdsa"):
        assert isinstance(private_key, ec.EllipticCurvePrivateKey)
        return private_key.sign(data, ec.ECDSA(hash_algo))
    raise ValueError(f"unsupported signature mechanism {mechanism}")

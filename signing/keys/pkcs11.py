"""Keys on PKCS#11 tokens and HSMs (USB tokens issued by Vietnamese CAs, SoftHSM2 in tests).

Why a session per key source: logging in costs a PIN entry and a round trip to the token; a batch
opens the session once, signs every document, then logs out in ``close()``. A token pulled out in the
middle of a batch surfaces as :class:`KeyAccessError` with code ``token_unavailable``.
"""

from __future__ import annotations

import pkcs11
from asn1crypto import x509 as asn1_x509
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers.pdf_cms import Signer

from ..errors import KeyAccessError, SigningError
from .base import KeySource
from .cms_container import PrebuiltCmsMixin

DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def _token_error(exc: BaseException, token_label: str | None) -> KeyAccessError:
    name = type(exc).__name__
    details = {"token": token_label, "reason": name + (f": {exc}" if str(exc) else "")}
    if isinstance(exc, pkcs11.exceptions.PinIncorrect | pkcs11.exceptions.PinInvalid | pkcs11.exceptions.PinLenRange):
        return KeyAccessError(f"Mã PIN của thiết bị ký số “{token_label}” không đúng.",
                              f"Wrong PIN for token {token_label!r}.", code="wrong_pin", details=details)
    if isinstance(exc, pkcs11.exceptions.PinLocked):
        return KeyAccessError(f"Thiết bị ký số “{token_label}” đã bị khóa do nhập sai PIN nhiều lần.",
                              f"Token {token_label!r} is locked after too many wrong PINs.", code="pin_locked",
                              details=details)
    return KeyAccessError(
        f"Không truy cập được thiết bị ký số “{token_label}” (đã rút ra hoặc không tìm thấy).",
        f"Token {token_label!r} is not available (removed or not found): {details['reason']}.",
        code="token_unavailable", details=details)


def issuer_chain(cert: asn1_x509.Certificate, pool: list[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    """The issuers of ``cert`` found in ``pool``, nearest first (other users' certificates are left out)."""
    chain: list[asn1_x509.Certificate] = []
    current = cert
    while current.issuer != current.subject:
        issuer = next((c for c in pool if c.subject == current.issuer and c.dump() not in {x.dump() for x in chain}), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


class Pkcs11KeySource(KeySource):
    """A key on a PKCS#11 token, found by token label and key/certificate label (or id)."""

    def __init__(self, module_path: str, token_label: str, pin: str | None, key_label: str | None = None,
                 cert_label: str | None = None, key_id: bytes | None = None) -> None:
        self.token_label = token_label
        self._key_label = key_label
        self._cert_label = cert_label or key_label
        self._key_id = key_id
        try:
            self.session = open_pkcs11_session(module_path, token_criteria=TokenCriteria(label=token_label),
                                               user_pin=pin)
        except pkcs11.exceptions.PKCS11Error as exc:
            raise _token_error(exc, token_label) from None
        except Exception as exc:  # noqa: BLE001 - pyHanko raises its own PKCS11Error for a missing token
            if "token" in str(exc).lower():
                raise _token_error(exc, token_label) from None
            raise KeyAccessError(f"Không nạp được thư viện PKCS#11 {module_path}.",
                                 f"Cannot load PKCS#11 module {module_path}: {exc}", code="pkcs11_module",
                                 details={"module": module_path}) from None
        self._signers: dict[bool, Signer] = {}
        self._closed = False
        try:
            probe = PKCS11Signer(self.session, key_label=key_label, cert_label=self._cert_label, key_id=key_id,
                                 cert_id=key_id if self._cert_label is None else None, other_certs_to_pull=None)
            self._certificate = probe.signing_cert
            self._chain = issuer_chain(self._certificate, list(probe.cert_registry))
            self._default = self._make_signer(False)
        except Exception as exc:  # noqa: BLE001
            self.close()
            raise KeyAccessError(
                f"Không tìm thấy khóa/chứng thư “{key_label or key_id}” trên thiết bị “{token_label}”.",
                f"Key/certificate {key_label or key_id!r} not found on token {token_label!r}: {exc}",
                code="key_not_found", details={"token": token_label, "key_label": key_label}) from None

    def _make_signer(self, prefer_pss: bool) -> Signer:
        signer = _GuardedPkcs11Signer(
            self.session, key_label=self._key_label, cert_label=self._cert_label, key_id=self._key_id,
            cert_id=self._key_id if self._cert_label is None else None, prefer_pss=prefer_pss,
            signing_cert=self._certificate, ca_chain=self._chain, other_certs_to_pull=(),
            # SoftHSM and many tokens only offer raw CKM_ECDSA: hash in software, sign on the token
            use_raw_mechanism=self._certificate.public_key.algorithm == "ec",
        )
        signer.token_label = self.token_label
        self._signers[prefer_pss] = signer
        return signer

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> list[asn1_x509.Certificate]:
        return list(self._chain)

    def pyhanko_signer(self, *, prefer_pss: bool = False) -> Signer:
        if self._closed:
            raise _token_error(RuntimeError("session closed"), self.token_label)
        return self._signers.get(prefer_pss) or self._make_signer(prefer_pss)

    def translate_error(self, exc: BaseException) -> SigningError | None:
        if isinstance(exc, pkcs11.exceptions.PKCS11Error):
            return _token_error(exc, self.token_label)
        return None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.session.close()
            except Exception:  # noqa: BLE001 - token already gone
                pass


class _GuardedPkcs11Signer(PrebuiltCmsMixin, PKCS11Signer):
    """Turns token failures during signing (removed token, closed session) into KeyAccessError."""

    token_label: str | None = None

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        try:
            return await super().async_sign_raw(data, digest_algorithm, dry_run)
        except pkcs11.exceptions.PKCS11Error as exc:
            raise _token_error(exc, self.token_label) from None

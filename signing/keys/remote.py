"""Keys held by a remote signing service (a cloud HSM, a CA's remote-signing API, a phone app).

Why an interface only: each service has its own API, authentication and approval flow. A new one
implements :class:`RemoteSigningService` (send the bytes to be signed, get the raw signature back)
and is wrapped in :class:`RemoteKeySource`; nothing else in ``signing`` changes.
"""

from __future__ import annotations

import abc

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.signers.pdf_cms import Signer

from ..errors import KeyAccessError, SigningError
from .base import KeySource, certificate_store
from .cms_container import PrebuiltCmsMixin


class RemoteSigningService(abc.ABC):
    """What a remote signing service must offer."""

    @abc.abstractmethod
    def certificate(self) -> asn1_x509.Certificate:
        """The certificate of the key this service signs with."""

    def chain(self) -> list[asn1_x509.Certificate]:
        return []

    @abc.abstractmethod
    def sign(self, data: bytes, digest_algorithm: str, mechanism: str, pss_salt_length: int | None) -> bytes:
        """Raw signature over ``data`` (the DER of the CMS signed attributes) with ``mechanism``
        (``rsassa_pkcs1v15``, ``rsassa_pss`` or ``ecdsa``) and ``digest_algorithm``. Raise
        :class:`KeyAccessError` when the service refuses (not approved, unreachable)."""


class _RemoteSigner(PrebuiltCmsMixin, Signer):
    def __init__(self, service: RemoteSigningService, cert: asn1_x509.Certificate,
                 chain: list[asn1_x509.Certificate], prefer_pss: bool) -> None:
        self._service = service
        super().__init__(prefer_pss=prefer_pss, signing_cert=cert, cert_registry=certificate_store(chain))

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        spec = self.get_signature_mechanism_for_digest(digest_algorithm)
        mechanism = spec["algorithm"].native
        if mechanism.endswith("_rsa"):
            mechanism = "rsassa_pkcs1v15"
        elif mechanism.endswith("_ecdsa"):
            mechanism = "ecdsa"
        salt = spec["parameters"]["salt_length"].native if mechanism == "rsassa_pss" else None
        return self._service.sign(data, digest_algorithm, mechanism, salt)


class RemoteKeySource(KeySource):
    def __init__(self, service: RemoteSigningService) -> None:
        self._service = service
        try:
            self._certificate = service.certificate()
            self._chain = service.chain()
        except SigningError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the service
            raise KeyAccessError("Không kết nối được dịch vụ ký số từ xa.",
                                 f"The remote signing service is not available: {exc}",
                                 code="remote_unavailable") from None
        self._signers: dict[bool, Signer] = {}

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> list[asn1_x509.Certificate]:
        return list(self._chain)

    def pyhanko_signer(self, *, prefer_pss: bool = False) -> Signer:
        if prefer_pss not in self._signers:
            self._signers[prefer_pss] = _RemoteSigner(self._service, self._certificate, self._chain, prefer_pss)
        return self._signers[prefer_pss]

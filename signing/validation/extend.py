"""Long-term archiving seen from validation: extend signed PDFs to PAdES B-LTA against a trust store.

The work itself is :func:`signing.ltv.extend_to_lta` (the one implementation, shared with B-LT/B-LTA
signing): validation data of every signature into the DSS, then a document timestamp over all of it.
This adapter takes what the validation side has — a :class:`TrustStore`, a TSA — and reports
problems as :class:`ValidationInputError` like the rest of ``signing.validation``.
"""

from __future__ import annotations

from pyhanko.sign.timestamps import TimeStamper

from signing.errors import SigningError
from signing.ltv import extend_to_lta as extend_signed_pdf
from signing.services import DEFAULT_MAX_DOCUMENT_BYTES, SigningServices
from signing.settings import SignatureLevel
from signing.trust import TrustStore, default_trust_store
from signing.validation.errors import ValidationInputError

_CODES = {"not_signed": "no_signature", "no_tsa": "tsa_missing"}


def extend_to_lta(pdf: bytes, *, tsa_url: str | None = None, timestamper: TimeStamper | None = None,
                  trust_store: TrustStore | None = None, fetch_timeout: float = 5.0,
                  level: SignatureLevel = SignatureLevel.B_LTA,
                  max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> bytes:
    """Return ``pdf`` with DSS validation data for each signature and (B-LTA) a document timestamp.

    Revocation data is collected where it can be fetched (soft-fail): a document whose CA has since
    closed its OCSP responder can still be sealed with a document timestamp.
    """
    store = trust_store if trust_store is not None else default_trust_store()
    services = SigningServices(
        trust_roots=tuple(store.anchor_certificates()), other_certs=tuple(store.helper_certificates()),
        tsa_url=tsa_url, timestamper=timestamper, check_revocation=False, network_timeout=fetch_timeout,
        max_document_bytes=max_document_bytes,
    )
    try:
        return extend_signed_pdf(pdf, services, level)
    except SigningError as exc:
        details = exc.details if isinstance(exc.details, dict) else {"details": exc.details}
        raise ValidationInputError(exc.message_vi, exc.message_en, code=_CODES.get(exc.code, "extend_failed"),
                                   details={**details, "reason": exc.code}) from exc

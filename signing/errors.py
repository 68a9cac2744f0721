"""Errors raised by signing.

Why a hierarchy with codes: callers (CLI, REST API, engine service tasks) decide what to do by the
kind of failure (retry a TSA outage, ask again for a PIN, reject a document) and show the person a
Vietnamese message; logs and API clients get the English one and structured ``details``.
"""

from __future__ import annotations

from typing import Any


class SigningError(Exception):
    """Base of every error signing raises on purpose. The input document is never modified."""

    code: str = "signing_error"

    def __init__(self, message_vi: str, message_en: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        if code:
            self.code = code
        self.details = details if details is not None else {}

    def __str__(self) -> str:
        return f"{self.message_vi} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}


class InvalidDocumentError(SigningError):
    """The input is not a signable PDF (not a PDF, broken, encrypted, too large)."""

    code = "invalid_document"


class CertificateRejectedError(SigningError):
    """The signer's certificate may not sign now: expired, not yet valid, revoked, untrusted, weak key."""

    code = "certificate_rejected"


class RevocationCheckError(SigningError):
    """The revocation status of the signer's certificate could not be established."""

    code = "revocation_unavailable"


class TimestampUnavailableError(SigningError):
    """The timestamp authority could not be reached or refused; nothing was signed."""

    code = "timestamp_unavailable"


class KeyAccessError(SigningError):
    """The private key could not be opened: wrong password or PIN, missing token, unreadable file."""

    code = "key_access"


class SignatureFieldError(SigningError):
    """The requested field is missing, already signed, locked, or the document forbids more signatures."""

    code = "signature_field"


class SigningFailedError(SigningError):
    """Anything else that went wrong inside the PDF signing library."""

    code = "signing_failed"

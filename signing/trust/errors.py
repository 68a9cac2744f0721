"""Errors of the trust store.

Each carries a stable code, a Vietnamese message for the administrator, an English one for logs,
and details (paths, fingerprints) so that the application can show exactly what was refused.
"""

from __future__ import annotations

from typing import Any


class TrustStoreError(Exception):
    """Base of every error the trust store raises on purpose; nothing was changed when it is raised."""

    code: str = "trust_store_error"

    def __init__(self, message_vi: str, message_en: str, *, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        if code:
            self.code = code
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}


class NotACertificate(TrustStoreError):
    code = "trust_not_a_certificate"


class NotACertificateAuthority(TrustStoreError):
    code = "trust_not_a_ca"


class DuplicateCertificate(TrustStoreError):
    code = "trust_duplicate"


class NameCollision(TrustStoreError):
    """Same subject name as an anchor already trusted, but another key: the classic look-alike."""

    code = "trust_name_collision"


class UnknownFingerprint(TrustStoreError):
    code = "trust_unknown_fingerprint"


class TrustStoreTampered(TrustStoreError):
    """A file of the store does not match its pinned fingerprint: refuse to use the store at all."""

    code = "trust_store_tampered"

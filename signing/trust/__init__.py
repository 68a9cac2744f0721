"""The national trust store: NEAC and VGCA anchors shipped with quytrinh, plus an installation's changes.

Anchors are matched by certificate or key hash, never by name.
"""

from signing.trust.entries import ROLE_INTERMEDIATE, ROLE_ROOT, ROLE_TSA, TrustEntry
from signing.trust.errors import (
    DuplicateCertificate,
    NameCollision,
    NotACertificate,
    NotACertificateAuthority,
    TrustStoreError,
    TrustStoreTampered,
    UnknownFingerprint,
)
from signing.trust.installation import InstallationTrustStore, TrustChange
from signing.trust.store import TrustStore, default_trust_store

__all__ = [
    "ROLE_INTERMEDIATE", "ROLE_ROOT", "ROLE_TSA", "DuplicateCertificate", "InstallationTrustStore",
    "NameCollision", "NotACertificate", "NotACertificateAuthority", "TrustChange", "TrustEntry",
    "TrustStore", "TrustStoreError", "TrustStoreTampered", "UnknownFingerprint", "default_trust_store",
]

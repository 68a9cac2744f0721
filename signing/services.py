"""Where signing reaches outside: trust anchors, timestamp authority, revocation fetching, limits.

Why separate from :class:`SignatureRequest`: the request describes one signature; these settings are
the deployment's (one TSA, one trust store) and are shared by every signature in a batch, together
with a short-lived cache of signer certificate checks so a batch of 60,000 documents does not ask the
OCSP responder 60,000 times about the same certificate.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

DEFAULT_MAX_DOCUMENT_BYTES = 100 * 1024 * 1024


class CertificateCheckCache:
    """Remembers, per certificate fingerprint, until when its last successful check stays good."""

    def __init__(self) -> None:
        self._good_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_fresh(self, fingerprint: str) -> bool:
        with self._lock:
            return self._good_until.get(fingerprint, 0.0) > time.monotonic()

    def remember(self, fingerprint: str, seconds: float) -> None:
        with self._lock:
            self._good_until[fingerprint] = time.monotonic() + seconds


@dataclass(frozen=True)
class SigningServices:
    """Deployment settings for signing.

    ``trust_roots``: anchors the signer's certificate must chain to (asn1crypto certificates);
    ``other_certs``: intermediates that help build chains but confer no trust (e.g. a trust store's helpers).
    ``tsa_url`` or ``timestamper`` (an in-process pyHanko TimeStamper, e.g. for tests).
    ``check_revocation``: check the signer's certificate (OCSP, else CRL) before signing; turning it
    off is for offline B-B only and is reported as a warning in the result. When extending someone
    else's signatures (``signing.ltv.extend_to_lta``) it means "collect what can be fetched" (soft-fail).
    """

    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    other_certs: tuple[asn1_x509.Certificate, ...] = ()
    tsa_url: str | None = None
    timestamper: TimeStamper | None = None
    check_revocation: bool = True
    network_timeout: float = 5.0
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    check_cache_seconds: float = 300.0
    check_cache: CertificateCheckCache = field(default_factory=CertificateCheckCache, compare=False, repr=False)

    def make_timestamper(self) -> TimeStamper | None:
        if self.timestamper is not None:
            return self.timestamper
        if self.tsa_url:
            return RequestsHTTPTimeStamper(self.tsa_url, timeout=self.network_timeout)
        return None

"""A set of trusted anchors plus helper certificates (intermediates, timestamp authorities).

Immutable: an installation's store is built from the shipped defaults and the administrator's
additions/removals (see :mod:`signing.trust.installation`); validation receives one of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from asn1crypto import x509

from signing.trust.certificates import sha256_fingerprint, spki_sha256
from signing.trust.entries import ROLE_ROOT, TrustEntry
from signing.trust.errors import UnknownFingerprint
from signing.trust.shipped import load_shipped_entries


class TrustStore:
    """Anchors matched by certificate hash or public-key hash, never by name."""

    def __init__(self, entries: Iterable[TrustEntry]) -> None:
        self._entries: tuple[TrustEntry, ...] = tuple(entries)
        self._by_fingerprint = {e.fingerprint: e for e in self._entries}
        self._anchor_by_spki = {e.summary.spki_sha256: e for e in self._entries if e.is_anchor}

    @property
    def entries(self) -> tuple[TrustEntry, ...]:
        return self._entries

    @property
    def anchors(self) -> tuple[TrustEntry, ...]:
        return tuple(e for e in self._entries if e.role == ROLE_ROOT)

    @property
    def helpers(self) -> tuple[TrustEntry, ...]:
        """Certificates that only help build chains; they confer no trust by themselves."""
        return tuple(e for e in self._entries if e.role != ROLE_ROOT)

    def anchor_certificates(self) -> list[x509.Certificate]:
        return [e.cert for e in self.anchors]

    def helper_certificates(self) -> list[x509.Certificate]:
        return [e.cert for e in self.helpers]

    def get(self, fingerprint: str) -> TrustEntry:
        key = normalise_fingerprint(fingerprint)
        try:
            return self._by_fingerprint[key]
        except KeyError:
            raise UnknownFingerprint(
                f"Không có chứng thư nào với dấu vân tay {key} trong kho tin cậy.",
                f"No certificate with fingerprint {key} in the trust store.",
                details={"fingerprint": key},
            ) from None

    def contains(self, fingerprint: str) -> bool:
        return normalise_fingerprint(fingerprint) in self._by_fingerprint

    def anchor_for(self, cert: x509.Certificate) -> TrustEntry | None:
        """The anchor this certificate *is* (same bytes or same key), or None. Names are ignored."""
        entry = self._by_fingerprint.get(sha256_fingerprint(cert))
        if entry is not None and entry.is_anchor:
            return entry
        return self._anchor_by_spki.get(spki_sha256(cert))

    def with_extra_anchors(self, certs: Iterable[x509.Certificate]) -> TrustStore:
        """A copy that also trusts ``certs`` (used by ``verify --trust``); the original is unchanged."""
        extra = [TrustEntry(cert=c, role=ROLE_ROOT, hierarchy="local", source="cli", file="")
                 for c in certs if sha256_fingerprint(c) not in self._by_fingerprint]
        return TrustStore([*self._entries, *extra])

    def __len__(self) -> int:
        return len(self._entries)


def normalise_fingerprint(text: str) -> str:
    """Accept ``AB:CD:...`` (openssl style) or plain hex, any case."""
    return text.replace(":", "").replace(" ", "").strip().lower()


@lru_cache(maxsize=1)
def default_trust_store() -> TrustStore:
    """The shipped NEAC + VGCA store, verified against the pinned fingerprints (once per process)."""
    return TrustStore(load_shipped_entries())

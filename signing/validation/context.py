"""Everything one validation run needs, fixed up front and shared by all signatures of a document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext

from signing.trust import TrustStore
from signing.validation import paths as paths_mod
from signing.validation.chain import ChainOutcome, RevocationMaterial, evaluate_chain
from signing.validation.policy import ValidationPolicy


@dataclass(frozen=True)
class DocumentPOE:
    """A document timestamp trusted at the validation time: proves existence of earlier revisions."""

    time: datetime
    revision: int


@dataclass
class RunContext:
    store: TrustStore
    policy: ValidationPolicy
    at: datetime
    offline: bool
    document_certs: list[x509.Certificate] = field(default_factory=list)
    document_revinfo: RevocationMaterial = field(default_factory=RevocationMaterial)
    document_poes: list[DocumentPOE] = field(default_factory=list)
    paths: paths_mod.PathCache | None = None

    def __post_init__(self) -> None:
        if self.paths is None:
            self.paths = paths_mod.PathCache(self.store, fetch=not self.offline,
                                             fetch_timeout=self.policy.fetch_timeout_seconds)

    def crypto_only_context(self) -> ValidationContext:
        """For pyHanko's integrity, timestamp-token and diff checks only; trust is decided elsewhere."""
        return paths_mod.crypto_only_context()

    def poe_for_revision(self, revision: int) -> datetime | None:
        """Earliest trusted document timestamp covering ``revision``."""
        times = [p.time for p in self.document_poes if p.revision > revision]
        return min(times) if times else None

    async def chain(self, cert: x509.Certificate, *, moment: datetime, embedded: list[x509.Certificate],
                    revinfo: RevocationMaterial, hard_fail: bool, eku: set[str] | None = None,
                    probe: bool = True) -> ChainOutcome:
        assert self.paths is not None
        return await evaluate_chain(
            cert, paths=self.paths, probe=probe, store=self.store, moment=moment, embedded_certs=[*embedded, *self.document_certs],
            revinfo=revinfo, algorithms=self.policy.algorithms, hard_fail=hard_fail,
            fetch=not self.offline, extended_key_usage=eku,
        )

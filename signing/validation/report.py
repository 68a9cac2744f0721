"""The validation report: plain dataclasses, turned into dicts for JSON and into text by ``render``."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Indication(enum.StrEnum):
    """ETSI EN 319 102-1 main indications."""

    PASSED = "PASSED"
    INDETERMINATE = "INDETERMINATE"
    FAILED = "FAILED"


SEVERITY = {Indication.PASSED: 0, Indication.INDETERMINATE: 1, Indication.FAILED: 2}


@dataclass
class Note:
    code: str
    vi: str
    en: str


@dataclass
class CertificateLine:
    subject: str
    sha256: str
    not_before: datetime
    not_after: datetime


@dataclass
class ChainReport:
    certificates: list[CertificateLine]  # signer first, anchor last
    anchor_subject: str
    anchor_sha256: str
    hierarchy: str
    hierarchy_vi: str
    hierarchy_en: str
    validated_at: datetime


@dataclass
class TimestampReport:
    time: datetime
    authority: str
    intact: bool
    trusted: bool
    chain: ChainReport | None
    digest_algorithm: str
    problem: str | None = None


@dataclass
class RevocationReport:
    status: str  # good | revoked | unavailable | none_declared | not_required
    sources: list[str] = field(default_factory=list)
    revoked_at: datetime | None = None
    detail: str = ""


@dataclass
class ModificationReport:
    coverage: str
    level: str
    allowed: bool
    detail: str = ""


@dataclass
class SignatureReport:
    field_name: str
    indication: Indication
    sub_indication: str | None
    rule: str
    rule_vi: str
    rule_en: str
    signer: str | None = None
    signer_dn: str | None = None
    signer_sha256: str | None = None
    claimed_signing_time: datetime | None = None
    proof_of_existence: datetime | None = None
    timestamp: TimestampReport | None = None
    digest_algorithm: str | None = None
    signature_algorithm: str | None = None
    key: str | None = None
    subfilter: str | None = None
    pades_level: str | None = None
    intact: bool | None = None
    crypto_valid: bool | None = None
    chain: ChainReport | None = None
    revocation: RevocationReport | None = None
    modifications: ModificationReport | None = None
    algorithms: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def note(self, code: str, vi: str, en: str) -> None:
        self.notes.append(Note(code, vi, en))


@dataclass
class DocumentReport:
    sha256: str
    size: int
    validation_time: datetime
    policy: str
    signatures: list[SignatureReport]
    document_timestamps: list[TimestampReport] = field(default_factory=list)
    revisions: int = 0

    @property
    def indication(self) -> Indication:
        """Worst indication over all signatures; a PDF without signatures is not PASSED."""
        if not self.signatures:
            return Indication.INDETERMINATE
        return max((s.indication for s in self.signatures), key=SEVERITY.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        data = _plain(dataclasses.asdict(self))
        data["indication"] = self.indication.value
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value

"""What a caller asks for when signing, and what it gets back.

Why frozen dataclasses: a request is a value that can be logged, compared, stored with a case and
replayed; nothing in the signing code may change it behind the caller's back.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class SignatureLevel(enum.Enum):
    """PAdES baseline levels (ETSI EN 319 142-1), ordered from weakest to strongest."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @classmethod
    def parse(cls, value: str | SignatureLevel) -> SignatureLevel:
        if isinstance(value, SignatureLevel):
            return value
        normalised = value.strip().upper().replace("_", "-")
        if not normalised.startswith("B-"):
            normalised = "B-" + normalised
        for level in cls:
            if level.value == normalised:
                return level
        raise ValueError(f"unknown PAdES level {value!r} (expected B-B, B-T, B-LT or B-LTA)")

    @property
    def rank(self) -> int:
        return list(SignatureLevel).index(self)

    @property
    def needs_timestamp(self) -> bool:
        return self.rank >= SignatureLevel.B_T.rank

    @property
    def needs_validation_data(self) -> bool:
        return self.rank >= SignatureLevel.B_LT.rank


class DocMdp(enum.Enum):
    """Changes allowed after a certification signature (ISO 32000 DocMDP P values)."""

    NO_CHANGES = 1
    FILL_FORMS = 2  # filling forms and signing existing fields
    ANNOTATE = 3


class AppearanceKind(enum.Enum):
    """Looks of a signature on the page, per Decree 30/2020/NĐ-CP Appendix I."""

    NONE = "none"  # invisible signature
    PERSON = "person"  # handwritten signature image of the person with authority (blue)
    SEAL = "seal"  # red seal of the organisation, with its name and the signing time
    ATTACHMENT = "attachment"  # organisation signature on attachments: number/symbol and time, no image


@dataclass(frozen=True)
class Box:
    """A rectangle on a page in PDF points, origin bottom left: (x1, y1) lower left, (x2, y2) upper right."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        if self.x2 <= self.x1 or self.y2 <= self.y1:
            raise ValueError(f"empty box {self.as_tuple()}: need x1 < x2 and y1 < y2")

    @classmethod
    def parse(cls, text: str) -> Box:
        parts = [float(p) for p in text.replace(";", ",").split(",")]
        if len(parts) != 4:
            raise ValueError(f"box {text!r} must be x1,y1,x2,y2")
        return cls(*parts)

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True)
class Appearance:
    """How the signature is drawn. Images are PNG bytes; ``None`` uses the generated demo images.

    ``overlap_field``: for a seal, the name of the person's signature field whose left third the
    seal should cover (its box is read from the document when ``SignatureRequest.box`` is not given).
    """

    kind: AppearanceKind = AppearanceKind.NONE
    image_png: bytes | None = None
    organisation: str | None = None
    document_number: str | None = None
    signer_label: str | None = None
    overlap_field: str | None = None
    seal_diameter_mm: float = 36.0


@dataclass(frozen=True)
class SignatureRequest:
    """One signature to apply.

    ``page`` is 1-based (as people count pages). ``lock_fields``: field names locked by this signature
    (FieldMDP include), ``("*",)`` for all fields; ``lock_all_except`` locks everything but the listed
    fields (the signature fields later signers will fill). ``allow_fallback_level``: the lowest level
    accepted when the timestamp authority is unreachable (``None`` = fail, the default).
    """

    level: SignatureLevel = SignatureLevel.B_B
    field_name: str | None = None
    appearance: Appearance = Appearance()
    page: int = 1
    box: Box | None = None
    reason: str | None = None
    location: str | None = None
    contact_info: str | None = None
    certify: bool = False
    docmdp: DocMdp = DocMdp.FILL_FORMS
    lock_fields: tuple[str, ...] = ()
    lock_all_except: tuple[str, ...] | None = None
    md_algorithm: str = "sha256"
    rsa_pss: bool = False
    allow_fallback_level: SignatureLevel | None = None

    def __post_init__(self) -> None:
        if self.md_algorithm.lower() not in ("sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"):
            raise ValueError(f"digest {self.md_algorithm!r} is too weak: SHA-256 or stronger is required")
        if self.page < 1:
            raise ValueError("page numbers start at 1")
        if self.allow_fallback_level is not None and self.allow_fallback_level.rank > self.level.rank:
            raise ValueError("the fallback level must be lower than the requested level")


@dataclass(frozen=True)
class SignatureInfo:
    """What was done: enough for an audit trail entry."""

    field_name: str
    requested_level: SignatureLevel
    level: SignatureLevel
    fallback_reason: str | None
    signer_subject: str
    signer_serial: int
    signer_fingerprint_sha256: str
    signing_time: dt.datetime
    md_algorithm: str
    signature_mechanism: str
    certified: bool
    size_bytes: int

    @property
    def downgraded(self) -> bool:
        return self.level != self.requested_level

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name, "requested_level": self.requested_level.value,
            "level": self.level.value, "downgraded": self.downgraded, "fallback_reason": self.fallback_reason,
            "signer_subject": self.signer_subject, "signer_serial": self.signer_serial,
            "signer_fingerprint_sha256": self.signer_fingerprint_sha256,
            "signing_time": self.signing_time.isoformat(), "md_algorithm": self.md_algorithm,
            "signature_mechanism": self.signature_mechanism, "certified": self.certified,
            "size_bytes": self.size_bytes,
        }


@dataclass(frozen=True)
class SignedResult:
    pdf_bytes: bytes
    info: SignatureInfo
    warnings: tuple[str, ...] = field(default_factory=tuple)

"""One certificate known to the trust store, with the role it plays and the hierarchy it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509

from signing.trust.certificates import CertificateSummary, summarise

ROLE_ROOT = "root"                  # trust anchor: chains must end here
ROLE_INTERMEDIATE = "intermediate"  # only fills gaps in chains; trusted only through an anchor
ROLE_TSA = "tsa"                    # timestamp authority certificate; same: helper, not anchor

HIERARCHY_LABELS: dict[str, tuple[str, str]] = {
    "neac": ("Chữ ký số công cộng (NEAC, Trung tâm Chứng thực điện tử quốc gia)",
             "Public digital signatures (NEAC, National Electronic Authentication Centre)"),
    "vgca": ("Chữ ký số chuyên dùng Chính phủ (Ban Cơ yếu Chính phủ)",
             "Government specialised signatures (Government Cipher Committee, VGCA)"),
    "local": ("Do quản trị viên thêm vào", "Added by the administrator"),
}


def role_for_path(path: str) -> str:
    folder = path.split("/", 1)[0]
    return {"roots": ROLE_ROOT, "intermediates": ROLE_INTERMEDIATE, "tsa": ROLE_TSA}[folder]


@dataclass(frozen=True)
class TrustEntry:
    cert: x509.Certificate
    role: str
    hierarchy: str
    source: str  # "shipped" or "added"
    file: str
    summary: CertificateSummary = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", summarise(self.cert))

    @property
    def fingerprint(self) -> str:
        return self.summary.sha256

    @property
    def is_anchor(self) -> bool:
        return self.role == ROLE_ROOT

    def hierarchy_label(self, lang: str = "vi") -> str:
        vi, en = HIERARCHY_LABELS.get(self.hierarchy, (self.hierarchy, self.hierarchy))
        return vi if lang == "vi" else en

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary.to_dict(), "role": self.role, "hierarchy": self.hierarchy,
                "hierarchy_vi": self.hierarchy_label("vi"), "hierarchy_en": self.hierarchy_label("en"),
                "source": self.source, "file": self.file}

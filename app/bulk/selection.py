"""Which cases a bulk run signs: ``procedure=QT13,status=completed`` → the engine's case list.

Why through ``engine.cases``: it applies the same visibility rules as the inbox and the web pages,
so a bulk run signs only cases its user may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import Actor, ProcessEngine

KEYS = {"procedure", "status"}
STATUSES = {"running", "waiting", "completed", "incident", "cancelled"}
PAGE = 200


class BulkSelectionError(ValueError):
    """The ``--cases`` filter cannot be understood; the message names the part that is wrong."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en, self.code = message_vi, message_en, "bad_case_filter"


@dataclass(frozen=True)
class CaseFilter:
    procedure: str | None = None
    status: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"procedure": self.procedure, "status": self.status}


def parse_filter(text: str) -> CaseFilter:
    """``"procedure=QT13,status=completed"`` → CaseFilter; a procedure is required (no run signs everything)."""
    values: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in KEYS or not value:
            raise BulkSelectionError(
                f"Bộ lọc hồ sơ không hợp lệ ở “{part}”: cần dạng procedure=QTxx,status=completed",
                f"Invalid case filter at {part!r}: expected procedure=QTxx,status=completed")
        values[key] = value
    if "procedure" not in values:
        raise BulkSelectionError("Bộ lọc hồ sơ cần procedure=QTxx (không ký hàng loạt mọi quy trình)",
                                 "The case filter needs procedure=QTxx (bulk signing never spans every procedure)")
    status = values.get("status")
    if status is not None and status not in STATUSES:
        raise BulkSelectionError(f"Trạng thái hồ sơ không hợp lệ: {status} (cần một trong {sorted(STATUSES)})",
                                 f"Unknown case status {status!r} (expected one of {sorted(STATUSES)})")
    return CaseFilter(procedure=values["procedure"], status=status)


def matching_cases(engine: ProcessEngine, actor: Actor, case_filter: CaseFilter) -> list[int]:
    """Ids of the cases the filter selects and ``actor`` may see, oldest first (a stable order to resume)."""
    ids: list[int] = []
    page = 1
    while True:
        found = engine.cases(actor, status=case_filter.status, code=case_filter.procedure, page=page, per_page=PAGE)
        ids.extend(int(item["id"]) for item in found.items)
        if page * PAGE >= found.total or not found.items:
            return sorted(set(ids))
        page += 1

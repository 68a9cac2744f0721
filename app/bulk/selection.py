"""Which cases a bulk run signs: ``procedure=QT13,status=completed`` → the engine's case list.

Why through ``engine.cases``: it applies the same visibility rules as the inbox and the web pages,
so a leader's bulk run signs only cases they may see; the registry's seal run is school-wide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, ProcessEngine
from engine.models import Case

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


def matching_cases(engine: ProcessEngine, actor: Actor, case_filter: CaseFilter,
                   school_wide: Callable[[], Session] | None = None) -> list[int]:
    """Ids of the cases the filter selects, oldest first (a stable order to resume).

    By default only the cases ``actor`` may see (the engine's rule: their own unit's, and those with
    no unit). ``school_wide`` (a session factory) lifts that for the registry, which seals the
    documents of every unit of the organisation (Decree 30/2020).
    """
    if school_wide is not None:
        query = select(Case.id).where(Case.code == case_filter.procedure)
        if case_filter.status:
            query = query.where(Case.status == case_filter.status)
        with school_wide() as session:
            return sorted(session.scalars(query))
    ids: list[int] = []
    page = 1
    while True:
        found = engine.cases(actor, status=case_filter.status, code=case_filter.procedure, page=page, per_page=PAGE)
        ids.extend(int(item["id"]) for item in found.items)
        if page * PAGE >= found.total or not found.items:
            return sorted(set(ids))
        page += 1

"""What a start writes, now that its statements are built once and its JSON is written by orjson.

The case row goes in as a Core INSERT and its object is attached to the session as if loaded; the
document rows go in through statements built once per dialect; JSON columns are written by orjson
when it gives the same value back, else by the standard library. These tests pin that the rows, their
JSON and the object the step holds are what they were before those shortcuts.
"""

from __future__ import annotations

import datetime
import enum
import json
import math
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from engine import SYSTEM, transaction
from engine.db import compact_json
from engine.models import Case, CaseDocument, Document
from engine.runtime import cases as case_ops
from engine.runtime.outputs import store_document


def _stdlib(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Colour(enum.Enum):
    RED = 1


@pytest.mark.parametrize("value", [
    {"subject": "Văn bản thử", "n": 7, "score": 8.5, "ok": True, "none": None, "list": [1, "hai", [3.0]]},
    {"control": "dòng\nmới\t\x00\x1f\x7f\u2028", "quote": "\"\\/"},
    [0.1, 1 / 3, -0.0, 1e16, 1e22, 5e-324, 1.7976931348623157e308, 2**63 - 1, -(2**63)],
    {"big": 2**70}, {"nan": math.nan}, {"inf": [math.inf, -math.inf]}, {1: "int key", None: "none key"},
    {"tuple": (1, 2)}, "\ud800 lone surrogate", {"nested": {"deep": [{"a": []}, {}]}},
])
def test_json_columns_are_written_as_the_standard_library_wrote_them(value: Any) -> None:
    assert compact_json(value) == _stdlib(value)


@pytest.mark.parametrize("value", [datetime.datetime(2026, 1, 1), uuid.UUID(int=1), Colour.RED, {"s": {1, 2}}])
def test_what_the_standard_library_refuses_is_still_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        _stdlib(value)
    with pytest.raises(TypeError):
        compact_json(value)


def test_a_very_small_float_keeps_its_value() -> None:
    assert json.loads(compact_json({"x": 1e-05, "y": 2.5e-07})) == {"x": 1e-05, "y": 2.5e-07}


def test_a_started_case_is_persistent_and_its_row_is_what_the_model_defaults_give(container, people, three):
    with transaction(container.sessions) as s:
        step = case_ops.start_case_step(s, container.registry, "T3", {"subject": "Xin bảng điểm"}, people["sv1"])
        case = step.case
        assert s.get(Case, case.id) is case  # the session's own object: no second load
        assert case in s and case not in s.new and case in s.dirty  # the step's changes are an UPDATE
        created = case.created_at
        s.flush()
        assert case.lock_version == 2
    with container.sessions() as s:
        row = s.get(Case, case.id)
        assert (row.code, row.status, row.started_by, row.title) == ("T3", "waiting", "sv1", case.title)
        assert row.completed_at is None and row.lock_version == 2 and row.audit_seq == 1
        assert row.audit_head == case.audit_head and row.state == case.state and row.data == case.data
        assert abs(row.created_at.replace(tzinfo=None) - created.replace(tzinfo=None)) < datetime.timedelta(
            seconds=1) and row.updated_at >= row.created_at.replace(tzinfo=row.updated_at.tzinfo)
    assert container.engine.verify_audit(case.id).ok


def test_the_same_bytes_for_two_cases_are_one_document_linked_twice(container, people, three):
    content = b"%PDF-1.7 " + bytes(range(256)) * 40
    with transaction(container.sessions) as s:
        ids = [case_ops.start_case_step(s, container.registry, "T3", {"subject": f"hồ sơ {n}"}, SYSTEM).case.id
               for n in range(2)]
        digests = [store_document(s, case_id, content, f"{n}.pdf", "application/pdf", role="incoming")
                   for n, case_id in enumerate(ids)]
    with container.sessions() as s:
        docs = s.scalars(sa.select(Document).where(Document.sha256 == digests[0])).all()
        assert digests[0] == digests[1] and len(docs) == 1
        assert (docs[0].content, docs[0].size, docs[0].media_type) == (content, len(content), "application/pdf")
        assert docs[0].created_at is not None
        links = s.scalars(sa.select(CaseDocument).where(CaseDocument.sha256 == digests[0])
                          .order_by(CaseDocument.id)).all()
        assert [(d.case_id, d.name, d.role) for d in links] == [(ids[0], "0.pdf", "incoming"),
                                                                 (ids[1], "1.pdf", "incoming")]

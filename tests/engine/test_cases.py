"""Cases and user tasks: offering by lane, claiming, completing with validated data, versions."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from engine import Conflict, InvalidData, NotFound, PermissionDenied

from .conftest import MODELS, deploy


def only_task(engine, actor):
    items = engine.inbox(actor).items
    assert len(items) == 1, items
    return items[0]


def test_case_runs_through_three_lanes(container, people, three):
    eng = container.engine
    case = eng.start("T3", {"subject": "Xin giấy xác nhận"}, people["sv1"])
    assert case.status == "waiting"
    t = only_task(eng, people["sv1"])
    assert (t["bpmn_id"], t["role"]) == ("supplement", "applicant")
    eng.complete(t["id"], {"note": "đủ"}, people["sv1"])
    t = only_task(eng, people["cv1"])
    assert (t["bpmn_id"], t["unit"]) == ("review", "PDT")
    eng.complete(t["id"], {"valid": True, "score": 9}, people["cv1"])
    t = only_task(eng, people["ld"])
    done = eng.complete(t["id"], {"decision": "approve"}, people["ld"])
    assert done.status == "completed"
    assert done.data["subject"] == "Xin giấy xác nhận" and done.data["score"] == 9
    kinds = [e["kind"] for e in eng.audit_events(case.id, people["kt"])]
    assert kinds == ["case_started", "task_completed", "task_completed", "task_completed", "case_completed"]
    assert eng.verify_audit(case.id).ok


def test_tasks_are_offered_only_to_the_lane_role_and_unit(container, people, three):
    eng = container.engine
    case = eng.start("T3", {"subject": "x"}, people["sv1"])
    assert eng.inbox(people["sv2"]).total == 0  # another applicant's case
    assert eng.inbox(people["cv1"]).total == 0  # applicant's task, not the clerk's
    eng.complete(only_task(eng, people["sv1"])["id"], {}, people["sv1"])
    review = only_task(eng, people["cv1"])
    assert eng.inbox(people["cv_other"]).total == 0  # clerk of another unit
    with pytest.raises(PermissionDenied):
        eng.complete(review["id"], {"valid": True}, people["cv_other"])
    with pytest.raises(PermissionDenied):
        eng.complete(review["id"], {"valid": True}, people["ld"])
    assert eng.case(case.id, people["cv1"]).status == "waiting"


def test_applicant_sees_only_own_cases(container, people, three):
    eng = container.engine
    mine = eng.start("T3", {"subject": "a"}, people["sv1"])
    eng.start("T3", {"subject": "b"}, people["sv2"])
    assert [c["id"] for c in eng.cases(people["sv1"]).items] == [mine.id]
    with pytest.raises(NotFound):
        eng.case(mine.id, people["sv2"])
    assert eng.cases(people["kt"]).total == 2


def test_bad_form_data_gives_field_errors_and_stores_nothing(container, people, three):
    eng = container.engine
    with pytest.raises(InvalidData) as bad_start:
        eng.start("T3", {"subject": ""}, people["sv1"])
    assert "subject" in bad_start.value.details
    case = eng.start("T3", {"subject": "x"}, people["sv1"])
    eng.complete(only_task(eng, people["sv1"])["id"], {}, people["sv1"])
    review = only_task(eng, people["cv1"])
    before = eng.audit_events(case.id, people["kt"])
    with pytest.raises(InvalidData) as bad:
        eng.complete(review["id"], {"valid": "có", "score": 11}, people["cv1"])
    assert set(bad.value.details) == {"valid", "score"}
    assert eng.audit_events(case.id, people["kt"]) == before
    assert only_task(eng, people["cv1"])["status"] == "ready"


def test_claim_unclaim_and_double_completion(container, people, three):
    eng = container.engine
    eng.start("T3", {"subject": "x"}, people["sv1"])
    eng.complete(only_task(eng, people["sv1"])["id"], {}, people["sv1"])
    review = only_task(eng, people["cv1"])
    eng.claim(review["id"], people["cv1"])
    assert eng.inbox(people["cv2"]).total == 0  # claimed by a colleague
    with pytest.raises(Conflict):
        eng.claim(review["id"], people["cv2"])
    eng.unclaim(review["id"], people["cv1"])
    assert eng.inbox(people["cv2"]).total == 1
    eng.complete(review["id"], {"valid": False}, people["cv2"])
    with pytest.raises(Conflict):
        eng.complete(review["id"], {"valid": True}, people["cv1"])


def test_same_content_deploys_once_and_running_cases_keep_their_version(container, people, three, tmp_path):
    eng = container.engine
    again = deploy(container, MODELS / "three_tasks")
    assert not again.created and again.version.id == three.version.id
    old_case = eng.start("T3", {"subject": "cũ"}, people["sv1"])
    changed = tmp_path / "three_tasks"
    shutil.copytree(MODELS / "three_tasks", changed)
    bpmn = changed / "three_tasks.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace("Bổ sung hồ sơ", "Bổ sung hồ sơ (v2)"), encoding="utf-8")
    v2 = deploy(container, changed)
    assert v2.created and v2.version.number == 2
    new_case = eng.start("T3", {"subject": "mới"}, people["sv1"])
    assert eng.case(old_case.id, people["kt"]).version_id == three.version.id
    assert eng.case(new_case.id, people["kt"]).version_id == v2.version.id
    names = {t["case_id"]: t["name"] for t in eng.inbox(people["sv1"]).items}
    assert names == {old_case.id: "Bổ sung hồ sơ", new_case.id: "Bổ sung hồ sơ (v2)"}


def test_spec_is_stored_once_per_version_not_per_case(container, people, three):
    from engine.models import Case, ProcessVersion

    eng = container.engine
    for i in range(3):
        eng.start("T3", {"subject": str(i)}, people["sv1"])
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 1
        for case in s.scalars(select(Case)):
            assert "spec" not in case.state and "subprocess_specs" not in case.state


def test_unknown_procedure_and_task(container, people):
    with pytest.raises(NotFound):
        container.engine.start("QT00", {}, people["sv1"])
    with pytest.raises(NotFound):
        container.engine.complete("00000000-0000-0000-0000-000000000000", {}, people["cv1"])

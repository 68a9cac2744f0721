"""Cases and tasks over HTTP: who sees what, form validation, conflicts and pagination."""

from __future__ import annotations

from api_helpers import bearer

from app.api import API_PREFIX
from engine import SYSTEM

START = {"procedure": "DEMO", "data": {"reason": "xin bảng điểm", "copies": 2}}


def _start(client, token: str, reason: str = "xin bảng điểm") -> dict:
    response = client.post(f"{API_PREFIX}/cases", json={"procedure": "DEMO", "data": {"reason": reason}},
                           headers=bearer(token))
    assert response.status_code == 201, response.json
    return response.json


def _review_task(case: dict) -> dict:
    return next(t for t in case["tasks"] if t["bpmn_id"] == "review")


def test_procedure_details_start_form_and_diagram(client, make_user, deployed):
    token = make_user("sv1", ("applicant", None))
    listing = client.get(f"{API_PREFIX}/procedures", headers=bearer(token)).json
    assert [p["code"] for p in listing["items"]] == ["DEMO"] and listing["total"] == 1
    detail = client.get(f"{API_PREFIX}/procedures/DEMO", headers=bearer(token)).json
    assert detail["name_vi"] == "Đề nghị thử nghiệm"
    assert detail["description"].startswith("Quy trình thử nghiệm")
    assert detail["start_form"]["required"] == ["reason"]
    # the loader's warnings reach the owner, located (the acknowledge task has no form on purpose)
    warning = next(w for w in detail["warnings"] if w["element_id"] == "acknowledge")
    assert warning["code"] == "user_task_without_form" and warning["file"] == "DEMO.bpmn" and warning["line"]
    diagram = client.get(f"{API_PREFIX}/procedures/DEMO/diagram", headers=bearer(token))
    assert diagram.status_code == 200 and diagram.mimetype == "application/xml"
    assert b'<bpmn:process id="demo_request"' in diagram.data
    missing = client.get(f"{API_PREFIX}/procedures/QT999", headers=bearer(token))
    assert missing.status_code == 404 and missing.json["code"] == "not_found"
    assert missing.json["message"] == "Không có quy trình 'QT999'"


def test_applicant_sees_only_own_cases(client, make_user, deployed):
    lan = make_user("sv.lan", ("applicant", None))
    minh = make_user("sv.minh", ("applicant", None))
    clerk = make_user("cv1", ("clerk", "PDT"))
    case_lan = _start(client, lan)
    case_minh = _start(client, minh)

    listed = client.get(f"{API_PREFIX}/cases", headers=bearer(lan)).json
    assert [c["id"] for c in listed["items"]] == [case_lan["id"]] and listed["total"] == 1
    for path in ("", "/audit", "/audit/verify"):
        other = client.get(f"{API_PREFIX}/cases/{case_minh['id']}{path}", headers=bearer(lan))
        assert other.status_code == 404, path  # not 403: do not even confirm the case exists
    own = client.get(f"{API_PREFIX}/cases/{case_lan['id']}", headers=bearer(lan))
    assert own.status_code == 200 and own.json["data"]["reason"] == "xin bảng điểm"
    # the clerk task of someone else's case is not offered either
    task_id = _review_task(case_minh)["id"]
    assert client.get(f"{API_PREFIX}/tasks/{task_id}", headers=bearer(lan)).status_code == 403
    assert client.get(f"{API_PREFIX}/tasks", headers=bearer(lan)).json["total"] == 0
    # staff of the unit see both
    staff = client.get(f"{API_PREFIX}/cases", headers=bearer(clerk)).json
    assert {c["id"] for c in staff["items"]} == {case_lan["id"], case_minh["id"]}


def test_staff_of_another_unit_neither_see_nor_work_the_case(client, make_user, deployed):
    applicant = make_user("sv1", ("applicant", None))
    finance = make_user("cv.taichinh", ("clerk", "PKHTC"))
    case = _start(client, applicant)
    assert client.get(f"{API_PREFIX}/cases/{case['id']}", headers=bearer(finance)).status_code == 404
    assert client.get(f"{API_PREFIX}/cases", headers=bearer(finance)).json["total"] == 0
    assert client.get(f"{API_PREFIX}/tasks", headers=bearer(finance)).json["total"] == 0
    task_id = _review_task(case)["id"]
    refused = client.post(f"{API_PREFIX}/tasks/{task_id}/complete", headers=bearer(finance),
                          json={"data": {"decision": "approve"}})
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
    assert client.post(f"{API_PREFIX}/tasks/{task_id}/claim", headers=bearer(finance)).status_code == 403


def test_bad_start_data_gives_field_errors_and_stores_nothing(client, make_user, deployed, container):
    token = make_user("sv1", ("applicant", None))
    response = client.post(f"{API_PREFIX}/cases", headers=bearer(token),
                           json={"procedure": "DEMO", "data": {"reason": "x", "copies": 0, "hack": 1}})
    assert response.status_code == 422
    assert response.json["code"] == "invalid_data"
    assert set(response.json["details"]) == {"reason", "copies", ""}  # "" = the object (extra property)
    assert container.engine.cases(SYSTEM).total == 0
    missing = client.post(f"{API_PREFIX}/cases", headers=bearer(token), json={"procedure": "DEMO", "data": {}})
    assert missing.status_code == 422 and "reason" in missing.json["details"]
    assert container.engine.cases(SYSTEM).total == 0


def test_unknown_fields_and_wrong_types_in_bodies_are_refused(client, make_user, deployed, container):
    token = make_user("sv1", ("applicant", None))
    response = client.post(f"{API_PREFIX}/cases", headers=bearer(token),
                           json={**START, "status": "completed", "started_by": "admin"})
    assert response.status_code == 422
    unknown = ["Trường không được phép / Unknown field."]
    assert response.json["details"] == {"status": unknown, "started_by": unknown}
    wrong = client.post(f"{API_PREFIX}/cases", headers=bearer(token), json={"procedure": 13, "data": "text"})
    assert wrong.status_code == 422 and set(wrong.json["details"]) == {"procedure", "data"}
    assert container.engine.cases(SYSTEM).total == 0


def test_bad_task_data_is_refused_and_task_stays_open(client, make_user, deployed):
    applicant = make_user("sv1", ("applicant", None))
    clerk = make_user("cv1", ("clerk", "PDT"))
    case = _start(client, applicant)
    task_id = _review_task(case)["id"]
    detail = client.get(f"{API_PREFIX}/tasks/{task_id}", headers=bearer(clerk)).json
    assert detail["form"]["properties"]["decision"]["enum"] == ["approve", "reject"]
    bad = client.post(f"{API_PREFIX}/tasks/{task_id}/complete", headers=bearer(clerk),
                      json={"data": {"decision": "maybe"}})
    assert bad.status_code == 422 and set(bad.json["details"]) == {"decision"}
    after = client.get(f"{API_PREFIX}/cases/{case['id']}", headers=bearer(clerk)).json
    assert _review_task(after)["status"] == "ready" and after["version"] == case["version"]
    assert "decision" not in after["data"]


def test_second_clerk_completing_the_same_task_gets_409(client, make_user, deployed):
    applicant = make_user("sv1", ("applicant", None))
    first = make_user("cv1", ("clerk", "PDT"))
    second = make_user("cv2", ("clerk", "PDT"))
    task_id = _review_task(_start(client, applicant))["id"]
    done = client.post(f"{API_PREFIX}/tasks/{task_id}/complete", headers=bearer(first),
                       json={"data": {"decision": "approve"}})
    assert done.status_code == 200
    assert [t["bpmn_id"] for t in done.json["tasks"] if t["status"] == "ready"] == ["acknowledge"]
    late = client.post(f"{API_PREFIX}/tasks/{task_id}/complete", headers=bearer(second),
                       json={"data": {"decision": "reject"}})
    assert late.status_code == 409 and late.json["code"] == "conflict"
    assert late.json["message"] and late.json["message_en"]


def test_claims_and_stale_versions_conflict(client, make_user, deployed):
    applicant = make_user("sv1", ("applicant", None))
    first = make_user("cv1", ("clerk", "PDT"))
    second = make_user("cv2", ("clerk", "PDT"))
    task = _review_task(_start(client, applicant))
    claimed = client.post(f"{API_PREFIX}/tasks/{task['id']}/claim", headers=bearer(first))
    assert claimed.status_code == 200 and claimed.json["assignee"] == "cv1"
    assert client.post(f"{API_PREFIX}/tasks/{task['id']}/claim", headers=bearer(second)).status_code == 409
    # the claimed task left cv2's inbox
    assert client.get(f"{API_PREFIX}/tasks", headers=bearer(second)).json["total"] == 0
    stale = client.post(f"{API_PREFIX}/tasks/{task['id']}/complete", headers=bearer(first),
                        json={"data": {"decision": "approve"}, "version": task["version"] + 5})
    assert stale.status_code == 409
    released = client.post(f"{API_PREFIX}/tasks/{task['id']}/unclaim", headers=bearer(first))
    assert released.status_code == 200 and released.json["assignee"] is None
    assert client.get(f"{API_PREFIX}/tasks", headers=bearer(second)).json["total"] == 1


def test_whole_case_over_http_with_audit_trail(client, make_user, deployed):
    applicant = make_user("sv1", ("applicant", None))
    clerk = make_user("cv1", ("clerk", "PDT"))
    case = _start(client, applicant)
    review = _review_task(case)["id"]
    client.post(f"{API_PREFIX}/tasks/{review}/complete", headers=bearer(clerk), json={"data": {"decision": "approve"}})
    inbox = client.get(f"{API_PREFIX}/tasks", headers=bearer(applicant)).json
    assert [t["bpmn_id"] for t in inbox["items"]] == ["acknowledge"]
    assert inbox["items"][0]["case_code"] == "DEMO"
    finished = client.post(f"{API_PREFIX}/tasks/{inbox['items'][0]['id']}/complete", headers=bearer(applicant),
                           json={"data": {}})
    assert finished.status_code == 200 and finished.json["status"] == "completed"
    audit = client.get(f"{API_PREFIX}/cases/{case['id']}/audit", headers=bearer(applicant)).json
    kinds = [e["kind"] for e in audit["items"]]
    assert kinds[0] == "case_started" and kinds.count("task_completed") == 2
    assert [e["seq"] for e in audit["items"]] == list(range(1, audit["total"] + 1))
    verdict = client.get(f"{API_PREFIX}/cases/{case['id']}/audit/verify", headers=bearer(applicant)).json
    assert verdict["ok"] is True and verdict["events"] == audit["total"]
    done = client.get(f"{API_PREFIX}/cases?status=completed", headers=bearer(applicant)).json
    assert [c["id"] for c in done["items"]] == [case["id"]]
    assert client.get(f"{API_PREFIX}/cases?status=running", headers=bearer(applicant)).json["total"] == 0


def test_lists_are_paginated_and_page_parameters_checked(client, make_user, deployed):
    token = make_user("sv1", ("applicant", None))
    ids = [_start(client, token, reason=f"đề nghị số {n}")["id"] for n in range(5)]
    pages = [client.get(f"{API_PREFIX}/cases?page={n}&per_page=2", headers=bearer(token)).json for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [p["page"] for p in pages] == [1, 2, 3] and all(p["per_page"] == 2 for p in pages)
    assert [c["id"] for p in pages for c in p["items"]] == sorted(ids, reverse=True)
    assert client.get(f"{API_PREFIX}/cases?page=4&per_page=2", headers=bearer(token)).json["items"] == []
    assert client.get(f"{API_PREFIX}/cases?procedure=QT13", headers=bearer(token)).json["total"] == 0
    for query in ("per_page=0", "per_page=1000", "page=0", "page=abc", "colour=red"):
        bad = client.get(f"{API_PREFIX}/cases?{query}", headers=bearer(token))
        assert bad.status_code == 422, query
        assert bad.json["code"] == "validation_error"
        assert all(" / " in m for messages in bad.json["details"].values() for m in messages)  # vi / en
    audit = client.get(f"{API_PREFIX}/cases/{ids[0]}/audit?per_page=1", headers=bearer(token)).json
    assert len(audit["items"]) == 1 and audit["total"] >= 1
    procs = client.get(f"{API_PREFIX}/procedures?per_page=1&page=2", headers=bearer(token)).json
    assert procs == {"items": [], "total": 1, "page": 2, "per_page": 1}

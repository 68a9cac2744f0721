"""Messages from other systems, incidents of failing service tasks, and health."""

from __future__ import annotations

from api_demo_model import bpmn_with_service_task, build_model, package_files
from api_helpers import bearer

from app.api import API_PREFIX
from engine import SYSTEM, OperatorError


def test_health_is_public_and_checks_the_database(client):
    response = client.get(f"{API_PREFIX}/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_messages_need_clerk_agency_or_admin(client, make_user):
    applicant = make_user("sv1", ("applicant", None))
    agency = make_user("coquan", ("agency", None))
    message = {"name": "payment_confirmed", "correlation_key": "42", "payload": {"amount": 5000},
               "ttl_seconds": 600}
    refused = client.post(f"{API_PREFIX}/messages", json=message, headers=bearer(applicant))
    assert refused.status_code == 403 and refused.json["details"] == {"required_any_of": ["clerk", "agency"]}
    kept = client.post(f"{API_PREFIX}/messages", json=message, headers=bearer(agency))
    assert kept.status_code == 200
    assert kept.json["status"] == "pending" and kept.json["case_id"] is None  # nobody waits yet: buffered
    bad = client.post(f"{API_PREFIX}/messages", headers=bearer(agency),
                      json={"name": "", "correlation_key": "42", "ttl_seconds": -1, "payload": []})
    assert bad.status_code == 422 and set(bad.json["details"]) == {"name", "ttl_seconds", "payload"}


def test_incident_listed_and_retried_over_http(client, make_user, container, deployed):
    calls: list[str] = []

    def record_result(params, ctx):  # type: ignore[no-untyped-def]
        calls.append(params["decision"])
        if len(calls) == 1:
            raise OperatorError("Hệ thống lưu trữ không phản hồi", "Archive did not answer", retryable=False)
        return {"recorded": params["decision"]}

    container.registry.register("record_result", record_result)
    version2 = container.engine.deploy(build_model(package_files(bpmn_with_service_task()),
                                                   known_operators=container.registry.names()), SYSTEM)
    assert version2.created and version2.version.number == 2
    applicant = make_user("sv1", ("applicant", None))
    clerk = make_user("cv1", ("clerk", "PDT"))
    case = client.post(f"{API_PREFIX}/cases", json={"procedure": "DEMO", "data": {"reason": "xin giấy"}},
                       headers=bearer(applicant)).json
    review = next(t["id"] for t in case["tasks"] if t["bpmn_id"] == "review")
    after = client.post(f"{API_PREFIX}/tasks/{review}/complete", json={"data": {"decision": "approve"}},
                        headers=bearer(clerk)).json
    assert [i["bpmn_id"] for i in after["incidents"]] == ["record_step"]

    assert client.get(f"{API_PREFIX}/incidents", headers=bearer(applicant)).status_code == 403
    listed = client.get(f"{API_PREFIX}/incidents", headers=bearer(clerk)).json
    assert listed["total"] == 1
    incident = listed["items"][0]
    assert incident["operator"] == "record_result" and "Archive did not answer" in incident["error"]

    retried = client.post(f"{API_PREFIX}/incidents/{incident['id']}/retry", headers=bearer(clerk))
    assert retried.status_code == 200 and retried.json["status"] == "resolved"
    assert calls == ["approve", "approve"]
    assert client.get(f"{API_PREFIX}/incidents", headers=bearer(clerk)).json["total"] == 0
    resolved = client.get(f"{API_PREFIX}/incidents?status=resolved", headers=bearer(clerk)).json
    assert [i["id"] for i in resolved["items"]] == [incident["id"]]
    again = client.post(f"{API_PREFIX}/incidents/{incident['id']}/retry", headers=bearer(clerk))
    assert again.status_code == 409
    assert client.post(f"{API_PREFIX}/incidents/999/retry", headers=bearer(clerk)).status_code == 404

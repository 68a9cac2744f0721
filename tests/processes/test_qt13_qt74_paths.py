"""The two hand-tuned reference procedures, path by path."""

from __future__ import annotations

from model_runner import PROCESSES_DIR, load_settings, run_case

QT13 = PROCESSES_DIR / "QT13"


def _params(run, operator):
    return [params for name, params in run.engine.calls if name == operator]


def test_qt13_transcript_is_paid_checked_signed_sealed_and_notified():
    run = run_case(QT13, {"start": {"copies": 3, "transcript_language": "both"}})
    assert run.completed_user_tasks == ["pdt_check_request", "pdt_leader_sign", "pdt_leader_seal"]
    assert run.operators == ["payment_request", "issue_document", "sign_document", "sign_document", "notify"]
    assert _params(run, "payment_request")[0]["amount_vnd"] == 5000 * 3 * 2
    assert [p["role"] for p in _params(run, "sign_document")] == ["leader", "seal"]
    seal = _params(run, "sign_document")[1]
    assert seal["applied_by_task"] == "pdt_leader_seal", "the seal names the văn thư task whose clerk applies it"
    assert seal["register_number"] == run.data["pdt_leader_seal_register_number"]
    assert {p["level"] for p in _params(run, "sign_document")} == {"B-LTA"}
    assert _params(run, "issue_document")[0]["template"] == "transcript"
    assert run.messages_sent == ["payment_confirmed"]
    assert run.data["payment_confirmation"]["payment_reference"] == "PAY-0001"
    assert run.workflow.correlations == {"MainCorrelationKey": {"case_id": "case-QT13"}}
    assert "signer_title" not in _params(run, "issue_document")[0], "the transcript picks its own language"


def test_qt13_refusal_by_the_clerk_notifies_the_student_with_the_reason():
    run = run_case(QT13, {"pdt_check_request": {"request_valid": False,
                                                "rejection_reason": "Không tìm thấy mã số sinh viên"}})
    assert run.completed_user_tasks == ["pdt_check_request"]
    assert run.operators == ["payment_request", "notify"]
    notice = _params(run, "notify")[0]
    assert notice["to"] == "applicant" and notice["message"].endswith("Không tìm thấy mã số sinh viên")


def test_qt13_leader_can_send_the_transcript_back_to_the_clerk():
    run = run_case(QT13, {"pdt_leader_sign": [
        {"pdt_leader_decision": "reject", "pdt_leader_comment": "Sai tên học phần"},
        {"pdt_leader_decision": "approve"}]})
    assert run.completed_user_tasks == ["pdt_check_request", "pdt_leader_sign", "pdt_check_request",
                                        "pdt_leader_sign", "pdt_leader_seal"]
    assert run.operators.count("issue_document") == 2 and run.operators.count("sign_document") == 2


def test_qt13_postal_delivery_adds_a_posting_task():
    run = run_case(QT13, {"start": {"delivery_method": "post", "postal_address": "3/2, Ninh Kiều, Cần Thơ"}})
    assert run.completed_user_tasks[-1] == "pdt_send_by_post"
    assert run.data["postal_tracking_number"]


QT74 = PROCESSES_DIR / "QT74"


def test_qt74_registered_document_reports_each_status_back_to_the_sender():
    run = run_case(QT74, {"leader_assign": {"assigned_unit": "PDT"}})
    assert run.completed_user_tasks == ["vt_register", "leader_assign", "unit_accept", "unit_process"]
    statuses = _params(run, "axis_send_status")
    assert [s["status_code"] for s in statuses] == ["03", "04", "05", "06"]
    assert statuses[0]["reason"] == "Đã tiếp nhận, số đến 1024"
    assert statuses[1]["reason"] == "Đã giao PDT chủ trì giải quyết"
    assert _params(run, "notify")[0]["to"] == "unit:PDT"


def test_qt74_document_failing_the_check_is_returned_with_status_02_and_the_reason():
    run = run_case(QT74, {"vt_register": {"authentic_and_complete": False,
                                          "return_reason": "Chữ ký số của cơ quan gửi không hợp lệ"}})
    assert run.completed_user_tasks == ["vt_register"]
    assert _params(run, "axis_send_status") == [
        {"status_code": "02", "reason": "Chữ ký số của cơ quan gửi không hợp lệ"}]


def test_qt74_unit_lane_takes_its_unit_from_the_assignment():
    lanes = load_settings(QT74)["lanes"]
    assert lanes["Đơn vị chủ trì giải quyết"] == {"role": "clerk", "unit": None, "unit_from": "assigned_unit"}
    assert load_settings(QT74)["started_by"] == "axis"


def test_both_reference_models_survive_a_save_and_restore_at_every_wait_state():
    for folder, expected in ((QT13, ["payment_request", "issue_document", "sign_document", "sign_document", "notify"]),
                             (QT74, ["axis_send_status", "axis_send_status", "notify", "axis_send_status",
                                     "axis_send_status"])):
        run = run_case(folder, restore_at_each_wait=True)
        assert run.workflow.completed and run.operators == expected

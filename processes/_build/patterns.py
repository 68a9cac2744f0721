"""Reusable fragments of procedure models: payment, review with rejection, leader signing, result."""

from __future__ import annotations

from . import forms
from .model import ProcessBuilder

LEVEL_LONG_TERM = "B-LTA"
LEVEL_BASIC = "B-T"
#: Templates the application's ``issue_document`` renders (app/documents): a model may use no other.
TEMPLATES = ("transcript", "decision", "certificate", "notice", "official_letter", "minutes", "receipt")


def authority_lines(leader_title: str) -> str:
    """Decree 30 authority lines above a signature, from the signer's title.

    "Hiệu trưởng" → "HIỆU TRƯỞNG"; "Phó Hiệu trưởng" → "KT. HIỆU TRƯỞNG / PHÓ HIỆU TRƯỞNG"; the head of an
    office signs on behalf of the Rector: "TL. HIỆU TRƯỞNG / TRƯỞNG PHÒNG ĐÀO TẠO".
    """
    if leader_title.startswith("Phó Hiệu trưởng"):
        return "KT. HIỆU TRƯỞNG\nPHÓ HIỆU TRƯỞNG"
    if leader_title.startswith(("Hiệu trưởng", "Ban Giám hiệu", "Lãnh đạo Trường")):
        return "HIỆU TRƯỞNG"
    unit = leader_title.removeprefix("Lãnh đạo ").split(" (")[0]
    if unit.startswith("Phòng "):
        head = f"TRƯỞNG {unit}"
    elif unit.startswith("Trung tâm "):
        head = f"GIÁM ĐỐC {unit}"
    elif unit.startswith("Khoa"):
        head = "TRƯỞNG KHOA"
    else:
        head = "THỦ TRƯỞNG ĐƠN VỊ"
    return f"TL. HIỆU TRƯỞNG\n{head.upper()}"


def payment(b: ProcessBuilder, prefix: str, lane: str, amount_expr: str, purpose: str) -> tuple[str, str]:
    """Online fee: ``payment_request`` then wait for ``payment_confirmed`` (correlated on case_id)."""
    request = b.service(f"{prefix}_payment_request", "Yêu cầu thanh toán lệ phí trực tuyến", lane,
                        "payment_request", {"amount_vnd": amount_expr, "purpose": repr(purpose)},
                        result="payment_request_result")
    confirmed = b.message_catch(f"{prefix}_payment_confirmed", "Đã nhận thanh toán (payment_confirmed)", lane,
                                "payment_confirmed", variable="payment_confirmation")
    b.flow(request, confirmed)
    return request, confirmed


def notify(b: ProcessBuilder, node_id: str, name: str, lane: str, to: str, message_expr: str) -> str:
    return b.service(node_id, name, lane, "notify", {"to": repr(to), "message": message_expr},
                     result=f"{node_id}_result")


def reject_to_applicant(b: ProcessBuilder, prefix: str, lane: str, reason_field: str, what: str) -> str:
    """Notify the applicant of a refusal with the reason typed by the officer, then end."""
    note = notify(b, f"{prefix}_notify_rejected", "Thông báo từ chối cho người nộp", lane, "applicant",
                  f"'Yêu cầu {what} không được chấp nhận. Lý do: ' + {reason_field}")
    end = b.end(f"{prefix}_end_rejected", "Hồ sơ bị từ chối", lane)
    b.flow(note, end)
    return note


def decision_gateway(b: ProcessBuilder, gateway_id: str, name: str, lane: str, field: str,
                     on_approve: str, on_reject: str, approve_label: str = "Đồng ý",
                     reject_label: str = "Từ chối") -> str:
    """Gateway on a ``<prefix>_decision`` field; anything but 'approve' is handled as a refusal."""
    gw = b.gateway(gateway_id, name, lane)
    b.flow(gw, on_approve, condition=f"{field} == 'approve'", name=approve_label)
    b.flow(gw, on_reject, name=reject_label, default=True)
    return gw


def boolean_gateway(b: ProcessBuilder, gateway_id: str, name: str, lane: str, field: str,
                    on_true: str, on_false: str, true_label: str = "Có", false_label: str = "Không") -> str:
    gw = b.gateway(gateway_id, name, lane)
    b.flow(gw, on_true, condition=f"{field} == True", name=true_label)
    b.flow(gw, on_false, name=false_label, default=True)
    return gw


def issue(b: ProcessBuilder, node_id: str, lane: str, template: str, title: str,
          signer_title: str | None = None) -> str:
    """Render the result document; ``signer_title`` gives the authority lines printed above the signature."""
    if template not in TEMPLATES:
        raise ValueError(f"{b.code}: template {template!r} is not one of {TEMPLATES}")
    params = {"template": repr(template), "title": repr(title)}
    if signer_title:
        params["signer_title"] = repr(signer_title)
    return b.service(node_id, f"Tạo văn bản kết quả: {title}", lane, "issue_document", params,
                     result="issued_document")


def sign_steps(b: ProcessBuilder, prefix: str, leader_lane: str, seal_lane: str | None, document: str,
               level: str, on_reject: str, leader_title: str = "Lãnh đạo") -> tuple[str, str]:
    """Leader reviews and signs (user task + ``sign_document`` leader), then the seal by văn thư.

    Returns (first node, last node); a refusal goes to ``on_reject`` with ``<prefix>_comment`` set.
    """
    review = b.user(f"{prefix}_sign", f"{leader_title} xem xét và ký số", leader_lane,
                    forms.sign_form(f"Ký duyệt {document}", prefix, document),
                    documentation=f"Xem văn bản đã tạo ({document}) và quyết định ký số hoặc trả lại.",
                    properties={"step_kind": "sign"})
    signed = b.service(f"{prefix}_sign_leader", f"Ký số ({leader_title})", leader_lane,
                       "sign_document", {"role": "'leader'", "level": repr(level)}, result=f"{prefix}_signature")
    decision_gateway(b, f"{prefix}_sign_gateway", "Ký duyệt?", leader_lane, f"{prefix}_decision", signed,
                     on_reject, approve_label="Ký duyệt", reject_label="Trả lại")
    b.flow(review, f"{prefix}_sign_gateway")
    last = signed
    if seal_lane is not None:
        clerk_task, seal = seal_steps(b, prefix, seal_lane, document, level)
        b.flow(signed, clerk_task)
        last = seal
    return review, last


def seal_steps(b: ProcessBuilder, prefix: str, seal_lane: str, document: str, level: str) -> tuple[str, str]:
    """Văn thư checks the form of the document and applies the organisation's seal (Decree 30/2020).

    Why a user task and not an automatic step: the seal is applied by a person (the registry clerk),
    who checks the document's form and records its register number; the audit trail must name them.
    The signature itself uses the organisation's key (``sign_document`` role 'seal'), which records
    the clerk who completed ``<prefix>_seal`` as the one who applied it. Returns (user task, service).
    """
    clerk_task = b.user(f"{prefix}_seal", "Văn thư kiểm tra thể thức và đóng dấu số", seal_lane,
                        forms.seal_form(prefix, document),
                        documentation=f"Kiểm tra thể thức, kỹ thuật trình bày của {document} đã được lãnh đạo ký "
                                      "(Nghị định 30/2020/NĐ-CP), ghi số đăng ký rồi đóng dấu số của cơ quan.",
                        properties={"step_kind": "seal"})
    seal = b.service(f"{prefix}_sign_seal", "Ký số của cơ quan (con dấu, văn thư)", seal_lane, "sign_document",
                     {"role": "'seal'", "level": repr(level), "applied_by_task": repr(clerk_task),
                      "register_number": f"{prefix}_seal_register_number"},
                     result=f"{prefix}_seal_signature")
    b.flow(clerk_task, seal)
    return clerk_task, seal

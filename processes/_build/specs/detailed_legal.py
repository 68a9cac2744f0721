"""QT65 – first-instance administrative complaints (Complaints Law 2011, Decree 124/2020)."""

from __future__ import annotations

from .. import forms, patterns
from ..model import ProcessBuilder
from .common import (
    check_task,
    clerk_lane,
    detail_procedure,
    form_task,
    rectorate_lane,
    registry_lane,
    result,
    signed_result,
)

B_LTA, B_T = patterns.LEVEL_LONG_TERM, patterns.LEVEL_BASIC


def start_form() -> dict:
    fields = {
        "complainant_name": forms.text("Họ tên người khiếu nại", "Nguyễn Văn An", max_length=120),
        "identity_number": forms.text("Số CCCD", "079123456789", max_length=30),
        "address": forms.text("Địa chỉ", "Ninh Kiều, Cần Thơ", max_length=300),
        "email": forms.email("Email liên hệ", "nvan@example.vn"),
        "contested_act": forms.text("Quyết định/hành vi hành chính bị khiếu nại", "Quyết định số 123/QĐ-ĐHCT",
                                    max_length=500),
        "complaint_content": forms.text("Nội dung, lý do khiếu nại, yêu cầu", "Đề nghị xem xét lại ...", multiline=True),
        "representatives": forms.optional_text("Người đại diện (khiếu nại nhiều người)", ""),
        "evidence": forms.attachments("Tài liệu, chứng cứ kèm theo"),
    }
    return forms.form("Đơn khiếu nại (Administrative complaint)", "Theo Luật Khiếu nại 2011 và Nghị định 124/2020/NĐ-CP.",
                      fields, [k for k in fields if k not in ("representatives", "evidence")])


def build():
    b = ProcessBuilder("QT65", "qt65_khieu_nai", "Quy Trình giải quyết khiếu nại hành chính")
    complainant = b.lane("complainant", "Người khiếu nại", "applicant", None)
    inspection = clerk_lane(b, "PTTPC")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    start = b.start("start_complaint", "Nộp đơn khiếu nại", complainant, start_form())
    admit = check_task(b, "pttpc_admissibility", "Xem xét thụ lý (trong 10 ngày làm việc)", inspection,
                       "Thuộc thẩm quyền và không thuộc trường hợp không thụ lý (Điều 11 Luật Khiếu nại)?",
                       "admissible", "Đủ điều kiện thụ lý", deadline="P10D")
    accept_first, accept_last = signed_result(b, "acceptance_notice", inspection, rector, registry, "notice",
                                              "Thông báo thụ lý giải quyết khiếu nại", B_T, admit, "Hiệu trưởng")
    refuse_first, refuse_last = signed_result(b, "refusal_notice", inspection, rector, registry, "notice",
                                              "Thông báo không thụ lý giải quyết khiếu nại", B_T, admit, "Hiệu trưởng")
    told_refused = patterns.notify(b, "notify_not_accepted", "Gửi thông báo không thụ lý", registry, "applicant",
                                   "'Khiếu nại không được thụ lý: ' + pttpc_admissibility_reason")
    end_refused = b.end("end_not_accepted", "Không thụ lý", complainant)
    told_accepted = patterns.notify(b, "notify_accepted", "Gửi thông báo thụ lý (người khiếu nại, bên liên quan, "
                                    "thanh tra cùng cấp)", registry, "applicant", "'Khiếu nại của bạn đã được thụ lý.'")
    verify = form_task(b, "pttpc_verify", "Kiểm tra lại quyết định/hành vi, xác minh", inspection,
                       "Tổ xác minh kiểm tra, xác minh nội dung khiếu nại; lập báo cáo.",
                       {"verification_report": forms.text("Báo cáo kết quả xác minh", "Đã xác minh ...", multiline=True),
                        "verification_matches_complaint": forms.yes_no("Kết quả xác minh khớp với nội dung khiếu nại")})
    dialogue = form_task(b, "pttpc_dialogue", "Tổ chức đối thoại", inspection,
                         "Đối thoại khi kết quả xác minh khác nội dung khiếu nại; lập biên bản.",
                         {"dialogue_minutes": forms.attachments("Biên bản đối thoại")})
    decision_first, decision_last = signed_result(b, "complaint_decision", inspection, rector, registry, "decision",
                                                  "Quyết định giải quyết khiếu nại lần đầu", B_LTA, verify,
                                                  "Hiệu trưởng")
    told_decision = patterns.notify(b, "notify_decision", "Gửi quyết định giải quyết cho các bên", registry,
                                    "applicant", "'Đã có quyết định giải quyết khiếu nại lần đầu. Nếu không đồng ý, "
                                                 "bạn có thể khiếu nại lần hai hoặc khởi kiện hành chính.'")
    end = b.end("end_decided", "Đã giải quyết lần đầu", complainant)
    b.chain(start, admit)
    patterns.boolean_gateway(b, "gateway_admissible", "Thụ lý?", inspection, "admissible", accept_first, refuse_first,
                             "Thụ lý", "Không thụ lý")
    b.flow(admit, "gateway_admissible")
    b.chain(refuse_last, told_refused, end_refused)
    b.chain(accept_last, told_accepted, verify)
    gw = b.gateway("gateway_dialogue", "Cần đối thoại?", inspection)
    b.flow(verify, gw)
    b.flow(gw, dialogue, condition="verification_matches_complaint == False", name="Khác nhau")
    b.flow(gw, decision_first, default=True, name="Khớp")
    b.flow(dialogue, decision_first)
    b.chain(decision_last, told_decision, end)
    return detail_procedure(
        "QT65", b, "Handling administrative complaints (first instance)",
        "Giải quyết khiếu nại lần đầu đối với quyết định, hành vi hành chính của Trường.",
        "Người khiếu nại; Phòng Thanh tra - Pháp chế (tham mưu, xác minh – suy luận); Hiệu trưởng (người có thẩm "
        "quyền – suy luận).",
        "The complaint is filed online; within 10 working days the inspection office proposes acceptance or refusal "
        "(reminder at 10 days) and the Rector signs the notice; after acceptance the matter is verified, a dialogue "
        "is held when the findings differ from the complaint, and the Rector signs the first-instance decision "
        "(sealed, B-LTA) sent to the parties. No fee.",
        [result("Thông báo thụ lý/không thụ lý", "notice", ["Hiệu trưởng"], level=B_T),
         result("Quyết định giải quyết khiếu nại lần đầu", "decision", ["Hiệu trưởng (suy luận)"])],
        deadline=10,
        notes_vi=["Thời hạn 10 ngày làm việc là thời hạn thụ lý (đọc từ nguồn); thời hạn giải quyết 30 ngày (45 ngày "
                  "với vụ phức tạp) nhớ từ Luật, chưa đọc trong phiên này."])


BUILDERS = {"QT65": build}

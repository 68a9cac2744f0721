"""Procedures with public-source details: incoming delegations, visas, international conferences and projects."""

from __future__ import annotations

from .. import forms, patterns
from ..model import ProcessBuilder
from .common import (
    applicant_fields,
    check_task,
    clerk_lane,
    decision_task,
    detail_procedure,
    form_task,
    rectorate_lane,
    registry_lane,
    rejection,
    result,
    signed_result,
)

B_LTA, B_T = patterns.LEVEL_LONG_TERM, patterns.LEVEL_BASIC


def _guest_fields() -> dict[str, dict]:
    guest = {"type": "object", "properties": {
        "full_name": {"type": "string", "title": "Họ tên (in hoa)", "maxLength": 120},
        "nationality": {"type": "string", "title": "Quốc tịch", "maxLength": 60},
        "passport_number": {"type": "string", "title": "Số hộ chiếu", "maxLength": 20},
        "sex": {"type": "string", "enum": ["M", "F", "X"], "title": "Giới tính"},
        "organisation": {"type": "string", "title": "Tổ chức", "maxLength": 200}},
        "required": ["full_name", "nationality", "passport_number"], "additionalProperties": False}
    fields = applicant_fields("unit")
    fields.update({
        "guests": {"type": "array", "title": "Danh sách khách (Guests)", "minItems": 1, "items": guest,
                   "examples": [[{"full_name": "JOHN SMITH", "nationality": "Úc", "passport_number": "PA1234567",
                                  "sex": "M", "organisation": "University of Adelaide"}]]},
        "visit_start": forms.date("Ngày đến", "2025-03-10"), "visit_end": forms.date("Ngày đi", "2025-03-14"),
        "purpose": forms.text("Mục đích, chương trình làm việc", "Trao đổi hợp tác đào tạo", multiline=True),
        "temporary_address": forms.text("Địa chỉ tạm trú dự kiến", "Nhà khách Trường", max_length=300),
        "attachments": forms.attachments("Lịch làm việc, MOU/MOA (nếu có), thư trao đổi"),
    })
    return fields


def qt39():
    b = ProcessBuilder("QT39", "qt39_doan_vao", "Quy trình xin phép đoàn vào")
    host = b.lane("host_unit", "Đơn vị chủ trì đón khách", "applicant", None)
    rector = rectorate_lane(b)
    htqt = clerk_lane(b, "PHTQT")
    registry = registry_lane(b)
    fields = _guest_fields()
    fields["visa_support_needed"] = forms.yes_no("Cần hỗ trợ thị thực (QT41)", usual=False)
    fields["local_trip_needed"] = forms.yes_no("Có đi địa phương (QT41)", usual=False)
    fields["meets_rectorate"] = forms.yes_no("Có làm việc với Ban Giám hiệu", usual=False)
    start = b.start("start_delegation_request", "Gửi công văn xin phép đoàn vào", host, forms.form(
        "Công văn xin phép đón đoàn vào", "Đơn vị gửi Ban Giám hiệu thông tin khách, lịch, mục đích.", fields,
        [k for k in fields if k != "attachments"]))
    approve = decision_task(b, "rectorate_approve_visit", "Ban Giám hiệu xem xét, cho phép", rector,
                            "Phê duyệt hoặc không cho phép đón đoàn.", "Cho phép", "Không cho phép")
    refused = rejection(b, "visit", htqt, "rectorate_approve_visit_comment", "đón đoàn vào")
    support = check_task(b, "htqt_support", "Hỗ trợ lịch làm việc, lưu thông tin đoàn, báo cơ quan an ninh", htqt,
                         "Lưu dữ liệu đoàn, báo PA25/PA35 và công an địa phương; cử người ghi biên bản nếu gặp BGH.",
                         "security_reported", "Đã báo cơ quan an ninh")
    first, last = signed_result(b, "invitation", htqt, rector, registry, "official_letter", "Thư mời", B_T, support,
                                "Hiệu trưởng")
    visa = patterns.notify(b, "notify_visa_needed", "Nhắc thực hiện thủ tục thị thực / đi địa phương (QT41)", htqt,
                           "applicant", "'Đoàn cần thủ tục thị thực hoặc đi địa phương: thực hiện QT41.'")
    receive = form_task(b, "host_receive_delegation", "Bố trí ăn ở, đi lại, đăng ký tạm trú; đón đoàn", host,
                        "Đơn vị phối hợp bố trí chỗ ở, xe; đăng ký tạm trú với công an; đón tiếp đoàn.",
                        {"residence_registered": forms.yes_no("Đã đăng ký tạm trú")})
    minutes = form_task(b, "host_send_minutes", "Gửi biên bản làm việc cho Phòng HTQT", host,
                        "Sau chuyến thăm, gửi biên bản cho chuyên viên HTQT, đồng gửi Trưởng phòng.",
                        {"minutes_files": forms.attachments("Biên bản tiếp khách")})
    end = b.end("end_visit_closed", "Kết thúc đoàn vào", host)
    b.chain(start, approve)
    patterns.decision_gateway(b, "gateway_visit", "Cho phép?", rector, "rectorate_approve_visit_decision", support,
                              refused, "Cho phép", "Không")
    b.flow(approve, "gateway_visit")
    b.flow(support, first)
    gw = b.gateway("gateway_visa", "Cần thị thực / đi địa phương?", htqt)
    b.flow(last, gw)
    b.flow(gw, visa, condition="visa_support_needed == True or local_trip_needed == True", name="Có")
    b.flow(gw, receive, default=True, name="Không")
    b.flow(visa, receive)
    b.chain(receive, minutes, end)
    return detail_procedure(
        "QT39", b, "Permission for incoming international delegations",
        "Xin phép Ban Giám hiệu đón đoàn khách quốc tế vào làm việc; Phòng HTQT hỗ trợ và báo cơ quan an ninh.",
        "Đơn vị chủ trì đón khách (khoa, viện, trung tâm, phòng); Ban Giám hiệu; Phòng Hợp tác Quốc tế.",
        "The host unit asks the Rectorate with guest data and programme; the Rectorate approves or refuses; the "
        "international office records the delegation and reports to security, the Rector signs the invitation "
        "letter; visa or local-trip needs hand over to QT41; the unit receives the guests and files the minutes.",
        [result("Thư mời", "official_letter", ["Hiệu trưởng"], level=B_T)], deadline=None)


def qt41():
    b = ProcessBuilder("QT41", "qt41_thi_thuc", "Quy trình thực hiện thủ tục xin thị thực, gia hạn thị thực và xin phép đi địa phương")
    host = b.lane("host_unit", "Đơn vị chủ trì đón khách", "applicant", None)
    htqt = clerk_lane(b, "PHTQT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = _guest_fields()
    fields["request_type"] = forms.choice("Loại thủ tục", [("new_visa", "Xin thị thực mới"),
                                                           ("extension", "Gia hạn thị thực / tạm trú"),
                                                           ("local_trip", "Xin phép đi địa phương")])
    fields["visa_pickup_place"] = forms.optional_text("Nơi nhận thị thực", "Đại sứ quán Việt Nam tại Canberra")
    fields["stay_paid_by"] = forms.text("Đơn vị chi trả chi phí lưu trú", "Đơn vị chủ trì", max_length=200)
    start = b.start("start_visa_request", "Gửi đề nghị thị thực / gia hạn / đi địa phương", host, forms.form(
        "Đề nghị thủ tục thị thực, gia hạn, đi địa phương", "Kèm tờ khai (NA5 cho gia hạn), thông tin hộ chiếu.",
        fields, [k for k in fields if k not in ("attachments", "visa_pickup_place")]))
    check = check_task(b, "htqt_check_dossier", "Kiểm tra hồ sơ, trình Ban Giám hiệu", htqt,
                       "Đủ thông tin hộ chiếu, tờ khai, lịch làm việc, nguồn kinh phí.", "dossier_complete", "Hồ sơ đủ")
    refused = rejection(b, "dossier", htqt, "htqt_check_dossier_reason", "thủ tục thị thực")
    first, last = signed_result(b, "request_letter", htqt, rector, registry, "official_letter",
                                "Công văn đề nghị gửi cơ quan quản lý xuất nhập cảnh / Sở Ngoại vụ", B_T, check,
                                "Hiệu trưởng")
    send = b.service("axis_send_request", "Gửi công văn đến cơ quan có thẩm quyền", registry, "axis_send_document", {},
                     result="axis_submission")
    outcome = check_task(b, "htqt_record_outcome", "Ghi nhận kết quả của cơ quan XNC / địa phương", htqt,
                         "Cơ quan quản lý xuất nhập cảnh cấp/gia hạn thị thực, hoặc địa phương chấp thuận chuyến đi.",
                         "authority_approved", "Cơ quan có thẩm quyền chấp thuận")
    denied = rejection(b, "authority", htqt, "htqt_record_outcome_reason", "thị thực / đi địa phương")
    done = patterns.notify(b, "notify_approved", "Thông báo kết quả cho đơn vị", htqt, "applicant",
                           "'Cơ quan có thẩm quyền đã chấp thuận đề nghị.'")
    end = b.end("end_done", "Hoàn thành thủ tục", host)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_dossier", "Hồ sơ đủ?", htqt, "dossier_complete", first, refused)
    b.flow(check, "gateway_dossier")
    b.chain(last, send, outcome)
    patterns.boolean_gateway(b, "gateway_authority", "Chấp thuận?", htqt, "authority_approved", done, denied)
    b.flow(outcome, "gateway_authority")
    b.chain(done, end)
    return detail_procedure(
        "QT41", b, "Visas, visa extensions and permission for local trips of foreign guests",
        "Đề nghị cơ quan quản lý xuất nhập cảnh cấp, gia hạn thị thực cho khách nước ngoài của Trường, hoặc xin phép "
        "địa phương cho khách đi công tác.",
        "Đơn vị chủ trì đón khách; Phòng HTQT; Ban Giám hiệu; cơ quan XNC, Sở Ngoại vụ các tỉnh.",
        "One model for the three sub-procedures (new visa, extension, local trip): the host unit files the request, "
        "the international office checks it, the Rector signs the letter to the immigration authority or province, "
        "it is sent, and the authority's answer is recorded and passed on. Visa fees are the authority's.",
        [result("Công văn đề nghị cấp/gia hạn thị thực / xin phép đi địa phương", "official_letter",
                ["Ban Giám hiệu (Hiệu trưởng/Phó Hiệu trưởng)"], level=B_T)], deadline=None)


def qt42():
    b = ProcessBuilder("QT42", "qt42_hoi_nghi_quoc_te", "Quy trình xin phép tổ chức hội nghị, hội thảo quốc tế")
    unit = b.lane("organiser", "Đơn vị tổ chức", "applicant", None)
    htqt = clerk_lane(b, "PHTQT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = applicant_fields("unit")
    fields.update({
        "conference_name": forms.text("Tên hội nghị, hội thảo", "International Conference on Mekong Delta", max_length=300),
        "dates": forms.text("Thời gian", "2025-11-20 → 2025-11-21", max_length=60),
        "foreign_participants": forms.integer("Số đại biểu nước ngoài", 0, 5000, 40),
        "funding_source": forms.text("Nguồn kinh phí", "Kinh phí đơn vị và tài trợ", max_length=300),
        "programme_files": forms.attachments("Đề án tổ chức, chương trình"),
    })
    start = b.start("start_conference_request", "Gửi đề án tổ chức hội nghị", unit, forms.form(
        "Đề nghị tổ chức hội nghị, hội thảo quốc tế", "Theo Quyết định 06/2020/QĐ-TTg.", fields,
        [k for k in fields if k != "programme_files"]))
    check = check_task(b, "htqt_check", "Thẩm định đề án, xác định cấp cho phép", htqt,
                       "Xác định thẩm quyền cho phép theo QĐ 06/2020/QĐ-TTg (Trường hay cơ quan chủ quản).",
                       "dossier_complete", "Đề án hợp lệ",
                       {"ministry_permission_needed": forms.yes_no("Cần cơ quan chủ quản cho phép", usual=False)})
    refused = rejection(b, "dossier", htqt, "htqt_check_reason", "tổ chức hội nghị")
    first, last = signed_result(b, "permission", htqt, rector, registry, "decision",
                                "Quyết định cho phép / công văn xin phép tổ chức hội nghị", B_T, check, "Hiệu trưởng")
    send = b.service("axis_send_to_ministry", "Gửi công văn xin phép cơ quan chủ quản", registry, "axis_send_document",
                     {}, result="axis_submission")
    outcome = check_task(b, "htqt_record_permission", "Ghi nhận văn bản cho phép của cơ quan chủ quản", htqt,
                         "Bộ GD&ĐT trả lời.", "ministry_permitted", "Được cho phép")
    denied = rejection(b, "ministry", htqt, "htqt_record_permission_reason", "tổ chức hội nghị")
    done = patterns.notify(b, "notify_permitted", "Thông báo được phép tổ chức", htqt, "applicant",
                           "'Hội nghị ' + conference_name + ' được phép tổ chức.'")
    end = b.end("end_permitted", "Được phép tổ chức", unit)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_dossier", "Hợp lệ?", htqt, "dossier_complete", first, refused)
    b.flow(check, "gateway_dossier")
    gw = b.gateway("gateway_ministry", "Cần cơ quan chủ quản?", registry)
    b.flow(last, gw)
    b.flow(gw, send, condition="ministry_permission_needed == True", name="Có")
    b.flow(gw, done, default=True, name="Trường cho phép")
    b.chain(send, outcome)
    patterns.boolean_gateway(b, "gateway_permitted", "Được phép?", htqt, "ministry_permitted", done, denied)
    b.flow(outcome, "gateway_permitted")
    b.chain(done, end)
    return detail_procedure(
        "QT42", b, "Permission to hold international conferences and workshops",
        "Xin phép tổ chức hội nghị, hội thảo quốc tế tại Trường theo Quyết định 06/2020/QĐ-TTg.",
        "Đơn vị tổ chức; Phòng HTQT; Ban Giám hiệu; cơ quan chủ quản khi vượt thẩm quyền của Trường.",
        "Inferred steps (only the legal basis was read): the organiser submits the plan, the international office "
        "decides who must permit it, the Rector signs the permission or the request to the ministry (sent over the "
        "axis), the answer is recorded and the organiser notified.",
        [result("Quyết định cho phép / công văn xin phép", "decision", ["Hiệu trưởng"], level=B_T)])


def qt44():
    b = ProcessBuilder("QT44", "qt44_du_an_quoc_te", "Quy trình quản lý dự án quốc tế")
    chair = b.lane("chairman", "Chủ nhiệm dự án (đơn vị ký với đối tác)", "applicant", None)
    htqt = clerk_lane(b, "PHTQT")
    finance = clerk_lane(b, "PKHTC")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = applicant_fields("unit")
    fields.update({
        "project_title": forms.text("Tên dự án", "Mekong Climate Resilience Project", max_length=300),
        "partner": forms.text("Đối tác nước ngoài", "JICA", max_length=200),
        "approval_level": forms.choice("Cấp phê duyệt", [("university", "Cấp Trường"), ("ministry", "Cấp Bộ")]),
        "total_budget_vnd": forms.integer("Tổng kinh phí (đồng)", 0, 10**13, 5_000_000_000),
        "documents": forms.attachments("Đề nghị tiếp nhận, văn kiện/hợp đồng gốc, bản dịch tóm tắt, định mức, kế hoạch chi"),
    })
    start = b.start("start_project_request", "Gửi hồ sơ tiếp nhận dự án", chair, forms.form(
        "Hồ sơ tiếp nhận dự án quốc tế", "4 bộ hồ sơ (cấp Trường) hoặc văn kiện theo mẫu Bộ KH&ĐT (cấp Bộ).", fields,
        [k for k in fields if k != "documents"]))
    check = check_task(b, "htqt_check", "Phòng HTQT kiểm tra hồ sơ", htqt, "Đủ các thành phần hồ sơ.",
                       "dossier_complete", "Hồ sơ đủ")
    revise = rejection(b, "dossier", htqt, "htqt_check_reason", "tiếp nhận dự án")
    budget = check_task(b, "pkhtc_budget_review", "Phòng Tài chính thẩm định định mức, kế hoạch chi", finance,
                        "Định mức chi, kế hoạch chi ≥ 2 năm, dự toán năm đầu.", "budget_ok", "Kinh phí hợp lệ")
    budget_refused = rejection(b, "budget", finance, "pkhtc_budget_review_reason", "tiếp nhận dự án")
    first, last = signed_result(b, "approval", htqt, rector, registry, "decision",
                                "Quyết định phê duyệt tiếp nhận dự án và thành lập Ban quản lý", B_LTA, check,
                                "Hiệu trưởng")
    code = form_task(b, "htqt_assign_code", "Cấp mã dự án, phân phối hồ sơ", htqt,
                     "Cấp mã dự án; gửi hồ sơ cho chủ nhiệm, Phòng QLKH, Phòng Tài chính, lưu HTQT.",
                     {"project_code": forms.text("Mã dự án", "DAQT-2025-07", max_length=30)})
    gw = b.gateway("gateway_level", "Cấp Bộ?", htqt)
    send = b.service("axis_send_to_ministry", "Gửi văn kiện dự án đến Bộ", registry, "axis_send_document", {},
                     result="axis_submission")
    done = patterns.notify(b, "notify_project_accepted", "Thông báo tiếp nhận dự án", htqt, "applicant",
                           "'Dự án ' + project_title + ' đã được tiếp nhận, mã ' + project_code")
    end = b.end("end_project_accepted", "Dự án được tiếp nhận", chair)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_dossier", "Hồ sơ đủ?", htqt, "dossier_complete", budget, revise)
    b.flow(check, "gateway_dossier")
    patterns.boolean_gateway(b, "gateway_budget", "Kinh phí hợp lệ?", finance, "budget_ok", first, budget_refused)
    b.flow(budget, "gateway_budget")
    b.chain(last, code, gw)
    b.flow(gw, send, condition="approval_level == 'ministry'", name="Cấp Bộ")
    b.flow(gw, done, default=True, name="Cấp Trường")
    b.chain(send, done, end)
    return detail_procedure(
        "QT44", b, "Managing international projects",
        "Tiếp nhận, phê duyệt và quản lý dự án hợp tác quốc tế (cấp Trường hoặc trình Bộ).",
        "Chủ nhiệm dự án; Phòng HTQT; Phòng Tài chính; Ban Giám hiệu; Bộ chủ quản (dự án cấp Bộ).",
        "The project chair files the dossier; the international office checks it and Finance reviews cost norms and "
        "spending plan; the Rector approves (sealed decision, project board); the office issues a project code and "
        "distributes the files; ministry-level projects are also sent to the ministry over the axis.",
        [result("Phê duyệt của BGH + mã dự án", "decision", ["Ban Giám hiệu"])])


BUILDERS = {"QT39": qt39, "QT41": qt41, "QT42": qt42, "QT44": qt44}

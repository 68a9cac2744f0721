"""Procedures with public-source details: research projects (staff, students, ministry level)."""

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


def _proposal_fields(kind: str) -> dict[str, dict]:
    fields = applicant_fields(kind)
    fields.update({
        "project_title": forms.text("Tên đề tài (Project title)", "Ứng dụng học máy dự báo xâm nhập mặn", max_length=500),
        "research_field": forms.text("Lĩnh vực (Field)", "Khoa học máy tính", max_length=200),
        "duration_months": forms.integer("Thời gian thực hiện (tháng)", 1, 60, 12),
        "budget_vnd": forms.integer("Kinh phí đề nghị (đồng)", 0, 50_000_000_000, 150_000_000),
        "proposal_files": forms.attachments("Phiếu đề xuất / thuyết minh (Proposal)"),
    })
    return fields


def qt31():
    b = ProcessBuilder("QT31", "qt31_de_tai_co_so_vien_chuc",
                       "Quy trình quản lý đề tài khoa học công nghệ cấp cơ sở do công chức, viên chức thực hiện")
    pi = b.lane("pi", "Chủ nhiệm đề tài (viên chức)", "applicant", None)
    qlkh = clerk_lane(b, "PQLKH")
    council = b.lane("council", "Hội đồng khoa học (tuyển chọn, thuyết minh, nghiệm thu)", "leader", "HDT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    finance = clerk_lane(b, "PKHTC")
    start = b.start("start_topic_proposal", "Nộp phiếu đề xuất đề tài", pi, forms.form(
        "Phiếu đề xuất đề tài cấp cơ sở", "Theo thông báo của Phòng QLKH.", _proposal_fields("staff"),
        [k for k in _proposal_fields("staff") if k != "proposal_files"]))
    check = check_task(b, "qlkh_check_proposal", "Kiểm tra hồ sơ đề xuất", qlkh, "Đúng mẫu, đúng đối tượng, đúng hạn.",
                       "proposal_admissible", "Hồ sơ hợp lệ")
    refused = rejection(b, "proposal", qlkh, "qlkh_check_proposal_reason", "đề xuất đề tài")
    select = decision_task(b, "council_selection", "Hội đồng khoa học tuyển chọn", council,
                           "Hội đồng họp, tuyển chọn đề tài.", "Tuyển chọn", "Không tuyển chọn")
    not_selected = rejection(b, "selection", qlkh, "council_selection_comment", "tuyển chọn đề tài")
    list_first, list_last = signed_result(b, "list_decision", qlkh, rector, registry, "decision",
                                          "Quyết định phê duyệt danh mục đề tài", B_LTA, select, "Hiệu trưởng")
    full = form_task(b, "pi_full_proposal", "Viết thuyết minh đầy đủ", pi, "Chủ nhiệm nộp thuyết minh chi tiết.",
                     {"full_proposal_files": forms.attachments("Thuyết minh đề tài")})
    approve = decision_task(b, "council_proposal", "Hội đồng phê duyệt thuyết minh", council,
                            "Hội đồng xét duyệt thuyết minh; không đạt thì chủ nhiệm chỉnh sửa.", "Phê duyệt", "Chỉnh sửa")
    contract_first, contract_last = signed_result(
        b, "contract", qlkh, rector, registry, "decision", "Quyết định giao nhiệm vụ và hợp đồng thực hiện đề tài",
        B_LTA, approve, "Hiệu trưởng")
    funds = form_task(b, "pkhtc_transfer_funds", "Chuyển kinh phí", finance, "Chuyển kinh phí theo hợp đồng.",
                      {"funds_transferred_on": forms.date("Ngày chuyển kinh phí")})
    progress = check_task(b, "qlkh_progress_check", "Kiểm tra tiến độ (6 và 12 tháng), quyết toán năm", qlkh,
                          "Kiểm tra tiến độ định kỳ và quyết toán tài chính tháng 12.", "progress_satisfactory",
                          "Tiến độ đạt yêu cầu")
    stopped = rejection(b, "progress", qlkh, "qlkh_progress_check_reason", "tiếp tục đề tài")
    final = form_task(b, "pi_final_report", "Nộp hồ sơ nghiệm thu", pi, "Báo cáo tổng kết, sản phẩm, hồ sơ quyết toán.",
                      {"final_report_files": forms.attachments("Hồ sơ nghiệm thu")})
    accept = decision_task(b, "council_acceptance", "Hội đồng nghiệm thu", council,
                           "Phòng QLKH chuẩn bị hội đồng; hội đồng đánh giá nghiệm thu.", "Đạt", "Chưa đạt – bổ sung")
    minutes = patterns.issue(b, "issue_acceptance_minutes", qlkh, "minutes", "Biên bản nghiệm thu")
    done = patterns.notify(b, "notify_accepted", "Lưu hồ sơ, thông báo nghiệm thu", qlkh, "applicant",
                           "'Đề tài ' + project_title + ' đã được nghiệm thu.'")
    end = b.end("end_project_closed", "Đề tài kết thúc", pi)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_admissible", "Hợp lệ?", qlkh, "proposal_admissible", select, refused)
    b.flow(check, "gateway_admissible")
    patterns.decision_gateway(b, "gateway_selected", "Tuyển chọn?", council, "council_selection_decision", list_first,
                              not_selected)
    b.flow(select, "gateway_selected")
    b.chain(list_last, full, approve)
    patterns.decision_gateway(b, "gateway_proposal", "Thuyết minh đạt?", council, "council_proposal_decision",
                              contract_first, full, "Phê duyệt", "Chỉnh sửa")
    b.flow(approve, "gateway_proposal")
    b.chain(contract_last, funds, progress)
    patterns.boolean_gateway(b, "gateway_progress", "Tiến độ đạt?", qlkh, "progress_satisfactory", final, stopped)
    b.flow(progress, "gateway_progress")
    b.chain(final, accept)
    patterns.decision_gateway(b, "gateway_acceptance", "Nghiệm thu đạt?", council, "council_acceptance_decision",
                              minutes, final, "Đạt", "Bổ sung")
    b.flow(accept, "gateway_acceptance")
    b.chain(minutes, done, end)
    return detail_procedure(
        "QT31", b, "Managing institutional research projects led by staff",
        "Quản lý đề tài KH&CN cấp cơ sở do viên chức chủ nhiệm: tuyển chọn, phê duyệt, giao nhiệm vụ, kiểm tra, nghiệm thu.",
        "Viên chức chủ nhiệm đề tài; Phòng QLKH; các hội đồng khoa học; Hiệu trưởng; Phòng KH-TC.",
        "The 11-step flow: call, proposal sheet, selection council, Rector's list decision, full proposal, proposal "
        "council (revise loop), Rector's launch decision and contract, funds, progress checks, acceptance council "
        "(supplement loop), archive. Steps follow another university's published flow (TNUS), not CTU's.",
        [result("Quyết định phê duyệt danh mục / giao nhiệm vụ", "decision", ["Hiệu trưởng"]),
         result("Quyết định giao nhiệm vụ kèm hợp đồng thực hiện đề tài", "decision", ["Hiệu trưởng/đại diện Trường"]),
         result("Biên bản nghiệm thu", "minutes", [], seal=False)])


def qt32():
    b = ProcessBuilder("QT32", "qt32_de_tai_nguoi_hoc",
                       "Quy trình quản lý đề tài khoa học công nghệ cấp cơ sở do người học thực hiện")
    team = b.lane("student_pi", "Sinh viên chủ nhiệm đề tài", "applicant", None)
    faculty = clerk_lane(b, "KHOA", "Khoa / đơn vị quản lý")
    qlkh = clerk_lane(b, "PQLKH")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = _proposal_fields("student")
    fields["duration_months"] = forms.integer("Thời gian thực hiện (tháng, tối đa 7)", 1, 12, 7)
    fields["members"] = {"type": "array", "title": "Thành viên (2–4 sinh viên)", "minItems": 2, "maxItems": 4,
                         "items": {"type": "string", "maxLength": 120}, "examples": [["Trần B", "Lê C"]]}
    fields["supervisor"] = forms.text("Giảng viên hướng dẫn", "TS. Phạm Văn D", max_length=120)
    fields["duration_justification"] = forms.optional_text("Giải trình nếu trên 7 tháng", "")
    schema = forms.form("Thuyết minh đề tài người học", "Theo QĐ 5152/QĐ-ĐHCT, Chương IV.", fields,
                        [k for k in fields if k not in ("proposal_files", "duration_justification")])
    schema["allOf"] = [{"if": {"properties": {"duration_months": {"minimum": 8}}, "required": ["duration_months"]},
                        "then": {"required": ["duration_justification"]}}]
    start = b.start("start_student_proposal", "Nộp thuyết minh đề tài", team, schema)
    select = check_task(b, "faculty_select", "Đơn vị xét chọn trong chỉ tiêu kinh phí", faculty,
                        "Đơn vị quyết định số nhóm, giảng viên hướng dẫn trong kinh phí được phân bổ.",
                        "within_quota", "Được chọn trong chỉ tiêu")
    refused = rejection(b, "faculty", faculty, "faculty_select_reason", "đăng ký đề tài")
    request = form_task(b, "faculty_request_council", "Đề nghị Trường thành lập hội đồng xét thuyết minh", faculty,
                        "Gửi danh sách đề tài và đề xuất thành viên hội đồng.",
                        {"council_members": forms.text("Đề xuất thành viên hội đồng", "PGS.TS A; TS. B; TS. C",
                                                       multiline=True)})
    check = check_task(b, "qlkh_check", "Phòng QLKH kiểm tra hồ sơ", qlkh, "Kiểm tra quy định (luận văn không dùng lại, "
                       "sản phẩm bắt buộc: tin, báo cáo tóm tắt, video ≤ 2 phút).", "rules_met", "Đúng quy định")
    back = rejection(b, "qlkh", qlkh, "qlkh_check_reason", "đề tài")
    first, last = signed_result(b, "council_decision", qlkh, rector, registry, "decision",
                                "Quyết định thành lập Hội đồng xét thuyết minh", B_LTA, check, "Hiệu trưởng")
    done = patterns.notify(b, "notify_council", "Thông báo lịch bảo vệ thuyết minh", qlkh, "applicant",
                           "'Đã thành lập hội đồng xét thuyết minh đề tài ' + project_title")
    end = b.end("end_council_set", "Chờ bảo vệ thuyết minh", team)
    b.chain(start, select)
    patterns.boolean_gateway(b, "gateway_quota", "Trong chỉ tiêu?", faculty, "within_quota", request, refused)
    b.flow(select, "gateway_quota")
    b.chain(request, check)
    patterns.boolean_gateway(b, "gateway_rules", "Đúng quy định?", qlkh, "rules_met", first, back)
    b.flow(check, "gateway_rules")
    b.chain(last, done, end)
    return detail_procedure(
        "QT32", b, "Managing institutional research projects led by students",
        "Đăng ký, xét chọn đề tài NCKH của người học và thành lập hội đồng xét thuyết minh.",
        "Sinh viên (1 chủ nhiệm, 2–4 thành viên), giảng viên hướng dẫn, Khoa, Phòng QLKH, Hiệu trưởng.",
        "Students submit the proposal (max 7 months unless justified, 2-4 members); the faculty selects within its "
        "budget and asks for a council; the S&T office checks; the Rector signs the council decision (inferred). "
        "The source page is truncated after the council request.",
        [result("Quyết định thành lập Hội đồng", "decision", ["Hiệu trưởng (inferred)"])])


def qt33():
    b = ProcessBuilder("QT33", "qt33_de_tai_cap_bo", "Quy trình quản lý đề tài khoa học công nghệ cấp Bộ - Bộ Giáo dục và Đào tạo")
    pi = b.lane("pi", "Tổ chức, cá nhân đăng ký chủ trì", "applicant", None)
    qlkh = clerk_lane(b, "PQLKH")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    ministry = b.lane("ministry", "Bộ Giáo dục và Đào tạo", "agency", None)
    fields = _proposal_fields("staff")
    fields["research_type"] = forms.choice("Loại hình nghiên cứu", [("type1", "Loại 1 (100% NSNN)"), ("other", "Loại khác")])
    start = b.start("start_ministry_application", "Nộp hồ sơ đăng ký đề tài cấp Bộ", pi, forms.form(
        "Hồ sơ đăng ký đề tài cấp Bộ", "Theo thông báo của Phòng QLKH và Thông tư 11/2016/TT-BGDĐT.", fields,
        [k for k in fields if k != "proposal_files"]))
    check = check_task(b, "qlkh_check_eligibility", "Kiểm tra điều kiện (Điều 4, 7 Thông tư 11/2016)", qlkh,
                       "Điều kiện chủ nhiệm, tổ chức chủ trì; hồ sơ đúng mẫu.", "eligible", "Đủ điều kiện")
    refused = rejection(b, "eligibility", qlkh, "qlkh_check_eligibility_reason", "đăng ký đề tài cấp Bộ")
    first, last = signed_result(b, "submission", qlkh, rector, registry, "official_letter",
                                "Công văn đề xuất đề tài gửi Bộ GD&ĐT", B_T, check, "Hiệu trưởng")
    send = b.service("axis_send_to_ministry", "Gửi hồ sơ qua Trục liên thông", registry, "axis_send_document", {},
                     result="axis_submission")
    outcome = check_task(b, "qlkh_record_ministry_result", "Ghi nhận kết quả tuyển chọn của Bộ", qlkh,
                         "Bộ tuyển chọn và thông báo kết quả.", "ministry_selected", "Được Bộ tuyển chọn")
    not_selected = rejection(b, "ministry", qlkh, "qlkh_record_ministry_result_reason", "đề tài cấp Bộ")
    done = patterns.notify(b, "notify_selected", "Thông báo được giao đề tài", qlkh, "applicant",
                           "'Đề tài ' + project_title + ' được Bộ GD&ĐT tuyển chọn.'")
    end = b.end("end_selected", "Được giao đề tài", pi)
    guidance = patterns.notify(b, "notify_ministry_pending", "Chờ kết quả của Bộ", ministry, "unit:PQLKH",
                               "'Đã gửi hồ sơ đề tài ' + project_title + ' đến Bộ GD&ĐT.'")
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_eligible", "Đủ điều kiện?", qlkh, "eligible", first, refused)
    b.flow(check, "gateway_eligible")
    b.chain(last, send, guidance, outcome)
    patterns.boolean_gateway(b, "gateway_selected", "Được chọn?", qlkh, "ministry_selected", done, not_selected)
    b.flow(outcome, "gateway_selected")
    b.chain(done, end)
    return detail_procedure(
        "QT33", b, "Ministry of Education research projects",
        "Đăng ký, xét điều kiện và đề xuất đề tài KH&CN cấp Bộ GD&ĐT.",
        "Tổ chức, cá nhân trong Trường đăng ký chủ trì; Phòng QLKH; Hiệu trưởng; Bộ GD&ĐT.",
        "Applicants answer the call; the S&T office checks eligibility (Circular 11/2016 Arts 4 and 7); the Rector "
        "signs the submission letter, sent to the Ministry over the document axis; the ministry's selection is "
        "recorded and the applicant notified. Steps after the call are inferred.",
        [result("Công văn đề xuất đề tài gửi Bộ", "official_letter", ["Hiệu trưởng"], level=B_T)],
        dossier_vi=["Hồ sơ đăng ký đề tài theo mẫu của Bộ GD&ĐT (thuyết minh, lý lịch khoa học)"])


BUILDERS = {"QT31": qt31, "QT32": qt32, "QT33": qt33}

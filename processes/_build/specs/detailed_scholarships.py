"""Procedures with public-source details: merit and sponsored scholarships, tuition collection."""

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
    head_lane,
    rectorate_lane,
    registry_lane,
    result,
    signed_result,
)

B_LTA, B_T = patterns.LEVEL_LONG_TERM, patterns.LEVEL_BASIC


def qt47():
    b = ProcessBuilder("QT47", "qt47_hoc_bong_kkht", "Quy trình công tác xét cấp học bổng khuyến khích học tập")
    pdt = clerk_lane(b, "PDT")
    ctsv = clerk_lane(b, "PCTSV")
    finance = clerk_lane(b, "PKHTC")
    council = b.lane("council", "Hội đồng xét học bổng cấp Trường", "leader", "HDT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    start = b.start("start_term_results", "Gửi kết quả học tập học kỳ", pdt, forms.form(
        "Kết quả học tập học kỳ (Term results)", "Phòng Đào tạo gửi điểm TBC học kỳ cho Phòng CTSV (HK1: tháng 3; "
        "HK2: tháng 7). Không cần sinh viên nộp đơn.",
        {"term": forms.text("Học kỳ", "HK1 2024-2025", max_length=40),
         "results_file": forms.attachments("Tệp điểm TBC học kỳ và điểm rèn luyện")}))
    eligible = form_task(b, "ctsv_publish_eligible", "Lập và công bố danh sách đủ điều kiện (7 ngày phản hồi)", ctsv,
                         "Lọc theo học lực, rèn luyện, số tín chỉ; công bố; hoàn thành bước này sau 7 ngày nhận phản hồi.",
                         {"eligible_count": forms.integer("Số sinh viên đủ điều kiện", 0, 50000, 850),
                          "objections_handled": forms.optional_text("Phản hồi đã xử lý", "Không có phản hồi.")},
                         ["eligible_count"])
    fund = check_task(b, "pkhtc_fund_check", "Xác định quỹ học bổng và số suất", finance,
                      "Phòng KH-TC cùng CTSV xác định số suất theo quỹ.", "fund_sufficient", "Quỹ đủ cho số suất dự kiến",
                      {"fund_vnd": forms.integer("Quỹ học bổng (đồng)", 0, 100_000_000_000, 4_500_000_000),
                       "award_count": forms.integer("Số suất", 0, 50000, 600)})
    proposed = form_task(b, "ctsv_publish_proposed", "Công bố danh sách dự kiến (7 ngày phản hồi)", ctsv,
                         "Công bố danh sách dự kiến; hoàn thành sau 7 ngày nhận phản hồi.",
                         {"proposed_list_ref": forms.text("Số danh sách dự kiến", "HB-KKHT-HK1-2025", max_length=40)})
    meeting = decision_task(b, "council_review", "Hội đồng xét học bổng họp, kết luận", council,
                            "CTSV trình bày, thành viên thảo luận, Chủ tịch kết luận.", "Thông qua", "Yêu cầu xét lại")
    first, last = signed_result(b, "award", ctsv, rector, registry, "decision",
                                "Quyết định cấp học bổng khuyến khích học tập", B_LTA, proposed, "Hiệu trưởng")
    payout = form_task(b, "pkhtc_payout", "Chi trả học bổng", finance, "Chuyển khoản học bổng cho sinh viên.",
                       {"paid_on": forms.date("Ngày chi trả")})
    done = patterns.notify(b, "notify_students", "Thông báo kết quả cho sinh viên", ctsv, "unit:PCTSV",
                           "'Đã ban hành quyết định cấp học bổng KKHT ' + term")
    end = b.end("end_awarded", "Đã cấp học bổng", finance)
    b.chain(start, eligible, fund)
    patterns.boolean_gateway(b, "gateway_fund", "Quỹ đủ?", finance, "fund_sufficient", proposed, eligible,
                             "Đủ", "Điều chỉnh danh sách")
    b.flow(fund, "gateway_fund")
    b.chain(proposed, meeting)
    patterns.decision_gateway(b, "gateway_council", "Thông qua?", council, "council_review_decision", first, proposed,
                              "Thông qua", "Xét lại")
    b.flow(meeting, "gateway_council")
    b.chain(last, payout, done, end)
    return detail_procedure(
        "QT47", b, "Merit scholarships (học bổng khuyến khích học tập)",
        "Xét, cấp học bổng khuyến khích học tập mỗi học kỳ từ kết quả học tập và rèn luyện.",
        "Sinh viên chính quy; Phòng Đào tạo, Phòng CTSV, Phòng KH-TC, Hội đồng xét học bổng, Hiệu trưởng.",
        "Started by the training office's term results (no student application): Student Affairs lists eligible "
        "students (7-day objection window), Finance sets the number of awards from the fund, a proposed list is "
        "published (another 7 days), the council concludes, the Rector signs the decision (sealed), Finance pays.",
        [result("Quyết định cấp học bổng KKHT + danh sách", "decision", ["Hiệu trưởng"])], started_by="staff",
        notes_vi=["Các cửa sổ phản hồi 7 ngày được mô hình bằng việc chuyên viên hoàn thành bước công bố sau khi hết "
                  "hạn (không dùng hẹn giờ chặn)."])


def qt48():
    b = ProcessBuilder("QT48", "qt48_hoc_bong_tai_tro", "Quy trình công tác xét cấp học bổng tài trợ")
    ctsv = clerk_lane(b, "PCTSV")
    selection = head_lane(b, "PCTSV", "Cuộc họp xét chọn (lãnh đạo CTSV, Đoàn TN, Hội SV)")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    start = b.start("start_sponsor_offer", "Nhận thư tài trợ học bổng", ctsv, forms.form(
        "Thư tài trợ học bổng (Sponsor offer)", "Phòng CTSV ghi nhận đề nghị tài trợ của nhà tài trợ.",
        {"sponsor_name": forms.text("Nhà tài trợ", "Quỹ Học bổng ABC", max_length=200),
         "award_quota": forms.integer("Số suất", 1, 1000, 10),
         "award_amount_vnd": forms.integer("Giá trị mỗi suất (đồng)", 0, 1_000_000_000, 10_000_000),
         "criteria": forms.text("Tiêu chí", "Sinh viên vượt khó, học lực Khá trở lên", multiline=True),
         "application_deadline": forms.date("Hạn nộp hồ sơ")}))
    announce = form_task(b, "ctsv_announce", "Thông báo cho sinh viên và nhận hồ sơ", ctsv,
                         "Thông báo; hoàn thành bước này khi hết hạn nộp hồ sơ.",
                         {"announcement_url": forms.text("Đường dẫn thông báo", "https://ctu.edu.vn/tb/hb-abc", max_length=300)})
    compile_ = form_task(b, "ctsv_compile_applicants", "Kiểm tra, tổng hợp, công bố danh sách hồ sơ", ctsv,
                         "Kiểm tra hồ sơ theo tiêu chí nhà tài trợ, công bố danh sách nộp.",
                         {"applicant_count": forms.integer("Số hồ sơ", 0, 10000, 37)})
    meeting = decision_task(b, "selection_meeting", "Họp xét chọn theo tiêu chí và số suất", selection,
                            "Xét chọn theo tiêu chí, chỉ tiêu của nhà tài trợ.", "Đã chọn", "Không chọn được",
                            {"selected_students": forms.text("Danh sách chọn (mã số)", "B2012345, B2012346",
                                                             multiline=True)})
    none = patterns.notify(b, "notify_no_selection", "Báo nhà tài trợ không đủ ứng viên", ctsv, "agency",
                           "'Không chọn được sinh viên: ' + selection_meeting_comment")
    none_end = b.end("end_no_selection", "Không xét chọn", ctsv)
    first, last = signed_result(b, "nomination", ctsv, rector, registry, "official_letter",
                                "Công văn đề cử danh sách sinh viên", B_T, compile_, "Hiệu trưởng")
    send = patterns.notify(b, "notify_sponsor", "Gửi công văn đề cử cho nhà tài trợ, công bố", registry, "agency",
                           "'Trường đề cử danh sách nhận học bổng ' + sponsor_name")
    confirm = check_task(b, "sponsor_confirm", "Ghi nhận danh sách nhà tài trợ xác nhận", ctsv,
                         "Nhà tài trợ gửi lại danh sách nhận học bổng; CTSV ghi nhận.", "sponsor_confirmed",
                         "Nhà tài trợ xác nhận")
    done = patterns.notify(b, "notify_awardees", "Thông báo sinh viên nhận học bổng", ctsv, "unit:PCTSV",
                           "'Danh sách nhận học bổng ' + sponsor_name + ' đã được xác nhận.'")
    end = b.end("end_awarded", "Đã trao học bổng", ctsv)
    b.chain(start, announce, compile_, meeting)
    patterns.decision_gateway(b, "gateway_selected", "Chọn được?", selection, "selection_meeting_decision", first, none)
    b.flow(meeting, "gateway_selected")
    b.chain(none, none_end)
    b.chain(last, send, confirm)
    patterns.boolean_gateway(b, "gateway_sponsor", "Nhà tài trợ xác nhận?", ctsv, "sponsor_confirmed", done,
                             compile_, "Xác nhận", "Xét lại")
    b.flow(confirm, "gateway_sponsor")
    b.chain(done, end)
    return detail_procedure(
        "QT48", b, "Sponsored scholarships",
        "Tiếp nhận học bổng tài trợ, xét chọn và đề cử sinh viên cho nhà tài trợ.",
        "Nhà tài trợ, Phòng CTSV, sinh viên, hội đồng xét chọn, Ban Giám hiệu.",
        "Student Affairs records the sponsor's offer, announces it, compiles the applications; a selection meeting "
        "chooses by the sponsor's criteria and quota; the Rectorate signs the nomination letter (sealed) sent to "
        "the sponsor; the sponsor confirms the awardees and students are notified.",
        [result("Công văn đề cử danh sách SV", "official_letter", ["Ban Giám hiệu / TL. Hiệu trưởng"], level=B_T)],
        started_by="staff")


def qt62():
    b = ProcessBuilder("QT62", "qt62_thu_hoc_phi", "Quy trình thu, chi học phí")
    student = b.lane("student", "Người học", "applicant", None)
    finance = clerk_lane(b, "PKHTC")
    registry = registry_lane(b)
    fields = applicant_fields("student")
    fields.update({"term": forms.text("Học kỳ", "HK1 2025-2026", max_length=40),
                   "registered_credits": forms.integer("Số tín chỉ đăng ký", 0, 40, 18)})
    start = b.start("start_tuition", "Xem học phí phải nộp và thanh toán", student,
                    forms.form("Thanh toán học phí (Tuition payment)", "Học phí theo kết quả đăng ký học phần.", fields))
    compute = form_task(b, "pkhtc_compute_tuition", "Xác định học phí, miễn giảm", finance,
                        "Tính học phí theo tín chỉ; áp dụng miễn, giảm (sư phạm, đối tượng chính sách).",
                        {"exemption": forms.choice("Miễn giảm", [("none", "Không"), ("reduced", "Giảm"), ("exempt", "Miễn")]),
                         "amount_due_vnd": forms.integer("Số tiền phải nộp (đồng)", 0, 200_000_000, 8_100_000)})
    exempt = patterns.notify(b, "notify_exempt", "Thông báo miễn học phí", finance, "applicant",
                             "'Bạn được miễn học phí ' + term")
    exempt_end = b.end("end_exempt", "Miễn học phí", student)
    pay_request, paid = patterns.payment(b, "tuition", finance, "amount_due_vnd", "Học phí")
    receipt = patterns.issue(b, "issue_receipt", finance, "receipt", "Biên lai điện tử thu học phí")
    seal_check, seal = patterns.seal_steps(b, "receipt", registry, "biên lai điện tử", B_T)
    done = patterns.notify(b, "notify_paid", "Gửi biên lai điện tử", finance, "applicant",
                           "'Đã nhận học phí ' + term + '; biên lai điện tử đã được ký số.'")
    end = b.end("end_paid", "Đã nộp học phí", student)
    b.chain(start, compute)
    gw = b.gateway("gateway_exempt", "Được miễn?", finance)
    b.flow(compute, gw)
    b.flow(gw, exempt, condition="exemption == 'exempt'", name="Miễn")
    b.flow(gw, pay_request, default=True, name="Phải nộp")
    b.chain(exempt, exempt_end)
    b.chain(paid, receipt, seal_check)
    b.chain(seal, done, end)
    return detail_procedure(
        "QT62", b, "Tuition collection",
        "Thu học phí trực tuyến theo kết quả đăng ký học phần, áp dụng miễn giảm, phát hành biên lai điện tử ký số.",
        "Người học; Phòng Kế hoạch - Tài chính; ngân hàng/cổng thanh toán.",
        "The student sees the amount due from course registration; Finance applies exemptions; the amount is paid "
        "online (payment_request / payment_confirmed) instead of at an Agribank branch; an electronic receipt is "
        "issued and sealed with the university's signature.",
        [result("Biên lai/chứng từ thu học phí", "receipt", [], seal=False) | {
            "signed_by": ["seal"], "signed_by_vi": ["Chữ ký số của Trường (văn thư)"], "signature_level": B_T}],
        fee_vnd=None, notes_vi=["Học phí thay đổi theo số tín chỉ nên fee_vnd để trống; số tiền nằm trong "
                                "'amount_due_vnd'."])


BUILDERS = {"QT47": qt47, "QT48": qt48, "QT62": qt62}

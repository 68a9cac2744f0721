"""Procedures with public-source details: graduation, diploma copies, awards, scholarships, tuition, clearance."""

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
    rejection,
    result,
    signed_result,
)

B_LTA, B_T = patterns.LEVEL_LONG_TERM, patterns.LEVEL_BASIC


def qt11():
    b = ProcessBuilder("QT11", "qt11_xet_tot_nghiep", "Quy trình xét tốt nghiệp và nhận bằng tốt nghiệp đại học, cao đẳng")
    student = b.lane("student", "Người học", "applicant", None)
    faculty = clerk_lane(b, "KHOA", "Khoa (cố vấn học tập, trợ lý đào tạo)")
    pdt = clerk_lane(b, "PDT")
    council = b.lane("council", "Hội đồng xét tốt nghiệp", "leader", "HDT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = applicant_fields("student")
    fields.update({
        "expected_term": forms.text("Đợt xét tốt nghiệp (Review round)", "HK2 2024-2025", max_length=40),
        "has_gdqp_certificate": forms.yes_no("Có chứng chỉ GDQP-AN (National defence certificate)"),
        "has_gdtc_certificate": forms.yes_no("Có chứng chỉ GDTC (Physical education certificate)"),
        "has_language_certificate": forms.yes_no("Có chứng chỉ ngoại ngữ theo chuẩn đầu ra (Language certificate)"),
        "has_it_certificate": forms.yes_no("Có chứng chỉ tin học theo chuẩn đầu ra (IT certificate)"),
        "diploma_name_spelling": forms.text("Họ tên in trên bằng (Name on the diploma)", "NGUYỄN VĂN AN", max_length=120),
        "attachments": forms.attachments("Bản scan các chứng chỉ (Certificates)"),
    })
    start = b.start("start_graduation_application", "Nộp đơn xét tốt nghiệp", student,
                    forms.form("Đơn xét tốt nghiệp (Graduation review application)",
                               "Phiếu đăng ký xét tốt nghiệp và phiếu thông tin làm bằng.", fields,
                               [k for k in fields if k != "attachments"]))
    check = check_task(b, "khoa_check_conditions", "Khoa kiểm tra điều kiện tốt nghiệp", faculty,
                       "Đủ tín chỉ, không nợ học phần, có chứng chỉ GDQP-AN/GDTC, ngoại ngữ, tin học, không bị truy "
                       "cứu trách nhiệm hình sự.", "graduation_conditions_met", "Đủ điều kiện tốt nghiệp",
                       {"gpa_final": {"type": "number", "title": "Điểm TBC tích lũy (GPA)", "minimum": 0, "maximum": 4,
                                      "examples": [3.2]}})
    refused = rejection(b, "conditions", faculty, "khoa_check_conditions_reason", "xét tốt nghiệp")
    consolidate = form_task(b, "pdt_consolidate_list", "Phòng Đào tạo tổng hợp danh sách dự kiến", pdt,
                            "Tổng hợp danh sách sinh viên đủ điều kiện, trình Hội đồng xét tốt nghiệp.",
                            {"provisional_list_ref": forms.text("Số danh sách dự kiến", "DS-TN-2025-02", max_length=50),
                             "council_session": forms.date("Ngày họp Hội đồng")})
    meeting = decision_task(b, "council_review", "Hội đồng xét tốt nghiệp thông qua", council,
                            "Hội đồng (Chủ tịch là Hiệu trưởng hoặc Phó Hiệu trưởng được ủy quyền) xét và thông qua "
                            "danh sách đủ điều kiện công nhận tốt nghiệp.", "Thông qua", "Không thông qua")
    not_passed = rejection(b, "council", pdt, "council_review_comment", "công nhận tốt nghiệp")
    decision_first, decision_last = signed_result(
        b, "graduation_decision", pdt, rector, registry, "decision", "Quyết định công nhận tốt nghiệp", B_LTA,
        on_reject=consolidate, leader_title="Hiệu trưởng")
    diploma_first, diploma_last = signed_result(
        b, "diploma", pdt, rector, registry, "certificate", "Bằng tốt nghiệp", B_LTA, on_reject=consolidate,
        leader_title="Hiệu trưởng")
    done = patterns.notify(b, "notify_graduated", "Thông báo nhận bằng tốt nghiệp", registry, "applicant",
                           "'Bạn đã được công nhận tốt nghiệp; bằng tốt nghiệp điện tử đã được ký số.'")
    end = b.end("end_graduated", "Đã nhận bằng", student)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_conditions", "Đủ điều kiện?", faculty, "graduation_conditions_met",
                             consolidate, refused)
    b.flow(check, "gateway_conditions")
    b.chain(consolidate, meeting)
    patterns.decision_gateway(b, "gateway_council", "Hội đồng thông qua?", council, "council_review_decision",
                              decision_first, not_passed, "Thông qua", "Không thông qua")
    b.flow(meeting, "gateway_council")
    b.chain(decision_last, diploma_first)
    b.chain(diploma_last, done, end)
    return detail_procedure(
        "QT11", b, "Graduation review and award of the bachelor's / college diploma",
        "Xét và công nhận tốt nghiệp, cấp bằng tốt nghiệp đại học, cao đẳng; quyết định và bằng điện tử được ký số "
        "bởi Hiệu trưởng và chữ ký số của Trường (PAdES B-LTA).",
        "Sinh viên hoàn thành chương trình; Khoa, Phòng Đào tạo (thư ký Hội đồng), Hội đồng xét tốt nghiệp, Hiệu trưởng.",
        "The student applies with the required certificates; the faculty checks graduation conditions; the training "
        "office consolidates the provisional list; the graduation council adopts it; the Rector signs the graduation "
        "decision and then the diploma (both sealed, B-LTA); the student is notified. No fee.",
        [result("Quyết định công nhận tốt nghiệp", "decision", ["Hiệu trưởng"]),
         result("Bằng tốt nghiệp", "certificate", ["Hiệu trưởng"])],
        deadline=None)


def qt12():
    b = ProcessBuilder("QT12", "qt12_ban_sao_bang", "Quy trình cấp bản sao bằng tốt nghiệp đại học, cao đẳng")
    applicant = b.lane("applicant", "Người yêu cầu cấp bản sao", "applicant", None)
    desk = clerk_lane(b, "PHCTH", "Bộ phận một cửa (tiếp nhận hồ sơ)")
    pdt = clerk_lane(b, "PDT", "Phòng Đào tạo (quản lý sổ gốc)")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = {
        "requester_name": forms.text("Họ tên người yêu cầu", "Nguyễn Văn An", max_length=120),
        "requester_relation": forms.choice("Quan hệ với người được cấp bằng", [
            ("holder", "Chính người được cấp bằng"), ("authorised", "Người được ủy quyền / đại diện theo pháp luật"),
            ("relative", "Cha, mẹ, con, vợ, chồng, anh chị em ruột"), ("heir", "Người thừa kế")]),
        "identity_number": forms.text("Số CCCD/hộ chiếu", "079123456789", max_length=30),
        "holder_name": forms.text("Họ tên người được cấp bằng", "Nguyễn Văn An", max_length=120),
        "holder_date_of_birth": forms.date("Ngày sinh người được cấp bằng", "1998-03-02"),
        "diploma_number": forms.text("Số hiệu bằng / số vào sổ gốc", "A123456 / 2020-0456", max_length=60),
        "graduation_year": forms.integer("Năm tốt nghiệp", 1966, 2100, 2020),
        "copies": forms.integer("Số bản sao", 1, 20, 2),
        "delivery_method": forms.choice("Nhận kết quả", [("online", "Bản sao điện tử ký số"), ("post", "Qua bưu điện")]),
        "postal_address": forms.optional_text("Địa chỉ nhận (nếu gửi bưu điện)", ""),
        "email": forms.email("Email liên hệ"),
        "attachments": forms.attachments("CCCD, giấy ủy quyền hoặc giấy tờ chứng minh quan hệ"),
    }
    schema = forms.form("Đơn đề nghị cấp bản sao văn bằng từ sổ gốc", "Theo Thông tư 21/2019/TT-BGDĐT.", fields,
                        [k for k in fields if k not in ("postal_address", "attachments")])
    schema["allOf"] = [forms.when_equals("delivery_method", "post", ["postal_address"])]
    start = b.start("start_copy_request", "Gửi yêu cầu cấp bản sao", applicant, schema)
    receive = check_task(b, "desk_check_dossier", "Tiếp nhận, kiểm tra tính đầy đủ của hồ sơ", desk,
                         "Hồ sơ đủ: chuyển Phòng Đào tạo trong ngày; thiếu: yêu cầu bổ sung. Nhận sau 15 giờ thì "
                         "tính từ ngày làm việc tiếp theo.", "dossier_complete", "Hồ sơ đầy đủ", deadline="P1D")
    supplement = form_task(b, "applicant_supplement", "Bổ sung hồ sơ", applicant,
                           "Bổ sung giấy tờ theo yêu cầu của bộ phận một cửa.",
                           {"supplement_files": forms.attachments("Giấy tờ bổ sung")})
    ask = patterns.notify(b, "notify_supplement", "Yêu cầu bổ sung hồ sơ", desk, "applicant",
                          "'Hồ sơ chưa đầy đủ: ' + desk_check_dossier_reason")
    entitle = check_task(b, "pdt_check_entitlement", "Kiểm tra quyền yêu cầu, đối chiếu sổ gốc, lập bản sao", pdt,
                         "Người yêu cầu có quyền (Điều 30 TT 21/2019)? Thông tin khớp sổ gốc?", "requester_entitled",
                         "Có quyền yêu cầu và khớp sổ gốc")
    refused = rejection(b, "entitlement", pdt, "pdt_check_entitlement_reason", "cấp bản sao bằng")
    first, last = signed_result(b, "copy", pdt, rector, registry, "certificate", "Bản sao bằng tốt nghiệp từ sổ gốc",
                                B_LTA, on_reject=entitle, leader_title="Hiệu trưởng")
    done = patterns.notify(b, "notify_copy_ready", "Trả kết quả", registry, "applicant",
                           "'Bản sao bằng tốt nghiệp từ sổ gốc đã được ký số.'")
    post = form_task(b, "send_by_post", "Gửi bản sao qua bưu điện (người yêu cầu trả cước)", desk,
                     "Gửi bản in theo địa chỉ đã khai.", {"postal_tracking_number": forms.text("Số vận đơn", "EB1VN", max_length=40)})
    end = b.end("end_copy_issued", "Đã cấp bản sao", applicant)
    b.chain(start, receive)
    patterns.boolean_gateway(b, "gateway_complete", "Hồ sơ đầy đủ?", desk, "dossier_complete", entitle, ask)
    b.flow(receive, "gateway_complete")
    b.chain(ask, supplement, receive)
    patterns.boolean_gateway(b, "gateway_entitled", "Có quyền yêu cầu?", pdt, "requester_entitled", first, refused)
    b.flow(entitle, "gateway_entitled")
    b.flow(last, done)
    gw = b.gateway("gateway_delivery", "Gửi bưu điện?", registry)
    b.flow(done, gw)
    b.flow(gw, post, condition="delivery_method == 'post'", name="Bưu điện")
    b.flow(gw, end, default=True, name="Trực tuyến")
    b.flow(post, end)
    return detail_procedure(
        "QT12", b, "Issuing copies of the university/college diploma from the master register",
        "Cấp bản sao bằng tốt nghiệp từ sổ gốc cho người được cấp bằng hoặc người có quyền yêu cầu; bản sao điện tử "
        "ký số có giá trị sử dụng thay bản chính.",
        "Người được cấp bằng, người đại diện/ủy quyền, thân nhân, người thừa kế; bộ phận một cửa, Phòng Đào tạo, "
        "lãnh đạo Trường.",
        "The requester applies online; the one-stop desk checks completeness (asking for supplements in a loop) "
        "within the day; the training office checks entitlement against the master register and prepares the copy; "
        "a university leader signs it, the registry seals it (B-LTA); it is delivered online or by post.",
        [result("Bản sao văn bằng từ sổ gốc", "certificate", ["Hiệu trưởng / lãnh đạo Trường"])],
        notes_vi=["Thời hạn 0 = trả trong ngày (sau 15 giờ: ngày làm việc tiếp theo); nhắc việc đặt ở 1 ngày."])


def qt46():
    b = ProcessBuilder("QT46", "qt46_khen_thuong_sinh_vien", "Quy trình công tác xét khen thưởng sinh viên hàng năm")
    klass = b.lane("class", "Sinh viên / lớp sinh viên", "applicant", None)
    advisor = clerk_lane(b, "KHOA", "Cố vấn học tập và Khoa")
    ctsv = clerk_lane(b, "PCTSV")
    council = b.lane("council", "Hội đồng khen thưởng và kỷ luật sinh viên", "leader", "HDT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    fields = applicant_fields("student")
    fields.update({
        "class_code": forms.text("Mã lớp", "DI20V7A1", max_length=20),
        "title_sought": forms.choice("Danh hiệu đăng ký", [("sv_gioi", "Sinh viên Giỏi"), ("sv_xuat_sac", "Sinh viên Xuất sắc"),
                                                           ("lop_tien_tien", "Lớp sinh viên tiên tiến")]),
        "achievement_statement": forms.text("Bản thành tích", "Học lực Giỏi, rèn luyện Tốt.", multiline=True)})
    start = b.start("start_registration", "Đăng ký danh hiệu và nộp bản thành tích", klass,
                    forms.form("Đăng ký danh hiệu thi đua", "Đầu năm học sinh viên/lớp đăng ký danh hiệu.", fields))
    confirm = check_task(b, "advisor_confirm", "Cố vấn học tập xác nhận, Khoa xét đề nghị", advisor,
                         "Đối chiếu tiêu chí (Giỏi: học lực Giỏi + rèn luyện Tốt; Xuất sắc: cả hai Xuất sắc; lớp tiên "
                         "tiến ≥ 25% Khá trở lên).", "criteria_met", "Đạt tiêu chí, Khoa đề nghị")
    refused = rejection(b, "faculty", advisor, "advisor_confirm_reason", "khen thưởng")
    compile_ = form_task(b, "ctsv_compile", "Tổng hợp danh sách trình Hội đồng", ctsv, "Phòng CTSV tổng hợp đề nghị.",
                         {"proposal_list_ref": forms.text("Số danh sách", "KT-2025-01", max_length=40)})
    meeting = decision_task(b, "council_review", "Hội đồng xét, đề nghị công nhận", council,
                            "Hội đồng xét và đề nghị Hiệu trưởng công nhận.", "Đề nghị công nhận", "Không đề nghị")
    not_passed = rejection(b, "council", ctsv, "council_review_comment", "khen thưởng")
    first, last = signed_result(b, "award", ctsv, rector, registry, "decision",
                                "Quyết định công nhận danh hiệu và Giấy khen", B_LTA, compile_, "Hiệu trưởng")
    done = patterns.notify(b, "notify_award", "Thông báo kết quả khen thưởng", registry, "applicant",
                           "'Bạn đã được công nhận danh hiệu thi đua; giấy khen điện tử đã được ký số.'")
    end = b.end("end_awarded", "Đã khen thưởng", klass)
    b.chain(start, confirm)
    patterns.boolean_gateway(b, "gateway_criteria", "Đạt tiêu chí?", advisor, "criteria_met", compile_, refused)
    b.flow(confirm, "gateway_criteria")
    b.chain(compile_, meeting)
    patterns.decision_gateway(b, "gateway_council", "Hội đồng đề nghị?", council, "council_review_decision", first,
                              not_passed)
    b.flow(meeting, "gateway_council")
    b.chain(last, done, end)
    return detail_procedure(
        "QT46", b, "Annual student awards", "Xét, công nhận danh hiệu thi đua và khen thưởng sinh viên hằng năm.",
        "Sinh viên, lớp sinh viên; cố vấn học tập, Khoa, Phòng CTSV, Hội đồng khen thưởng – kỷ luật, Hiệu trưởng.",
        "Students or classes register target titles with achievement statements; the class advisor and faculty "
        "check the criteria; Student Affairs compiles; the council proposes; the Rector signs the recognition "
        "decision and certificates of merit (sealed).",
        [result("Quyết định công nhận danh hiệu thi đua; Giấy khen của Hiệu trưởng", "decision", ["Hiệu trưởng"])])


def qt92():
    b = ProcessBuilder("QT92", "qt92_thanh_toan_ra_truong", "Quy trình thanh toán ra trường")
    student = b.lane("student", "Người học", "applicant", None)
    library = clerk_lane(b, "TTHL", "Cán bộ Trung tâm Học liệu")
    head = head_lane(b, "TTHL")
    fields = applicant_fields("student")
    fields.update({"clearance_reason": forms.choice("Trường hợp", [("graduation", "Tốt nghiệp"), ("withdrawal", "Thôi học")]),
                   "thesis_deposited": forms.yes_no("Đã nộp luận văn/khóa luận bản điện tử (nếu có)")})
    start = b.start("start_clearance", "Đề nghị xác nhận thanh toán ra trường", student,
                    forms.form("Đề nghị thanh toán ra trường", "Xác nhận đã trả hết tài liệu mượn, không còn nợ.", fields))
    check = check_task(b, "library_check_loans", "Kiểm tra tài liệu đang mượn, tiền phạt", library,
                       "Kiểm tra tài khoản thư viện: tài liệu chưa trả, tiền phạt, tài liệu mất.", "no_outstanding_items",
                       "Không còn nợ tài liệu / tiền phạt",
                       optional_fields={"fines_due_vnd": forms.integer("Tiền phạt phải nộp (đồng)", 0, 10_000_000, 0)})
    settle = form_task(b, "student_settle", "Trả tài liệu, nộp phạt hoặc bồi thường", student,
                       "Trả sách, nộp phạt/bồi thường theo thông báo của Trung tâm Học liệu.",
                       {"settlement_note": forms.text("Đã thực hiện", "Đã trả 2 cuốn sách.", max_length=500)})
    ask = patterns.notify(b, "notify_outstanding", "Thông báo khoản còn nợ", library, "applicant",
                          "'Bạn còn nợ tài liệu/tiền phạt: ' + library_check_loans_reason")
    first, last = signed_result(b, "clearance", library, head, None, "certificate",
                                "Giấy xác nhận thanh toán ra trường", B_T, check, "Lãnh đạo Trung tâm Học liệu")
    done = patterns.notify(b, "notify_cleared", "Đóng tài khoản thư viện, báo kết quả", library, "applicant",
                           "'Đã xác nhận thanh toán ra trường (không còn nợ).'")
    end = b.end("end_cleared", "Đã xác nhận", student)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_clear", "Còn nợ?", library, "no_outstanding_items", first, ask,
                             "Không còn nợ", "Còn nợ")
    b.flow(check, "gateway_clear")
    b.chain(ask, settle, check)
    b.chain(last, done, end)
    return detail_procedure(
        "QT92", b, "Library clearance before leaving the university",
        "Xác nhận người học đã trả hết tài liệu, không còn nợ với thư viện khi tốt nghiệp hoặc thôi học.",
        "Người học tốt nghiệp hoặc thôi học; Trung tâm Học liệu.",
        "The student asks for clearance; the library checks loans and fines; outstanding items loop through "
        "settlement; the library head signs the clearance certificate and the library account is closed.",
        [result("Giấy xác nhận thanh toán ra trường", "certificate", ["Lãnh đạo Trung tâm Học liệu"], seal=False,
                level=B_T)],
        notes_vi=["Quy trình của Trường (có thể gồm ký túc xá, tài chính) chưa tìm thấy; mô hình theo thư viện các "
                  "trường khác."])


BUILDERS = {"QT11": qt11, "QT12": qt12, "QT46": qt46, "QT92": qt92}

"""QT13 – transcripts in Vietnamese and English (hand-tuned from procedures_detail.json)."""

from __future__ import annotations

from .. import catalogue, forms, patterns
from ..model import ProcessBuilder
from ..package import Procedure

CODE = "QT13"
FEE_PER_COPY = 5000


def start_form() -> dict:
    fields = {
        "student_id": forms.pattern_text("Mã số sinh viên (Student ID)", r"^[A-Za-z0-9]{6,12}$", "B2012345"),
        "full_name": forms.text("Họ và tên (Full name)", "Nguyễn Văn An", max_length=120),
        "date_of_birth": forms.date("Ngày sinh (Date of birth)", "2002-05-17"),
        "programme": forms.text("Ngành / chương trình đào tạo (Programme)", "Kỹ thuật phần mềm", max_length=200),
        "faculty": forms.text("Khoa / Trường thành viên (Faculty)", "Trường Công nghệ Thông tin và Truyền thông"),
        "transcript_language": forms.choice("Ngôn ngữ bảng điểm (Language)", [
            ("vi", "Tiếng Việt (Vietnamese)"), ("en", "Tiếng Anh (English)"), ("both", "Cả hai (Both)")]),
        "copies": forms.integer("Số bản (Copies)", 1, 10, 2, "Lệ phí 5.000 đồng/bản (mỗi ngôn ngữ)."),
        "purpose": forms.text("Mục đích sử dụng (Purpose)", "Nộp hồ sơ du học", max_length=300),
        "delivery_method": forms.choice("Hình thức nhận kết quả (Delivery)", [
            ("online", "Tải bản điện tử có ký số (Signed PDF download)"),
            ("post", "Gửi bản in qua bưu điện (By post)")]),
        "postal_address": forms.optional_text("Địa chỉ nhận qua bưu điện (Postal address)", ""),
        "email": forms.email("Email liên hệ (Contact e-mail)"),
        "phone": forms.pattern_text("Số điện thoại (Phone)", r"^[0-9+ ]{9,15}$", "0912345678"),
    }
    required = [k for k in fields if k != "postal_address"]
    schema = forms.form(
        "Đề nghị cấp bảng điểm (Transcript request)",
        "Người học đề nghị Phòng Đào tạo cấp bảng điểm tiếng Việt và/hoặc tiếng Anh. Lệ phí 5.000 đồng/bản được "
        "thanh toán trực tuyến sau khi gửi. (Request a transcript in Vietnamese and/or English; the fee is paid "
        "online.)",
        fields, required)
    schema["allOf"] = [forms.when_equals("delivery_method", "post", ["postal_address"])]
    return schema


def check_form() -> dict:
    fields = {
        "record_found": forms.yes_no("Tìm thấy hồ sơ học tập của người học (Academic record found)"),
        "credits_accumulated": forms.integer("Số tín chỉ tích lũy (Credits accumulated)", 0, 400, 120),
        "cumulative_gpa": {"type": "number", "title": "Điểm trung bình chung tích lũy, hệ 4 (Cumulative GPA)",
                           "minimum": 0, "maximum": 4, "examples": [3.12]},
        "grade_records_summary": forms.text(
            "Tóm tắt kết quả học tập đã đối chiếu (Checked grade records summary)",
            "Đã đối chiếu 45 học phần, 120 tín chỉ; không có điểm chưa nhập.", multiline=True),
        "courses": {
            "type": "array", "title": "Danh sách học phần in trên bảng điểm (Courses, optional)",
            "description": "Để trống nếu chỉ in tóm tắt; hệ thống quản lý đào tạo có thể điền sẵn.",
            "items": {"type": "object", "properties": {
                "code": {"type": "string", "title": "Mã HP", "maxLength": 20},
                "name": {"type": "string", "title": "Tên học phần", "maxLength": 200},
                "credits": {"type": "integer", "title": "Số TC", "minimum": 0, "maximum": 20},
                "score": {"type": "number", "title": "Điểm số (thang 10)", "minimum": 0, "maximum": 10},
                "letter": {"type": "string", "title": "Điểm chữ", "maxLength": 3}},
                "required": ["code", "name", "credits"], "additionalProperties": False},
            "examples": [[{"code": "CT101", "name": "Lập trình căn bản A", "credits": 4, "score": 8.5,
                           "letter": "A"}]]},
        "request_valid": forms.yes_no("Đề nghị hợp lệ, đồng ý lập bảng điểm (Request valid)"),
        "rejection_reason": forms.optional_text("Lý do từ chối (Reason for refusal)", ""),
    }
    schema = forms.form(
        "Kiểm tra và lập bảng điểm (Check the request and prepare the transcript)",
        "Chuyên viên Phòng Đào tạo đối chiếu mã số sinh viên, dữ liệu điểm và lệ phí đã nộp; lập bảng điểm hoặc "
        "từ chối và nêu lý do. Nếu lãnh đạo trả lại, xem ý kiến tại trường 'pdt_leader_comment'.",
        fields, ["record_found", "grade_records_summary", "request_valid"])
    schema["allOf"] = [forms.when_equals("request_valid", False, ["rejection_reason"])]
    return schema


def post_form() -> dict:
    return forms.form(
        "Gửi bảng điểm qua bưu điện (Send by post)",
        "In bản giấy từ bản đã ký số, gửi đến địa chỉ người học đã khai và ghi số vận đơn.",
        {"postal_tracking_number": forms.text("Số vận đơn (Tracking number)", "EB123456789VN", max_length=40),
         "posted_on": forms.date("Ngày gửi (Posted on)")})


def build() -> Procedure:
    b = ProcessBuilder(CODE, "qt13_bang_diem", catalogue.name_vi(CODE))
    student = b.lane("student", "Người học", "applicant", None)
    finance = b.lane("finance", "Phòng Kế hoạch - Tài chính", "clerk", "PKHTC")
    clerk = b.lane("pdt_clerk", "Chuyên viên Phòng Đào tạo", "clerk", "PDT")
    leader = b.lane("pdt_leader", "Lãnh đạo Phòng Đào tạo (TL. Hiệu trưởng)", "leader", "PDT")
    registry = b.lane("registry", "Văn thư Trường", "clerk", "PHCTH")

    start = b.start("start_transcript_request", "Gửi đề nghị cấp bảng điểm", student, start_form())
    pay_request, paid = patterns.payment(
        b, "fee", finance, f"{FEE_PER_COPY} * copies * (2 if transcript_language == 'both' else 1)",
        "Lệ phí cấp bảng điểm")
    check = b.user("pdt_check_request", "Kiểm tra đề nghị, đối chiếu điểm, lập bảng điểm", clerk, check_form(),
                   documentation="Đối chiếu dữ liệu điểm trên hệ thống với đề nghị; lập bảng điểm đúng ngôn ngữ.")
    overdue = b.deadline("pdt_check_overdue", "Quá 5 ngày làm việc", check, "P5D")
    remind = patterns.notify(b, "notify_overdue", "Nhắc việc quá hạn cho lãnh đạo phòng", clerk, "leader",
                             "'Đề nghị cấp bảng điểm của ' + full_name + ' đã quá thời hạn 5 ngày làm việc.'")
    overdue_end = b.end("end_overdue_reminded", "Đã nhắc việc", clerk)
    rejected = patterns.reject_to_applicant(b, "pdt", clerk, "rejection_reason", "cấp bảng điểm")
    # no signer_title: the transcript template prints the authority lines in the transcript's language
    issued = patterns.issue(b, "issue_transcript", clerk, "transcript", "Bảng điểm")
    b.nodes[issued].params["title"] = ("'Bảng điểm tiếng Việt' if transcript_language == 'vi' else "
                                       "('Academic Transcript' if transcript_language == 'en' else "
                                       "'Bảng điểm tiếng Việt và tiếng Anh (Academic Transcript)')")
    patterns.boolean_gateway(b, "gateway_request_valid", "Đề nghị hợp lệ?", clerk, "request_valid",
                             issued, rejected, "Hợp lệ", "Không hợp lệ")
    sign_review, sealed = patterns.sign_steps(b, "pdt_leader", leader, registry, "bảng điểm",
                                              patterns.LEVEL_LONG_TERM, on_reject=check,
                                              leader_title="Lãnh đạo Phòng Đào tạo")
    done = patterns.notify(b, "notify_result", "Thông báo kết quả cho người học", registry, "applicant",
                           "'Bảng điểm đã được ký số. Tải bản điện tử trong hồ sơ trực tuyến'"
                           " + (' ; bản in sẽ được gửi qua bưu điện.' if delivery_method == 'post' else '.')")
    post = b.user("pdt_send_by_post", "Gửi bản in qua bưu điện", clerk, post_form())
    end = b.end("end_transcript_issued", "Đã cấp bảng điểm", student)
    b.chain(start, pay_request)
    b.chain(paid, check, "gateway_request_valid")
    b.chain(overdue, remind, overdue_end)
    b.chain(issued, sign_review)
    b.flow(sealed, done)
    delivery = b.gateway("gateway_delivery", "Nhận qua bưu điện?", registry)
    b.flow(done, delivery)
    b.flow(delivery, post, condition="delivery_method == 'post'", name="Bưu điện")
    b.flow(delivery, end, name="Trực tuyến", default=True)
    b.flow(post, end)

    detail = catalogue.details()[CODE]
    return Procedure(
        builder=b,
        name_en="Issuing academic transcripts in Vietnamese and English",
        level_2023=catalogue.level_2023(CODE),
        confidence=detail["confidence"],
        fee_vnd=FEE_PER_COPY,
        fee_note_vi="5.000 đồng/bản cho mỗi ngôn ngữ (bảng điểm song ngữ tính hai lần), thanh toán trực tuyến "
                    "ngay sau khi gửi đề nghị.",
        deadline_working_days=detail["time_limit_working_days"],
        sources=catalogue.sources(CODE),
        result_documents=[{
            "name_vi": "Bảng điểm (tiếng Việt / tiếng Anh)", "template": "transcript",
            "signed_by": ["leader", "seal"],
            "signed_by_vi": ["Trưởng Phòng Đào tạo (TL. Hiệu trưởng)", "Chữ ký số của Trường (văn thư)"],
            "signature_level": "B-LTA"}],
        purpose_vi="Cấp bảng điểm (kết quả học tập) bằng tiếng Việt và/hoặc tiếng Anh cho người học để nộp hồ sơ "
                   "du học, xin việc, chuyển trường hoặc các mục đích khác; bảng điểm điện tử được ký số bởi lãnh "
                   "đạo Phòng Đào tạo và chữ ký số của Trường, có giá trị lâu dài (PAdES B-LTA).",
        scope_vi="Sinh viên đang học và cựu sinh viên các hệ đào tạo của Trường; Phòng Đào tạo (lập bảng điểm), "
                 "Phòng Kế hoạch - Tài chính (thu lệ phí), văn thư Trường (ký số cơ quan).",
        dossier_vi=["Đơn đề nghị cấp bảng điểm (biểu mẫu trực tuyến: mã số sinh viên, ngôn ngữ, số bản, mục đích)",
                    "Chứng từ thanh toán lệ phí (tự động khi thanh toán trực tuyến; trước đây là biên lai nộp tại "
                    "Phòng KH-TC)",
                    "Thẻ sinh viên (chỉ khi nhận bản giấy trực tiếp)"],
        legal_vi=["Không có thủ tục hành chính quốc gia cho việc cấp bảng điểm; áp dụng quy chế đào tạo và quy "
                  "định nội bộ của Trường.",
                  "Nghị định 30/2020/NĐ-CP (thể thức chữ ký số trên văn bản điện tử).",
                  "Thông tư 15/2025/TT-BKHCN (chữ ký số PAdES)."],
        notes_vi=["Lệ phí 5.000 đồng/bản và thời hạn 1 tuần (ghi là 5 ngày làm việc) lấy từ hướng dẫn của một "
                  "trường khác (kthcm.edu.vn); giá trị của Trường chưa được xác nhận.",
                  "Bước 'In, trình ký, đóng dấu' là suy luận; ngôn ngữ bảng điểm (Việt/Anh) là điểm quyết định "
                  "theo tên quy trình.",
                  "Bảng điểm song ngữ ('both') tính lệ phí hai lần số bản (suy luận)."],
        summary_en="A student asks for a transcript in Vietnamese, English or both, and pays 5,000 VND per copy "
                   "online. A training-office clerk checks the grade records and prepares the transcript, or "
                   "refuses with a reason (the student is notified). The transcript is rendered, reviewed and "
                   "digitally signed by the head of the training office (on behalf of the Rector), then sealed "
                   "with the university's organisation signature (PAdES B-LTA) and delivered online, or also by "
                   "post. A reminder fires if the clerk's check is still open after 5 days. Fee and time limit "
                   "come from another institution's published guidance.",
    )

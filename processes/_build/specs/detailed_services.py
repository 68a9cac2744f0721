"""Procedures with public-source details: rooms, cars, complaints, IT accounts, incidents, software."""

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


def qt59():
    b = ProcessBuilder("QT59", "qt59_muon_phong_hoc", "Quy trình cho mượn phòng học")
    borrower = b.lane("borrower", "Đơn vị, cá nhân mượn phòng", "applicant", None)
    staff = clerk_lane(b, "PQTTB", "Nhân viên quản lý nhà học C1")
    head = head_lane(b, "PQTTB", "Tổ trưởng Tổ Quản lý nhà học (P.QTTB)")
    fields = applicant_fields("unit")
    fields.update({
        "usage_date": forms.date("Ngày sử dụng", "2025-03-16"),
        "time_slot": forms.choice("Khung giờ", [("evening", "Tối 18:00–21:00"), ("sunday_morning", "Chủ nhật sáng"),
                                                ("sunday_afternoon", "Chủ nhật chiều")]),
        "purpose": forms.choice("Mục đích", [("student_activity", "Sinh hoạt của tổ chức sinh viên"),
                                             ("makeup_class", "Dạy bù")]),
        "participants": forms.integer("Số người", 1, 500, 60),
        "preferred_room": forms.optional_text("Phòng mong muốn", "C1-101"),
    })
    start = b.start("start_room_request", "Nộp giấy mượn phòng (Mẫu 1)", borrower, forms.form(
        "Giấy mượn phòng học (Mẫu 1)", "Phòng học ngoài thời khóa biểu: tối 18–21 giờ và Chủ nhật.", fields,
        [k for k in fields if k != "preferred_room"]))
    check = check_task(b, "c1_check_form", "Kiểm tra giấy mượn, chuyển Tổ trưởng", staff,
                       "Nhân viên nhà học C1 kiểm tra, tổng hợp và chuyển Tổ trưởng.", "form_valid", "Giấy mượn hợp lệ")
    refused = rejection(b, "form", staff, "c1_check_form_reason", "mượn phòng")
    allocate = decision_task(b, "head_allocate_room", "Tìm phòng trống (C1, nếu không thì nhà học khác), ghi kết quả",
                             head, "Ghi kết quả bố trí lên giấy mượn (ký xác nhận); không còn phòng thì từ chối.",
                             "Bố trí phòng", "Không còn phòng",
                             {"allocated_room": forms.text("Phòng được bố trí", "C1-203", max_length=20),
                              "allocated_building": forms.text("Nhà học", "C1", max_length=20)})
    b.nodes[allocate].properties["step_kind"] = "sign"
    no_room = rejection(b, "no_room", head, "head_allocate_room_comment", "mượn phòng")
    issued = patterns.issue(b, "issue_loan_slip", head, "notice", "Giấy mượn phòng ghi kết quả bố trí")
    signed = b.service("loan_slip_sign", "Ký số của Tổ trưởng", head, "sign_document",
                       {"role": "'leader'", "level": repr(B_T)}, result="loan_slip_signature")
    tell = patterns.notify(b, "notify_room", "Báo phòng được bố trí", staff, "applicant",
                           "'Phòng ' + allocated_room + ' được bố trí ngày ' + usage_date")
    open_room = form_task(b, "staff_open_room", "Mở và bàn giao phòng đúng giờ", staff, "Bàn giao và nhận lại phòng.",
                          {"handed_over": forms.yes_no("Đã bàn giao phòng")})
    end = b.end("end_room_used", "Đã sử dụng phòng", borrower)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_form", "Hợp lệ?", staff, "form_valid", allocate, refused)
    b.flow(check, "gateway_form")
    patterns.decision_gateway(b, "gateway_room", "Còn phòng?", head, "head_allocate_room_decision", issued, no_room,
                              "Có phòng", "Hết phòng")
    b.flow(allocate, "gateway_room")
    b.chain(issued, signed, tell, open_room, end)
    return detail_procedure(
        "QT59", b, "Borrowing classrooms",
        "Cho đơn vị, cá nhân mượn phòng học ngoài thời khóa biểu (tối và Chủ nhật) cho sinh hoạt sinh viên, dạy bù.",
        "Tổ chức sinh viên, giảng viên dạy bù; Phòng Quản trị - Thiết bị (Tổ Quản lý nhà học).",
        "The borrower submits Form 1; building C1 staff check and batch it; the team head finds a free room (C1, "
        "else another building) and signs the result, or refuses; the borrower is notified and the room opened.",
        [result("Giấy mượn phòng ghi kết quả bố trí", "notice", ["Tổ trưởng Tổ QLNH (P.QTTB)"], seal=False, level=B_T)])


def _password_reset(code: str, process_id: str, name: str, who: str, ask: str, days: int, en: str):
    b = ProcessBuilder(code, process_id, name)
    requester = b.lane("requester", who, "applicant", None)
    centre = clerk_lane(b, "TTTT")
    fields = applicant_fields(ask)
    fields.update({
        "account_type": forms.choice("Tài khoản", [("email", "Hộp thư điện tử (TKHTĐT)"), ("computer", "Tài khoản máy tính (TKMT)")]),
        "account_name": forms.text("Tên tài khoản", "nvan@ctu.edu.vn", max_length=120),
        "card_scan": forms.attachments("Ảnh thẻ viên chức / thẻ sinh viên (thay cho xuất trình trực tiếp)"),
    })
    start = b.start("start_reset_request", "Gửi phiếu yêu cầu cấp lại mật khẩu", requester, forms.form(
        "Phiếu yêu cầu cấp lại mật khẩu", "Xác thực bằng thẻ; mật khẩu mới gửi qua kênh an toàn, không ghi trên văn bản.",
        fields))
    verify = check_task(b, "tttt_verify_and_reset", "Xác minh danh tính, cấp lại mật khẩu", centre,
                        "Đối chiếu thẻ với hồ sơ; đặt mật khẩu tạm, buộc đổi ở lần đăng nhập đầu.", "identity_verified",
                        "Danh tính đã xác minh, đã cấp lại", deadline=f"P{days}D")
    refused = rejection(b, "identity", centre, "tttt_verify_and_reset_reason", "cấp lại mật khẩu")
    done = patterns.notify(b, "notify_reset_done", "Báo đã cấp lại (phiếu cấp lại mật khẩu)", centre, "applicant",
                           "'Mật khẩu ' + account_name + ' đã được cấp lại; mật khẩu tạm gửi qua kênh đã đăng ký.'")
    end = b.end("end_reset", "Đã cấp lại mật khẩu", requester)
    b.chain(start, verify)
    patterns.boolean_gateway(b, "gateway_identity", "Xác minh được?", centre, "identity_verified", done, refused)
    b.flow(verify, "gateway_identity")
    b.chain(done, end)
    return detail_procedure(
        code, b, en,
        f"Cấp lại mật khẩu tài khoản hộp thư điện tử hoặc máy tính cho {who.lower()} trực tuyến.",
        f"{who}; Trung tâm Thông tin và Quản trị mạng.",
        "The requester fills the reset form online with a photo of the card (instead of coming in person); the "
        "centre verifies the identity and resets the password, which is delivered through a registered channel "
        "rather than written on a slip; a reminder fires at the time limit.",
        [result("Phiếu cấp lại mật khẩu (thông báo, không chứa mật khẩu)", None, [], seal=False)],
        notes_vi=["Mật khẩu không được đưa vào văn bản kết quả; phiếu thay bằng thông báo."])


def qt78():
    return _password_reset("QT78", "qt78_cap_lai_mat_khau_vien_chuc",
                           "Quy trình cấp lại mật khẩu tài khoản hộp thư điện tử/máy tính cho viên chức",
                           "Viên chức, người lao động", "staff", 1, "Password reset for staff accounts")


def qt79():
    return _password_reset("QT79", "qt79_cap_lai_mat_khau_sinh_vien",
                           "Quy trình cấp lại mật khẩu tài khoản hộp thư điện tử/máy tính cho sinh viên",
                           "Người học", "student", 2, "Password reset for student accounts")


def _incident(code: str, process_id: str, name: str, en: str, subject: str, days: int | None, acceptance: bool):
    b = ProcessBuilder(code, process_id, name)
    unit = b.lane("requesting_unit", "Đơn vị báo sự cố", "applicant", None)
    centre = clerk_lane(b, "TTTT")
    fields = applicant_fields("unit")
    fields.update({
        "location_or_url": forms.text(f"Vị trí / địa chỉ {subject}", "Nhà C2, phòng 101" if not days else
                                      "https://ctu.edu.vn/khoa-abc", max_length=300),
        "occurred_at": forms.datetime_field("Thời điểm xảy ra"),
        "symptoms": forms.text("Mô tả sự cố, thao tác trước khi xảy ra", "Mất kết nối mạng toàn tầng.", multiline=True),
    })
    start = b.start("start_incident_report", f"Báo sự cố {subject}", unit, forms.form(
        f"Báo sự cố {subject}", "Báo qua hệ thống thay cho e-mail/điện thoại.", fields))
    fix = check_task(b, "tttt_fix", "Khắc phục / hỗ trợ khắc phục sự cố", centre,
                     "Ghi nhận thao tác khắc phục; lập biên bản khắc phục sự cố.", "incident_fixed", "Đã khắc phục",
                     deadline=f"P{days}D" if days else None)
    escalate = patterns.notify(b, "notify_not_fixed", "Báo chưa khắc phục được, hướng xử lý", centre, "applicant",
                               "'Chưa khắc phục được: ' + tttt_fix_reason")
    escalate_end = b.end("end_not_fixed", "Chuyển xử lý khác", unit)
    end = b.end("end_fixed", "Đã khắc phục", unit)
    b.chain(start, fix)
    if acceptance:
        minutes = patterns.issue(b, "issue_repair_minutes", centre, "minutes", "Biên bản nghiệm thu khắc phục sự cố")
        accept = decision_task(b, "unit_accept_repair", "Đơn vị nghiệm thu khắc phục", unit,
                               "Đơn vị xác nhận kết quả (thay cho ký biên bản giấy); không đạt thì trả lại.",
                               "Nghiệm thu", "Chưa đạt")
        patterns.boolean_gateway(b, "gateway_fixed", "Đã khắc phục?", centre, "incident_fixed", minutes, escalate)
        patterns.decision_gateway(b, "gateway_accept", "Nghiệm thu?", unit, "unit_accept_repair_decision", end, fix,
                                  "Đạt", "Chưa đạt")
        b.chain(minutes, accept, "gateway_accept")
        results = [result("Biên bản nghiệm thu khắc phục sự cố", "minutes", [], seal=False)]
    else:
        done = patterns.notify(b, "notify_fixed", "Báo đã khắc phục (kết quả hiển thị trên website)", centre,
                               "applicant", "'Sự cố đã được khắc phục.'")
        patterns.boolean_gateway(b, "gateway_fixed", "Đã khắc phục?", centre, "incident_fixed", done, escalate)
        b.chain(done, end)
        results = []
    b.flow(fix, "gateway_fixed")
    b.chain(escalate, escalate_end)
    return detail_procedure(
        code, b, en, f"Tiếp nhận và khắc phục sự cố {subject} của các đơn vị trực tuyến.",
        "Đơn vị trong Trường; Trung tâm Thông tin và Quản trị mạng.",
        f"The unit reports a {en.lower()} incident online; the IT centre fixes it (reminder at the time limit when "
        "one is published) or reports why not" + ("; the unit accepts the repair online (acceptance record)."
                                                    if acceptance else "; the result shows on the website."),
        results)


def qt80():
    return _incident("QT80", "qt80_su_co_mang", "Quy trình khắc phục, hỗ trợ khắc phục sự cố mạng tại các đơn vị",
                     "Network incident repair", "mạng", None, True)


def qt82():
    return _incident("QT82", "qt82_su_co_website", "Quy trình tiếp nhận, khắc phục/hỗ trợ khắc phục sự cố website",
                     "Website incident repair", "website", 3, False)


def qt84():
    b = ProcessBuilder("QT84", "qt84_xay_dung_phan_mem", "Quy trình xây dựng phần mềm")
    unit = b.lane("beneficiary", "Đơn vị thụ hưởng", "applicant", None)
    centre = clerk_lane(b, "TTTT")
    rector = rectorate_lane(b)
    registry = registry_lane(b)
    builder_lane = clerk_lane(b, "KHOA", "Đơn vị thực hiện (nhà thầu nội bộ)")
    fields = applicant_fields("unit")
    fields.update({
        "module_name": forms.text("Phân hệ cần xây dựng / nâng cấp", "Quản lý phòng thí nghiệm", max_length=200),
        "requirements": forms.text("Yêu cầu", "Đăng ký, duyệt và thống kê sử dụng thiết bị.", multiline=True),
        "in_annual_plan": forms.yes_no("Có trong kế hoạch năm của đơn vị"),
        "head_confirmed": forms.yes_no("Có xác nhận của lãnh đạo đơn vị"),
    })
    start = b.start("start_software_request", "Gửi văn bản yêu cầu xây dựng phần mềm", unit, forms.form(
        "Yêu cầu xây dựng/nâng cấp phân hệ phần mềm", "Phải có trong kế hoạch năm và được lãnh đạo đơn vị xác nhận.",
        fields))
    assess = check_task(b, "tttt_assess", "Đánh giá khả thi, dự toán", centre, "Đánh giá yêu cầu, ước lượng khối lượng.",
                        "feasible", "Khả thi, trong kế hoạch",
                        {"estimate_vnd": forms.integer("Dự toán (đồng)", 0, 10**11, 120_000_000)})
    refused = rejection(b, "assessment", centre, "tttt_assess_reason", "xây dựng phần mềm")
    first, last = signed_result(b, "policy", centre, rector, registry, "decision",
                                "Quyết định phê duyệt chủ trương và kinh phí xây dựng phần mềm", B_LTA, assess,
                                "Phó Hiệu trưởng")
    build = form_task(b, "contractor_build", "Xây dựng phần mềm, bàn giao", builder_lane,
                      "Đơn vị thực hiện xây dựng theo yêu cầu và bàn giao.",
                      {"delivery_note": forms.text("Nội dung bàn giao", "Phiên bản 1.0, tài liệu hướng dẫn", max_length=500)})
    accept = decision_task(b, "unit_acceptance", "Đơn vị thụ hưởng nghiệm thu", unit, "Kiểm tra, nghiệm thu phần mềm.",
                           "Nghiệm thu", "Chưa đạt")
    deploy = form_task(b, "tttt_deploy", "Triển khai vào hệ thống thông tin tích hợp", centre,
                       "Cài đặt, phân quyền, đưa vào vận hành.", {"deployed_on": forms.date("Ngày triển khai")})
    done = patterns.notify(b, "notify_deployed", "Thông báo đưa vào sử dụng", centre, "applicant",
                           "'Phân hệ ' + module_name + ' đã được triển khai.'")
    end = b.end("end_deployed", "Đưa vào sử dụng", unit)
    b.chain(start, assess)
    patterns.boolean_gateway(b, "gateway_feasible", "Khả thi?", centre, "feasible", first, refused)
    b.flow(assess, "gateway_feasible")
    b.chain(last, build, accept)
    patterns.decision_gateway(b, "gateway_acceptance", "Nghiệm thu?", unit, "unit_acceptance_decision", deploy, build,
                              "Đạt", "Sửa lại")
    b.flow(accept, "gateway_acceptance")
    b.chain(deploy, done, end)
    return detail_procedure(
        "QT84", b, "Building software for the integrated information system",
        "Xây dựng, nâng cấp phân hệ phần mềm của hệ thống thông tin tích hợp theo yêu cầu của đơn vị.",
        "Đơn vị thụ hưởng; Trung tâm Thông tin và QTM; đơn vị thực hiện trong Trường; Ban Giám hiệu.",
        "The unit requests a module (in its annual plan, confirmed by its head); the IT centre assesses it; the "
        "Vice-Rector approves policy and budget (sealed decision); an in-university builder delivers, the unit "
        "accepts (rework loop) and the centre deploys. Steps after the approval are inferred (source truncated).",
        [result("Quyết định phê duyệt chủ trương và kinh phí", "decision", ["Ban Giám hiệu / Phó Hiệu trưởng"])])


def qt98():
    b = ProcessBuilder("QT98", "qt98_dang_ky_oto", "Quy trình đăng ký sử dụng ôtô")
    unit = b.lane("requesting_unit", "Đơn vị, viên chức đăng ký", "applicant", None)
    fleet = clerk_lane(b, "PQTTB", "Tổ xe (Phòng Quản trị - Thiết bị)")
    head = head_lane(b, "PQTTB")
    fields = applicant_fields("unit")
    fields.update({"trip_date": forms.date("Ngày đi", "2025-04-02"),
                   "destination": forms.text("Nơi đến", "Sóc Trăng", max_length=200),
                   "passengers": forms.integer("Số người", 1, 45, 4),
                   "trip_purpose": forms.text("Mục đích chuyến đi", "Khảo sát thực địa", max_length=500)})
    start = b.start("start_car_request", "Gửi phiếu đăng ký xe", unit, forms.form(
        "Phiếu đăng ký sử dụng ôtô", "Mô hình suy luận: chưa tìm thấy quy trình của Trường.", fields))
    check = check_task(b, "fleet_check_availability", "Kiểm tra xe, tài xế", fleet, "Còn xe và tài xế vào ngày đi?",
                       "car_available", "Còn xe",
                       {"car_plate": forms.text("Biển số xe", "65A-123.45", max_length=20),
                        "driver_name": forms.text("Tài xế", "Nguyễn Văn E", max_length=120)})
    none = rejection(b, "availability", fleet, "fleet_check_availability_reason", "đăng ký xe")
    approve = decision_task(b, "head_approve_trip", "Lãnh đạo phòng duyệt điều xe", head, "Duyệt lệnh điều xe.",
                            "Duyệt", "Không duyệt")
    refused = rejection(b, "approval", head, "head_approve_trip_comment", "đăng ký xe")
    tell = patterns.notify(b, "notify_car_assigned", "Báo xe, tài xế cho đơn vị", fleet, "applicant",
                           "'Xe ' + car_plate + ' (tài xế ' + driver_name + ') phục vụ ngày ' + trip_date")
    close = form_task(b, "fleet_record_trip", "Ghi nhận số km, chi phí chuyến đi", fleet, "Sau chuyến đi.",
                      {"kilometres": forms.integer("Số km", 0, 5000, 130),
                       "trip_cost_vnd": forms.integer("Chi phí (đồng)", 0, 100_000_000, 900_000)})
    end = b.end("end_trip_done", "Hoàn thành chuyến đi", unit)
    b.chain(start, check)
    patterns.boolean_gateway(b, "gateway_available", "Còn xe?", fleet, "car_available", approve, none)
    b.flow(check, "gateway_available")
    patterns.decision_gateway(b, "gateway_approved", "Duyệt?", head, "head_approve_trip_decision", tell, refused)
    b.flow(approve, "gateway_approved")
    b.chain(tell, close, end)
    return detail_procedure(
        "QT98", b, "Booking a university car",
        "Đăng ký sử dụng xe ôtô của Trường cho công tác.",
        "Đơn vị, viên chức; Phòng Quản trị - Thiết bị (tổ xe); lãnh đạo phòng.",
        "Inferred skeleton (no source found): request, availability check with car and driver, approval by the "
        "head of the facilities office, notification, trip record (km and cost).",
        [], deadline=None)


BUILDERS = {"QT59": qt59, "QT78": qt78, "QT79": qt79, "QT80": qt80, "QT82": qt82, "QT84": qt84, "QT98": qt98}

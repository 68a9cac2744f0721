"""The template for procedures without public step details: submit → office review → sign → result.

What a Vietnamese university usually does: the applicant (student, staff, unit or outsider) submits an
online request; the responsible office's clerk checks the dossier (refusal with a reason ends the case);
the result document is produced, reviewed and digitally signed by the leader (the Rector's board or the
head of the office), sealed by the registry when it is an official document, and the applicant is
notified. Fees, when a procedure has one, go through ``payment_request``/``payment_confirmed``.
Every package built here says that its steps are inferred.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from . import catalogue, forms, patterns
from .generic_table import TABLE, Row
from .model import ProcessBuilder
from .package import Procedure

UNITS_FILE = Path(__file__).resolve().parent.parent / "units.json"
SEALED_TEMPLATES = {"decision", "certificate", "official_letter", "transcript"}
LONG_TERM_TEMPLATES = {"decision", "certificate", "transcript"}

ASKERS = {
    "student": ("Người học", "sinh viên, học viên, nghiên cứu sinh của Trường"),
    "staff": ("Viên chức, người lao động", "viên chức, người lao động của Trường"),
    "unit": ("Đơn vị đề nghị", "các khoa, viện, trung tâm, phòng ban trong Trường"),
    "external": ("Tổ chức, cá nhân đề nghị", "tổ chức, cá nhân ngoài Trường"),
}

#: Legal bases recalled for a few procedures; not read in this session, so each says so.
LEGAL = {
    "QT30": "Luật Sở hữu trí tuệ 2005 (sửa đổi, bổ sung)",
    "QT54": "Luật Đấu thầu 2023 (22/2023/QH15)",
    "QT56": "Luật Quản lý, sử dụng tài sản công 2017 (15/2017/QH14)",
    "QT57": "Luật Quản lý, sử dụng tài sản công 2017 (15/2017/QH14)",
    "QT58": "Luật Quản lý, sử dụng tài sản công 2017 (15/2017/QH14)",
    "QT63": "Luật Thuế thu nhập cá nhân",
    "QT66": "Luật Tố cáo 2018 (25/2018/QH14)",
    "QT67": "Luật Thanh tra 2022 (11/2022/QH15)",
    "QT68": "Nghị định 115/2020/NĐ-CP về tuyển dụng, sử dụng và quản lý viên chức",
    "QT69": "Nghị định 115/2020/NĐ-CP về tuyển dụng, sử dụng và quản lý viên chức",
    "QT73": "Luật Bảo hiểm xã hội",
    "QT75": "Thông tư 09/2009/TT-BGDĐT (quy chế công khai đối với cơ sở giáo dục) – theo tên quy trình",
}


@lru_cache(maxsize=1)
def unit_names() -> dict[str, str]:
    return {u["code"]: u["name_vi"] for u in json.loads(UNITS_FILE.read_text(encoding="utf-8"))}


@lru_cache(maxsize=1)
def unit_names_en() -> dict[str, str]:
    return {u["code"]: u["name_en"] for u in json.loads(UNITS_FILE.read_text(encoding="utf-8"))}


def start_fields(asker: str) -> dict[str, dict]:
    """Who is asking decides the identity fields of the start form."""
    if asker == "student":
        fields = {"student_id": forms.pattern_text("Mã số người học (Student ID)", r"^[A-Za-z0-9]{6,12}$",
                                                   "B2012345"),
                  "full_name": forms.text("Họ và tên (Full name)", "Nguyễn Văn An", max_length=120),
                  "faculty": forms.text("Khoa / Trường thành viên (Faculty)", "Khoa Nông nghiệp")}
    elif asker == "staff":
        fields = {"staff_id": forms.pattern_text("Mã số viên chức (Staff ID)", r"^[A-Za-z0-9]{3,12}$", "002345"),
                  "full_name": forms.text("Họ và tên (Full name)", "Trần Thị Bình", max_length=120),
                  "staff_unit": forms.text("Đơn vị công tác (Unit)", "Khoa Công nghệ", max_length=200)}
    elif asker == "unit":
        fields = {"requesting_unit": forms.text("Đơn vị đề nghị (Requesting unit)", "Khoa Kinh tế",
                                                max_length=200),
                  "contact_person": forms.text("Người liên hệ (Contact person)", "Lê Văn Cường", max_length=120)}
    else:
        fields = {"applicant_name": forms.text("Tên tổ chức / cá nhân (Applicant)", "Công ty TNHH ABC",
                                               max_length=300),
                  "identity_number": forms.text("Số CCCD / mã số thuế (ID or tax number)", "079123456789",
                                                max_length=30),
                  "address": forms.text("Địa chỉ (Address)", "Ninh Kiều, Cần Thơ", max_length=300)}
    fields["email"] = forms.email("Email liên hệ (Contact e-mail)", "lienhe@example.vn")
    fields["phone"] = forms.pattern_text("Số điện thoại (Phone)", r"^[0-9+ ]{9,15}$", "0912345678")
    return fields


def start_form(code: str, row: Row) -> dict:
    name = catalogue.name_vi(code)
    fields = start_fields(row.asker)
    fields["request_title"] = forms.text("Nội dung đề nghị (Subject)", f"Đề nghị theo {code}", max_length=300)
    fields["request_details"] = forms.text("Mô tả chi tiết (Details)", "Nội dung, lý do, thời gian mong muốn.",
                                           multiline=True)
    fields["attachments"] = forms.attachments()
    return forms.form(f"Đề nghị – {name}", f"Biểu mẫu trực tuyến của {code}: {name}. Các bước của quy trình "
                      "là suy luận, chưa đối chiếu văn bản gốc.", fields,
                      [k for k in fields if k != "attachments"])


def review_form(office: str) -> dict:
    schema = forms.form(
        "Kiểm tra hồ sơ (Check the dossier)",
        f"Chuyên viên {office} kiểm tra tính đầy đủ, hợp lệ của hồ sơ và đề xuất kết quả; nếu lãnh đạo trả lại, "
        "xem ý kiến của lãnh đạo trong hồ sơ.",
        {"dossier_complete": forms.yes_no("Hồ sơ đầy đủ, hợp lệ (Dossier complete and valid)"),
         "review_notes": forms.text("Ý kiến thẩm định / đề xuất (Review notes)", "Đủ điều kiện, đề nghị duyệt.",
                                    multiline=True),
         "rejection_reason": forms.optional_text("Lý do từ chối (Reason for refusal)", "")},
        ["dossier_complete", "review_notes"])
    schema["allOf"] = [forms.when_equals("dossier_complete", False, ["rejection_reason"])]
    return schema


def handle_form(office: str) -> dict:
    schema = forms.form(
        "Xử lý đề nghị (Handle the request)",
        f"Chuyên viên {office} kiểm tra và thực hiện đề nghị, ghi kết quả để thông báo cho người đề nghị.",
        {"request_accepted": forms.yes_no("Đề nghị hợp lệ và đã được thực hiện (Request done)"),
         "result_summary": forms.text("Kết quả xử lý (Result)", "Đã thực hiện theo đề nghị.", multiline=True),
         "rejection_reason": forms.optional_text("Lý do từ chối (Reason for refusal)", "")},
        ["request_accepted", "result_summary"])
    schema["allOf"] = [forms.when_equals("request_accepted", False, ["rejection_reason"])]
    return schema


def leader_lane(b: ProcessBuilder, row: Row) -> tuple[str, str]:
    if row.signer == "BGH":
        return b.lane("rectorate", "Ban Giám hiệu (Hiệu trưởng/Phó Hiệu trưởng)", "leader", "BGH"), "Ban Giám hiệu"
    office = unit_names()[row.office]
    return b.lane("office_head", f"Lãnh đạo {office}", "leader", row.office), f"Lãnh đạo {office}"


def subject(code: str) -> str:
    """The procedure's name without the leading 'Quy trình', in lower case: 'cấp thẻ thư viện'."""
    name = catalogue.name_vi(code)
    for prefix in ("Quy trình ", "Quy Trình "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name[0].lower() + name[1:]


def build(code: str) -> Procedure:
    row = TABLE[code]
    office = unit_names()[row.office]
    asker_lane_name, asker_scope = ASKERS[row.asker]
    b = ProcessBuilder(code, row.process_id, catalogue.name_vi(code))
    asker = b.lane("applicant", asker_lane_name, "applicant", None)
    clerk = b.lane("office_clerk", f"Chuyên viên {office}", "clerk", row.office)
    start = b.start("start_request", "Gửi đề nghị trực tuyến", asker, start_form(code, row))
    end = b.end("end_done", "Đã trả kết quả", asker)
    signed_by: list[str] = []
    signed_by_vi: list[str] = []
    if row.signer == "NONE":
        handle = b.user("office_handle", "Kiểm tra và xử lý đề nghị", clerk, handle_form(office))
        rejected = patterns.reject_to_applicant(b, "office", clerk, "rejection_reason", "của bạn")
        done = patterns.notify(b, "notify_result", "Thông báo kết quả cho người đề nghị", clerk, "applicant",
                               f"'{row.result_vi}: ' + result_summary")
        patterns.boolean_gateway(b, "gateway_request_accepted", "Đề nghị được thực hiện?", clerk,
                                 "request_accepted", done, rejected, "Đã thực hiện", "Từ chối")
        b.chain(start, handle, "gateway_request_accepted")
        b.chain(done, end)
    else:
        lead, lead_title = leader_lane(b, row)
        sealed = row.template in SEALED_TEMPLATES
        registry = b.lane("registry", "Văn thư Trường", "clerk", "PHCTH") if sealed else None
        level = patterns.LEVEL_LONG_TERM if row.template in LONG_TERM_TEMPLATES else patterns.LEVEL_BASIC
        review = b.user("office_review", "Kiểm tra hồ sơ, đề xuất kết quả", clerk, review_form(office))
        rejected = patterns.reject_to_applicant(b, "office", clerk, "rejection_reason", "của bạn")
        issued = patterns.issue(b, "issue_result", clerk, row.template, row.result_vi,
                                patterns.authority_lines(lead_title))
        patterns.boolean_gateway(b, "gateway_dossier_complete", "Hồ sơ hợp lệ?", clerk, "dossier_complete",
                                 issued, rejected, "Hợp lệ", "Không hợp lệ")
        sign_review, last = patterns.sign_steps(b, "leader", lead, registry, row.result_vi.lower(), level,
                                                on_reject=review, leader_title=lead_title)
        done = patterns.notify(b, "notify_result", "Thông báo và trả kết quả điện tử", registry or clerk,
                               "applicant", f"'Đã có kết quả: {row.result_vi}. Tải văn bản đã ký số trong hồ sơ.'")
        b.chain(start, review, "gateway_dossier_complete")
        b.chain(issued, sign_review)
        b.chain(last, done, end)
        signed_by = ["leader", "seal"] if sealed else ["leader"]
        signed_by_vi = [lead_title] + (["Chữ ký số của Trường (văn thư)"] if sealed else [])
    legal = [f"{LEGAL[code]} (nhớ từ văn bản, chưa đọc trong nguồn của phiên này – cần kiểm tra)."] \
        if code in LEGAL else []
    legal.append("Quy định nội bộ của Trường về quy trình này (chưa tìm thấy bản công bố).")
    return Procedure(
        builder=b,
        name_en=row.name_en,
        level_2023=catalogue.level_2023(code),
        confidence="inferred",
        fee_vnd=None,
        deadline_working_days=None,
        sources=[{"title": "Bảng 5 – danh mục 99 quy trình cấp Trường (báo cáo nguồn trong seeds/000)",
                  "role": "procedure name and 2023 level only"}],
        result_documents=[{"name_vi": row.result_vi, "template": row.template, "signed_by": signed_by,
                           "signed_by_vi": signed_by_vi,
                           **({"signature_level": "B-LTA" if row.template in LONG_TERM_TEMPLATES else "B-T"}
                              if signed_by else {})}],
        purpose_vi=f"Giải quyết trực tuyến toàn trình việc: {subject(code)}; kết quả là {row.result_vi.lower()}" + (" được ký số." if signed_by else "."),
        scope_vi=f"Người đề nghị: {asker_scope}. Đơn vị chủ trì: {office}."
                 + (f" Người ký: {signed_by_vi[0]}." if signed_by_vi else ""),
        dossier_vi=["Đơn/phiếu đề nghị (biểu mẫu trực tuyến)", "Tài liệu kèm theo (tệp đính kèm, nếu có)"],
        legal_vi=legal,
        notes_vi=["Các bước, người ký, biểu mẫu và văn bản kết quả được suy luận từ tên quy trình và cách phân "
                  "công thông thường; thời hạn và lệ phí chưa rõ nên không có bước thanh toán và hẹn giờ."],
        summary_en=f"Generic online flow: the requester submits the form; a clerk of the {unit_names_en()[row.office]} "
                   f"({row.office}) checks the dossier and may refuse with a reason; "
                   + ("the clerk carries out the request and the requester is notified."
                      if row.signer == "NONE" else
                      f"the result ({row.template}) is produced, reviewed and digitally signed by the "
                      f"{'Rectorate' if row.signer == 'BGH' else 'head of the office'}"
                      + (", sealed by the registry" if row.template in SEALED_TEMPLATES else "")
                      + ", and delivered online."),
        inferred_steps=True,
    )

"""QT74 – incoming and outgoing official documents at university level (Decree 30/2020, national axis).

One procedure, two directions chosen by the start form's ``direction``:

- ``den`` (incoming): the axis connector starts the case from the edXML package (status 01 is sent by
  the connector on receipt); the model reports 02 (returned), 03 (registered), 04 (assigned), 05
  (processing) and 06 (finished) back through ``axis_send_status``. While the document is handled, the
  case also listens for the sender's recall (status 13 → a registry task deciding 15 agree / 16 refuse)
  and for a revoke/update/replace package (the registry is told; a revoke ends the case).
- ``di`` (outgoing): a unit drafts, the letter is issued, a leader signs, the registry seals it with
  the organisation's signature and ``axis_send_document`` sends it; the case then waits for the
  recipient's statuses, each one recorded, until 06 (finished) or 02 (returned).
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import catalogue, forms, patterns
from ..model import ProcessBuilder
from ..package import Procedure

CODE = "QT74"
UNITS_FILE = Path(__file__).resolve().parents[2] / "units.json"


def handling_units() -> list[tuple[str, str]]:
    units = json.loads(UNITS_FILE.read_text(encoding="utf-8"))
    return [(u["code"], u["name_vi"]) for u in units if u["code"] not in ("BGH", "HDT")]


def start_form() -> dict:
    units = handling_units()
    fields = {
        "direction": forms.choice("Chiều văn bản (Direction)", [("den", "Văn bản đến (incoming)"),
                                                                  ("di", "Văn bản đi (outgoing)")]),
        "document_id": forms.text("Mã văn bản trên Trục (DocumentId)", "000.00.00.G22,2025/01/15,123/VPCP-KGVX",
                                  "Dạng {mã định danh cơ quan gửi},{yyyy/MM/dd},{số}/{ký hiệu}.", max_length=200),
        "sender_organ_id": forms.text("Mã định danh cơ quan gửi (OrganId)", "000.00.00.G22", max_length=50),
        "sender_organ_name": forms.text("Tên cơ quan gửi (OrganName)", "Văn phòng Chính phủ", max_length=300),
        "subject": forms.text("Trích yếu nội dung (Subject)", "V/v triển khai chuyển đổi số trong giáo dục",
                              max_length=1000),
        "code_number": forms.text("Số văn bản (CodeNumber)", "123", max_length=20),
        "code_notation": forms.text("Ký hiệu văn bản (CodeNotation)", "VPCP-KGVX", max_length=100),
        "document_type": forms.choice("Loại văn bản (DocumentType)", [
            ("cong_van", "Công văn"), ("quyet_dinh", "Quyết định"), ("thong_bao", "Thông báo"),
            ("ke_hoach", "Kế hoạch"), ("bao_cao", "Báo cáo"), ("khac", "Khác")]),
        "promulgation_date": forms.date("Ngày ban hành (PromulgationDate)", "2025-01-15"),
        "received_at": forms.datetime_field("Thời điểm nhận (Received at)", "2025-01-15T09:12:00+07:00"),
        "urgency": forms.choice("Độ khẩn (Urgency)", [
            ("thuong", "Thường"), ("khan", "Khẩn"), ("thuong_khan", "Thượng khẩn"), ("hoa_toc", "Hỏa tốc")]),
        "due_date": forms.optional_text("Hạn trả lời do cơ quan gửi đề nghị (DueDate)", ""),
        "attachments": forms.attachments("Tệp văn bản và phụ lục (Attachments)"),
        "envelope_signature": {"type": "string", "title": "Chữ ký phong bì gói tin (Envelope signature)",
                               "description": "Kết quả kiểm tra chữ ký XML của gói edXML khi nhận.", "maxLength": 500,
                               "default": ""},
        "attachment_warnings": {"type": "array", "title": "Cảnh báo chữ ký số tệp đính kèm (Attachment warnings)",
                                "description": "Tệp PDF có chữ ký không hợp lệ hoặc chưa xác định được, do hệ "
                                               "thống kiểm tra khi nhận; văn thư cần xem trước khi đăng ký.",
                                "items": {"type": "string", "maxLength": 1000}, "default": []},
        "drafting_unit": forms.choice("Đơn vị soạn thảo văn bản đi (Drafting unit)", units),
        "recipient_organ_id": forms.text("Mã định danh cơ quan nhận (Recipient OrganId)", "000.00.00.G03",
                                         max_length=50),
        "recipient_organ_name": forms.text("Tên cơ quan nhận (Recipient)", "Bộ Giáo dục và Đào tạo", max_length=300),
        "code_notation_out": forms.text("Ký hiệu văn bản đi (Notation)", "ĐHCT-HCTH", max_length=100),
    }
    incoming = ["document_id", "sender_organ_id", "sender_organ_name", "subject", "code_number", "code_notation",
                "document_type", "promulgation_date", "received_at", "urgency", "attachments"]
    outgoing = ["drafting_unit", "recipient_organ_id", "recipient_organ_name", "subject", "document_type"]
    schema = forms.form(
        "Văn bản đến qua Trục liên thông hoặc văn bản đi (Incoming document from the axis, or an outgoing one)",
        "Văn bản đến: được điền tự động từ gói edXML (QCVN 102:2016/BTTTT) khi nhận; văn thư có thể nhập tay văn "
        "bản giấy đã số hóa. Văn bản đi: đơn vị soạn thảo nêu cơ quan nhận và trích yếu. (Incoming: filled from "
        "the edXML package on receipt. Outgoing: the drafting unit names the recipient and the subject.)",
        fields, ["direction"])
    schema["allOf"] = [forms.when_equals("direction", "den", incoming), forms.when_equals("direction", "di", outgoing)]
    return schema


def register_form() -> dict:
    fields = {
        "authentic_and_complete": forms.yes_no(
            "Văn bản xác thực, toàn vẹn, đúng nơi nhận (Authentic, intact, addressed to us)",
            "Kiểm tra chữ ký số của cơ quan gửi và tính toàn vẹn của tệp (Điều 21 Nghị định 30/2020)."),
        "incoming_number": forms.integer("Số đến (Incoming number)", 1, 999999, 1024,
                                         "Số đến liên tiếp trong năm, chung cho văn bản giấy và điện tử (Điều 22)."),
        "registered_at": forms.datetime_field("Thời điểm đăng ký (Registered at)", "2025-01-15T09:30:00+07:00"),
        "return_reason": forms.optional_text("Lý do trả lại văn bản (Reason for returning)", ""),
    }
    schema = forms.form(
        "Tiếp nhận và đăng ký văn bản đến (Receive and register)",
        "Văn thư kiểm tra tính xác thực và toàn vẹn; nếu đạt thì cấp số đến và đăng ký, nếu không đạt thì trả lại "
        "cơ quan gửi kèm lý do (trạng thái 02).", fields, ["authentic_and_complete"])
    schema["allOf"] = [forms.when_equals("authentic_and_complete", True, ["incoming_number", "registered_at"]),
                       forms.when_equals("authentic_and_complete", False, ["return_reason"])]
    return schema


def assign_form() -> dict:
    units = handling_units()
    fields = {
        "assigned_unit": forms.choice("Đơn vị chủ trì giải quyết (Lead unit)", units),
        "co_units": {"type": "array", "title": "Đơn vị phối hợp (Co-operating units)", "uniqueItems": True,
                     "items": {"type": "string", "enum": [code for code, _ in units]}, "examples": [["PKHTC"]]},
        "instructions": forms.text("Ý kiến chỉ đạo (Instructions)", "Phòng Đào tạo chủ trì, tham mưu trả lời.",
                                   multiline=True),
        "handling_deadline": forms.date("Thời hạn giải quyết (Handling deadline)", "2025-01-25"),
    }
    return forms.form(
        "Cho ý kiến chỉ đạo, giao xử lý (Instructions and assignment)",
        "Người có thẩm quyền ghi ý kiến chỉ đạo, giao đơn vị chủ trì, đơn vị phối hợp và thời hạn (Điều 23).",
        fields, ["assigned_unit", "instructions", "handling_deadline"])


def accept_form() -> dict:
    return forms.form(
        "Đơn vị nhận văn bản, bắt đầu xử lý (Unit starts processing)",
        "Đơn vị chủ trì xác nhận đã nhận văn bản và phân công người xử lý; cơ quan gửi được báo trạng thái 05.",
        {"handler_name": forms.text("Người được giao xử lý (Handler)", "Trần Thị Bình", max_length=120),
         "planned_completion": forms.date("Dự kiến hoàn thành (Planned completion)", "2025-01-22")})


def process_form() -> dict:
    fields = {
        "handling_summary": forms.text("Kết quả giải quyết (What was done)",
                                       "Đã tham mưu văn bản trả lời số 45/ĐHCT-ĐT.", multiline=True),
        "reply_needed": forms.yes_no("Cần ban hành văn bản trả lời (A reply document is needed)", usual=False),
        "reply_reference": forms.optional_text("Số, ký hiệu văn bản trả lời (Reply reference)", ""),
    }
    schema = forms.form(
        "Giải quyết văn bản đến (Handle the document)",
        "Đơn vị chủ trì giải quyết theo thời hạn được giao (Điều 24); khi hoàn thành, cơ quan gửi được báo trạng "
        "thái 06. Văn bản trả lời (nếu có) được ban hành theo quy trình văn bản đi.", fields, ["handling_summary"])
    schema["allOf"] = [forms.when_equals("reply_needed", True, ["reply_reference"])]
    return schema


def recall_form() -> dict:
    fields = {
        "recall_decision": forms.choice("Quyết định (Decision)", [
            ("agree", "Đồng ý trả lại văn bản (15)"), ("refuse", "Từ chối, văn bản đã được xử lý (16)")]),
        "recall_reason": forms.text("Lý do / ghi chú gửi bên gửi (Reason sent back)",
                                    "Văn bản chưa được xử lý, đồng ý trả lại.", max_length=1000),
    }
    return forms.form(
        "Xử lý yêu cầu thu hồi văn bản (Sender recalls the document)",
        "Cơ quan gửi yêu cầu lấy lại văn bản (trạng thái 13). Nếu văn bản chưa được giải quyết, văn thư đồng ý "
        "(15) và hồ sơ kết thúc; nếu đã giải quyết, từ chối (16) kèm lý do.", fields)


def draft_form() -> dict:
    fields = {
        "letter_body": forms.text("Nội dung văn bản (Body)", "Trường Đại học Cần Thơ báo cáo kết quả triển khai "
                                  "chữ ký số như sau: ...", multiline=True),
        "signer_title": forms.choice("Thẩm quyền ký (Signing authority)", [
            ("Hiệu trưởng", "Hiệu trưởng"), ("Phó Hiệu trưởng", "Phó Hiệu trưởng (KT. Hiệu trưởng)")]),
    }
    return forms.form(
        "Soạn thảo văn bản đi, trình ký (Draft the outgoing document)",
        "Đơn vị soạn thảo nhập nội dung; hệ thống tạo văn bản theo thể thức Nghị định 30/2020 (Phụ lục I) để "
        "lãnh đạo ký số.", fields)


def status(b: ProcessBuilder, node_id: str, name: str, lane: str, code: str, reason: str) -> str:
    return b.service(node_id, name, lane, "axis_send_status", {"status_code": repr(code), "reason": reason},
                     result=f"{node_id}_result")


def build() -> Procedure:
    b = ProcessBuilder(CODE, "qt74_cong_van_den", catalogue.name_vi(CODE))
    sender = b.lane("sender", "Cơ quan gửi (qua Trục liên thông)", "agency", None)
    registry = b.lane("registry", "Văn thư Trường", "clerk", "PHCTH")
    leader = b.lane("leader", "Lãnh đạo Trường (Hiệu trưởng/Phó Hiệu trưởng)", "leader", "BGH")
    unit = b.lane("unit", "Đơn vị chủ trì giải quyết", "clerk", None, unit_from="assigned_unit")
    drafter = b.lane("drafter", "Đơn vị soạn thảo văn bản đi", "clerk", None, unit_from="drafting_unit")

    start = b.start("start_document_received", "Nhận văn bản đến từ Trục hoặc lập văn bản đi", sender,
                    start_form())
    direction = b.gateway("gateway_direction", "Văn bản đến hay văn bản đi?", sender)
    watch = b.parallel("split_watch_sender", "Giải quyết, đồng thời theo dõi yêu cầu của bên gửi", registry)
    register = b.user("vt_register", "Kiểm tra, cấp số đến, đăng ký văn bản", registry, register_form(),
                      documentation="Kiểm tra chữ ký số, tính toàn vẹn; cấp số đến; trình trong ngày hoặc chậm "
                                    "nhất ngày làm việc tiếp theo.")
    overdue = b.deadline("vt_register_overdue", "Quá 1 ngày làm việc chưa đăng ký", register, "P1D")
    remind = patterns.notify(b, "notify_register_overdue", "Nhắc văn thư trình văn bản", registry, "clerk",
                             "'Văn bản đến ' + document_id + ' chưa được đăng ký và trình trong thời hạn.'")
    remind_end = b.end("end_register_reminded", "Đã nhắc việc", registry)
    returned = status(b, "axis_status_02_returned", "Báo trả lại văn bản (02)", registry, "02", "return_reason")
    returned_end = b.end("end_document_returned", "Văn bản đã trả lại", sender, terminate=True)
    registered = status(b, "axis_status_03_registered", "Báo đã tiếp nhận, đăng ký (03)", registry, "03",
                        "'Đã tiếp nhận, số đến ' + str(incoming_number)")
    patterns.boolean_gateway(b, "gateway_authentic", "Văn bản hợp lệ?", registry, "authentic_and_complete",
                             registered, returned, "Hợp lệ", "Không hợp lệ")
    assign = b.user("leader_assign", "Cho ý kiến chỉ đạo, giao đơn vị xử lý", leader, assign_form())
    assigned = status(b, "axis_status_04_assigned", "Báo đã phân công xử lý (04)", leader, "04",
                      "'Đã giao ' + assigned_unit + ' chủ trì giải quyết'")
    tell_unit = patterns.notify(b, "notify_assigned_unit", "Chuyển văn bản cho đơn vị chủ trì", registry,
                                "unit", "'Văn bản ' + code_number + '/' + code_notation + ' được giao xử lý: ' "
                                        "+ instructions")
    b.nodes[tell_unit].params["to"] = "'unit:' + assigned_unit"
    accept = b.user("unit_accept", "Nhận văn bản, phân công người xử lý", unit, accept_form())
    processing = status(b, "axis_status_05_processing", "Báo đang xử lý (05)", unit, "05",
                        "'Đang xử lý tại ' + assigned_unit")
    handle = b.user("unit_process", "Giải quyết văn bản đến", unit, process_form())
    finished = status(b, "axis_status_06_finished", "Báo đã xử lý xong (06)", unit, "06", "handling_summary")
    end = b.end("end_document_handled", "Văn bản đã được giải quyết", unit, terminate=True)

    b.flow(start, direction)
    b.flow(direction, watch, name="Văn bản đến", default=True)
    b.chain(watch, register, "gateway_authentic")
    watch_sender(b, watch, registry)
    outgoing_path(b, direction, drafter, leader, registry)
    b.chain(overdue, remind, remind_end)
    b.chain(returned, returned_end)
    b.chain(registered, assign, assigned, tell_unit, accept, processing, handle, finished, end)

    return procedure(b)


def watch_sender(b: ProcessBuilder, split: str, registry: str) -> None:
    """While the document is handled: the sender's recall (13) and revoke/update/replace packages."""
    recall = b.message_catch("catch_axis_recall", "Bên gửi yêu cầu lấy lại văn bản (13)", registry, "axis_recall",
                             variable="axis_recall")
    decide = b.user("vt_recall", "Xử lý yêu cầu thu hồi văn bản", registry, recall_form(),
                    documentation="Kiểm tra văn bản đã được giải quyết chưa; đồng ý trả lại (15) hoặc từ chối (16).")
    agreed = status(b, "axis_status_15_recall_agreed", "Báo đồng ý trả lại văn bản (15)", registry, "15",
                    "recall_reason")
    refused = status(b, "axis_status_16_recall_refused", "Báo từ chối trả lại văn bản (16)", registry, "16",
                     "recall_reason")
    recalled_end = b.end("end_document_recalled", "Văn bản đã trả lại theo yêu cầu bên gửi", registry, terminate=True)
    kept_end = b.end("end_recall_refused", "Tiếp tục giải quyết văn bản", registry)
    gw = b.gateway("gateway_recall", "Đồng ý trả lại?", registry)
    b.flow(gw, agreed, condition="recall_decision == 'agree'", name="Đồng ý")
    b.flow(gw, refused, name="Từ chối", default=True)
    b.chain(split, recall, decide, gw)
    b.chain(agreed, recalled_end)
    b.chain(refused, kept_end)

    changed = b.message_catch("catch_axis_document_changed", "Bên gửi thu hồi, cập nhật hoặc thay thế văn bản",
                              registry, "axis_document_changed", variable="document_change")
    tell = patterns.notify(b, "notify_document_changed", "Báo văn thư: văn bản đến đã thay đổi", registry, "clerk",
                           "'Văn bản ' + document_id + ' đã được bên gửi ' + "
                           "{'revoke': 'thu hồi', 'update': 'cập nhật', 'replace': 'thay thế'}"
                           ".get(document_change.get('change'), 'thay đổi') + '.'")
    revoked_end = b.end("end_document_revoked", "Văn bản bị bên gửi thu hồi", registry, terminate=True)
    noted_end = b.end("end_change_noted", "Đã ghi nhận thay đổi", registry)
    gw_change = b.gateway("gateway_change", "Văn bản bị thu hồi?", registry)
    b.flow(gw_change, revoked_end, condition="document_change.get('change') == 'revoke'", name="Thu hồi")
    b.flow(gw_change, noted_end, name="Cập nhật/thay thế", default=True)
    b.chain(split, changed, tell, gw_change)


def outgoing_path(b: ProcessBuilder, direction: str, drafter: str, leader: str, registry: str) -> None:
    """Draft → issue → leader signs → organisation seal → send over the axis → statuses until 06/02."""
    draft = b.user("di_draft", "Soạn thảo văn bản đi, trình ký", drafter, draft_form())
    issue = patterns.issue(b, "di_issue", drafter, "official_letter", "Công văn")
    review, sealed = patterns.sign_steps(b, "di", leader, registry, "văn bản đi", patterns.LEVEL_BASIC,
                                         on_reject=draft, leader_title="Lãnh đạo Trường")
    send = b.service("di_send_axis", "Phát hành văn bản qua Trục liên thông", registry, "axis_send_document", {},
                     result="axis_sent")
    wait = b.message_catch("di_wait_status", "Nhận trạng thái xử lý từ cơ quan nhận", registry, "axis_status",
                           variable="axis_status")
    gw = b.gateway("gateway_recipient_status", "Cơ quan nhận đã xử lý xong?", registry)
    returned = patterns.notify(b, "notify_outgoing_returned", "Báo đơn vị soạn thảo: văn bản bị trả lại", registry,
                               "unit",
                               "'Cơ quan nhận trả lại văn bản: ' + axis_status.get('status_description', '')")
    b.nodes[returned].params["to"] = "'unit:' + drafting_unit"
    done_end = b.end("end_outgoing_handled", "Cơ quan nhận đã xử lý xong (06)", registry)
    returned_end = b.end("end_outgoing_returned", "Văn bản đi bị trả lại (02)", drafter)
    b.flow(direction, draft, condition="direction == 'di'", name="Văn bản đi")
    b.chain(draft, issue, review)
    b.chain(sealed, send, wait, gw)
    b.flow(gw, done_end, condition="axis_status.get('status_code') == '06'", name="06 Hoàn thành")
    b.flow(gw, returned, condition="axis_status.get('status_code') == '02'", name="02 Trả lại")
    b.flow(gw, wait, name="Trạng thái khác: chờ tiếp", default=True)
    b.chain(returned, returned_end)


def procedure(b: ProcessBuilder) -> Procedure:
    detail = catalogue.details()[CODE]
    return Procedure(
        builder=b,
        name_en="Receiving and handling incoming and outgoing official documents",
        level_2023=catalogue.level_2023(CODE),
        confidence=detail["confidence"],
        fee_vnd=0,
        deadline_working_days=detail["time_limit_working_days"],
        sources=catalogue.sources(CODE),
        started_by="axis",
        result_documents=[],
        purpose_vi="Tiếp nhận, đăng ký, trình, chuyển giao và giải quyết văn bản đến cấp Trường, bao gồm văn bản "
                   "điện tử nhận qua Trục liên thông văn bản quốc gia; cơ quan gửi được cập nhật trạng thái xử lý "
                   "tự động (02, 03, 04, 05, 06) như Quyết định 28/2018/QĐ-TTg yêu cầu; yêu cầu lấy lại (13) được văn thư "
                   "trả lời (15/16). Văn bản đi được soạn thảo, ký số (lãnh đạo, rồi chữ ký số của cơ quan) và phát "
                   "hành qua Trục; trạng thái của cơ quan nhận được ghi nhận vào hồ sơ đến khi hoàn thành (06) hoặc "
                   "bị trả lại (02).",
        scope_vi="Văn thư Trường (Phòng Hành chính - Tổng hợp), Ban Giám hiệu (người có thẩm quyền cho ý kiến chỉ "
                 "đạo), các đơn vị được giao chủ trì, phối hợp giải quyết; đơn vị soạn thảo văn bản đi. Văn bản mật và văn "
                 "bản gửi đích danh không thuộc mô hình này.",
        dossier_vi=["Văn bản đến (gói edXML kèm tệp đính kèm đã ký số của cơ quan gửi)",
                    "Phiếu giải quyết văn bản đến (Phụ lục IV Nghị định 30/2020) – thay bằng biểu mẫu chỉ đạo "
                    "trên hệ thống",
                    "Sổ đăng ký văn bản đến – thay bằng dữ liệu đăng ký trên hệ thống"],
        legal_vi=["Nghị định 30/2020/NĐ-CP về công tác văn thư (Điều 21–24: tiếp nhận, đăng ký, trình, chuyển "
                  "giao, giải quyết và theo dõi văn bản đến).",
                  "Quyết định 28/2018/QĐ-TTg về gửi, nhận văn bản điện tử qua Trục liên thông văn bản quốc gia.",
                  "QCVN 102:2016/BTTTT (cấu trúc gói tin edXML, mã trạng thái)."],
        notes_vi=["Thời hạn 1 ngày làm việc là thời hạn trình văn bản đến (trong ngày, chậm nhất ngày làm việc tiếp "
                  "theo); thời hạn giải quyết do lãnh đạo giao cho từng văn bản.",
                  "Trạng thái 01 (đã đến) do bộ kết nối Trục gửi tự động khi nhận gói; không nằm trong mô hình.",
                  "Văn bản đi: số văn bản lấy theo mã hồ sơ khi phát hành (chưa có sổ văn bản đi riêng); gói edXML "
                  "được ký XML-DSig bằng khóa của cơ quan khi cơ quan đã cài khóa.",
                  "Khi nhận, chữ ký phong bì và chữ ký số của tệp PDF được kiểm tra tự động; kết quả hiện ở trường "
                  "'Cảnh báo chữ ký số tệp đính kèm' để văn thư xem trước khi đăng ký.",
                  "Nội dung Nghị định được đọc qua bản diễn giải thứ cấp; văn bản Nghị định là căn cứ chính thức."],
        summary_en="A document arrives over the national document axis and starts a case (status 01 is sent by "
                   "the connector). The registry clerk checks authenticity and integrity and either returns it "
                   "(status 02 with the reason) or registers it with the next incoming number (status 03), with a "
                   "reminder if not done within a day. A Rector/Vice-Rector writes instructions and assigns a lead "
                   "unit and deadline (status 04); the unit accepts it (status 05), handles it and records the "
                   "outcome (status 06). While it is handled, a recall by the sender (status 13) becomes a registry task "
                   "answering 15 (agree, the case ends) or 16 (refuse), and a revoke/update/replace package is "
                   "reported to the registry (a revoke ends the case). Outgoing documents (direction 'di'): a unit "
                   "drafts, the letter is issued, a leader signs, the registry adds the organisation's signature and "
                   "the package is sent over the axis; the case records each status from the recipient until 06 "
                   "(finished) or 02 (returned, the drafting unit is told). Based on Decree 30/2020 Articles 21–24.",
    )

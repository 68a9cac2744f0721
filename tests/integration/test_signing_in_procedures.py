"""QT13 end to end with real signatures: the transcript is issued from the case's data, signed by the
PDT leader who approved it and then sealed by the university, at B-LTA against a loopback PKI.

Checked independently of the code under test: poppler's pdfsig (each signature's cryptography),
pyHanko's validator with the demo root as the only trust anchor, pdftotext for the printed text, and
the engine's hash-chained audit trail."""

from __future__ import annotations

import hashlib
import re
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from app.keystore import ORGANISATION, Keystore, create_demo_keys
from engine.models import CaseDocument, Document
from signing.testing import PKIServer

from .conftest import PROCESSES, deploy_qt13, make_container

START = {
    "student_id": "B2012345", "full_name": "Nguyễn Thị Ánh Tuyết", "date_of_birth": "2002-05-17",
    "programme": "Kỹ thuật phần mềm", "faculty": "Trường Công nghệ Thông tin và Truyền thông",
    "transcript_language": "vi", "copies": 2, "purpose": "Nộp hồ sơ du học", "delivery_method": "online",
    "email": "tuyet@student.ctu.edu.vn", "phone": "0912345678",
}
CHECK = {"record_found": True, "credits_accumulated": 120, "cumulative_gpa": 3.12, "request_valid": True,
         "grade_records_summary": "Đã đối chiếu 45 học phần, 120 tín chỉ; không có điểm chưa nhập."}
LEADER = ("tp.pdt", "Nguyễn Hoàng Phúc")


def task_of(c: Any, actor: Any, bpmn_id: str) -> str:
    page = c.engine.inbox(actor)
    items = page.items if hasattr(page, "items") else page.to_dict()["items"]
    for item in items:
        row = item if isinstance(item, dict) else item.to_dict()
        if row["bpmn_id"] == bpmn_id:
            return row["id"]
    raise AssertionError(f"{bpmn_id} not in the inbox of {actor.user_id}: {items}")


def run_to_approval(c: Any, staff: dict) -> int:
    """Request, pay, check, approve: the case then issues the transcript and the leader's key signs it."""
    eng = c.engine
    case = eng.start("QT13", START, staff["sv"])
    assert case.status == "waiting", case
    eng.send_message("payment_confirmed", str(case.id), {"case_id": case.id, "amount_vnd": 10000, "reference": "VNPAY-1"})
    eng.complete(task_of(c, staff["cv.pdt"], "pdt_check_request"), CHECK, staff["cv.pdt"])
    eng.complete(task_of(c, staff["tp.pdt"], "pdt_leader_sign"), {"pdt_leader_decision": "approve",
                                                                   "pdt_leader_comment": "Đồng ý."}, staff["tp.pdt"])
    return case.id


def apply_seal(c: Any, staff: dict, case_id: int, register_number: str = "88/BĐ-ĐHCT") -> Any:
    """The văn thư checks the signed transcript and applies the seal (the organisation's key signs)."""
    task = task_of(c, staff["vt"], "pdt_leader_seal")
    return c.engine.complete(task, {"pdt_leader_seal_confirm": True, "pdt_leader_seal_register_number": register_number,
                                    "pdt_leader_seal_comment": "Thể thức đúng."}, staff["vt"])


def run_to_the_end(c: Any, staff: dict) -> int:
    case_id = run_to_approval(c, staff)
    apply_seal(c, staff, case_id)
    return case_id


def result_documents(c: Any, case_id: int) -> list[tuple[str, bytes]]:
    with c.sessions() as s:
        rows = s.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id, CaseDocument.role == "result")
                         .order_by(CaseDocument.id)).all()
        return [(r.name, s.get(Document, r.sha256).content) for r in rows]


def pdfsig_signatures(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run(["pdfsig", "-no-ocsp", str(pdf)], capture_output=True, text=True).stdout
    blocks = re.split(r"^Signature #\d+:", out, flags=re.M)[1:]
    return [dict(re.findall(r"^\s+- ([^:\n]+): (.*)$", block, flags=re.M)) for block in blocks]


def signature_events(c: Any, case_id: int, auditor: Any) -> list[dict]:
    return [e["payload"] for e in c.engine.audit_events(case_id, auditor) if e["kind"] == "signature_applied"]


def test_qt13_transcript_is_signed_by_the_approving_leader_then_sealed(signing_container, staff, pki_server: PKIServer,
                                                                       tmp_path: Path) -> None:
    c = signing_container
    create_demo_keys(c, pki=pki_server.pki, users=[LEADER])
    case_id = run_to_approval(c, staff)
    waiting = c.engine.case(case_id, staff["kt"])
    assert waiting.status == "waiting", (waiting.status, waiting.incidents)
    assert len(result_documents(c, case_id)) == 2, "signed by the leader; the seal waits for the văn thư"
    assert [t["bpmn_id"] for t in waiting.tasks if t["status"] == "ready"] == ["pdt_leader_seal"]
    apply_seal(c, staff, case_id)

    case = c.engine.case(case_id, staff["kt"])
    assert case.status == "completed", (case.status, case.incidents)
    docs = result_documents(c, case_id)
    assert [name for name, _ in docs] == [f"{case_id}-bang-diem-tieng-viet.pdf",
                                          f"{case_id}-bang-diem-tieng-viet.ky-so-1.pdf",
                                          f"{case_id}-bang-diem-tieng-viet.ky-so-2.pdf"]
    final = tmp_path / "final.pdf"
    final.write_bytes(docs[-1][1])

    # poppler: two signatures (leader, then seal), both cryptographically valid; B-LTA adds doc timestamps
    sigs = pdfsig_signatures(final)
    people = [s for s in sigs if "DEMO" in s.get("Signer Certificate Common Name", "")]
    assert [s["Signer Certificate Common Name"] for s in people] == ["DEMO - Nguyễn Hoàng Phúc",
                                                                     "Trường Đại học Cần Thơ (DEMO)"]
    assert all(s["Signature Validation"] == "Signature is Valid." for s in people), people
    assert len(sigs) == 4  # each B-LTA signature is sealed by a document timestamp

    # pyHanko with the demo root as the only anchor: both intact, trusted, timestamped
    reader = PdfFileReader(BytesIO(docs[-1][1]), strict=False)
    context = ValidationContext(trust_roots=pki_server.pki.trust_roots_asn1(), allow_fetching=True)
    signed = [s for s in reader.embedded_signatures if s.sig_object.get("/Type") != "/DocTimeStamp"]
    assert [s.field_name for s in signed] == ["LanhDao", "DongDau"]
    statuses = [validate_pdf_signature(s, context) for s in signed]
    assert all(st.bottom_line for st in statuses) and all(st.timestamp_validity for st in statuses)

    # the transcript prints the case's data with its diacritics, the seal its organisation
    text = subprocess.run(["pdftotext", str(final), "-"], capture_output=True, text=True).stdout
    for expected in ("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BẢNG ĐIỂM", "Nguyễn Thị Ánh Tuyết", "Kỹ thuật phần mềm",
                     "3,12", "TRƯỞNG PHÒNG ĐÀO TẠO", f"Số: {case_id}/BĐ-ĐHCT"):
        assert expected in text, expected

    # the audit trail: two signature events chaining the documents, and an intact chain
    events = signature_events(c, case_id, staff["kt"])
    assert [(e["role"], e["signer"], e["level"], e["downgraded"]) for e in events] == [
        ("leader", "tp.pdt", "B-LTA", False), ("seal", ORGANISATION, "B-LTA", False)]
    hashes = [hashlib.sha256(content).hexdigest() for _, content in docs]
    assert events[0]["sha256_before"] == hashes[0] and events[0]["sha256_after"] == hashes[1]
    assert events[1]["sha256_before"] == hashes[1] and events[1]["sha256_after"] == hashes[2]
    assert events[0]["certificate_fingerprint_sha256"] != events[1]["certificate_fingerprint_sha256"]
    # the seal's key is the organisation's, the person who applied it is the văn thư who did the task
    assert (events[1]["applied_by"], events[1]["register_number"]) == ("vt", "88/BĐ-ĐHCT")
    assert events[0]["applied_by"] is None
    trail = c.engine.audit_events(case_id, staff["kt"])
    seal_task = next(e for e in trail if e["kind"] == "task_completed" and e["payload"]["task"] == "pdt_leader_seal")
    assert seal_task["actor"] == "vt"
    assert trail.index(seal_task) < next(i for i, e in enumerate(trail)
                                         if e["kind"] == "signature_applied" and e["payload"]["role"] == "seal")
    assert c.engine.verify_audit(case_id).ok
    assert case.data["pdt_leader_seal_signature"]["sha256"] == hashes[2]


def test_after_a_rejection_the_re_issued_transcript_is_the_one_signed(signing_container, staff,
                                                                     pki_server: PKIServer) -> None:
    c, eng = signing_container, signing_container.engine
    create_demo_keys(c, pki=pki_server.pki, users=[LEADER])
    case = eng.start("QT13", START, staff["sv"])
    eng.send_message("payment_confirmed", str(case.id), {"case_id": case.id, "amount_vnd": 10000})
    eng.complete(task_of(c, staff["cv.pdt"], "pdt_check_request"), {**CHECK, "cumulative_gpa": 3.01}, staff["cv.pdt"])
    eng.complete(task_of(c, staff["tp.pdt"], "pdt_leader_sign"), {
        "pdt_leader_decision": "reject", "pdt_leader_comment": "Điểm trung bình chưa đúng."}, staff["tp.pdt"])
    assert signature_events(c, case.id, staff["kt"]) == []
    eng.complete(task_of(c, staff["cv.pdt"], "pdt_check_request"), CHECK, staff["cv.pdt"])
    eng.complete(task_of(c, staff["tp.pdt"], "pdt_leader_sign"), {"pdt_leader_decision": "approve"}, staff["tp.pdt"])
    apply_seal(c, staff, case.id)

    assert eng.case(case.id, staff["kt"]).status == "completed"
    docs = result_documents(c, case.id)
    assert len(docs) == 4  # two issued transcripts, then the leader's and the seal's versions of the second
    first, second = (hashlib.sha256(content).hexdigest() for _, content in docs[:2])
    assert first != second
    events = signature_events(c, case.id, staff["kt"])
    assert events[0]["sha256_before"] == second
    text = subprocess.run(["pdftotext", "-", "-"], input=docs[-1][1], capture_output=True).stdout.decode()
    assert "3,12" in text and "3,01" not in text


def test_missing_leader_key_is_an_incident_in_vietnamese_then_retry_completes(signing_container, staff,
                                                                             pki_server: PKIServer) -> None:
    c = signing_container
    create_demo_keys(c, pki=pki_server.pki, users=[])  # the seal only: the leader has no key yet
    case_id = run_to_approval(c, staff)

    case = c.engine.case(case_id, staff["kt"])
    assert case.status == "incident"
    [incident] = c.engine.incidents(staff["po"])
    assert incident.bpmn_id == "pdt_leader_sign_leader" and incident.error_code == "key_missing"
    assert "Chưa có khóa ký số cho người dùng tp.pdt" in incident.error
    assert [name for name, _ in result_documents(c, case_id)] == [f"{case_id}-bang-diem-tieng-viet.pdf"]

    create_demo_keys(c, pki=pki_server.pki, users=[LEADER])  # the administrator installs the leader's key
    out = c.engine.retry_incident(incident.id, staff["po"])
    assert out["case_status"] == "waiting"  # signed; now the văn thư's turn
    assert apply_seal(c, staff, case_id).status == "completed"
    events = signature_events(c, case_id, staff["kt"])
    assert [(e["role"], e["signer"]) for e in events] == [("leader", "tp.pdt"), ("seal", ORGANISATION)]
    assert c.engine.verify_audit(case_id).ok


def test_without_a_timestamp_authority_signing_fails_rather_than_downgrading(db_url, tmp_path, pki_server) -> None:
    c = make_container(db_url, tmp_path / "var", {})  # no TSA configured
    try:
        deploy_qt13(c)
        from .conftest import create_staff

        staff = create_staff(c)
        create_demo_keys(c, pki=pki_server.pki, users=[LEADER])
        case_id = run_to_approval(c, staff)
        assert c.engine.case(case_id, staff["kt"]).status == "incident"
        [incident] = c.engine.incidents(staff["po"])
        assert incident.error_code == "no_tsa" and "dấu thời gian (TSA)" in incident.error
        assert signature_events(c, case_id, staff["kt"]) == []
        assert len(result_documents(c, case_id)) == 1  # nothing signed, nothing stored
    finally:
        c.dispose()


def test_an_allowed_fallback_level_is_used_and_recorded(db_url, tmp_path, pki_server) -> None:
    c = make_container(db_url, tmp_path / "var", {"fallback_level": "B-B"})
    try:
        deploy_qt13(c)
        from .conftest import create_staff

        staff = create_staff(c)
        create_demo_keys(c, pki=pki_server.pki, users=[LEADER])
        case_id = run_to_the_end(c, staff)
        assert c.engine.case(case_id, staff["kt"]).status == "completed"
        events = signature_events(c, case_id, staff["kt"])
        assert [(e["level"], e["requested_level"], e["downgraded"]) for e in events] == [
            ("B-B", "B-LTA", True), ("B-B", "B-LTA", True)]
        assert all("TSA" in e["fallback_reason"] for e in events)
    finally:
        c.dispose()


def test_keystore_refuses_exposed_password_files_and_wrong_passwords(signing_container, pki_server) -> None:
    from app.keystore import KeystoreError

    c = signing_container
    create_demo_keys(c, pki=pki_server.pki, users=[LEADER])
    store = Keystore(c.settings, env={})
    assert store.key_for("tp.pdt").certificate.subject.native["common_name"] == "DEMO - Nguyễn Hoàng Phúc"
    password_file = store.directory / "tp.pdt.p12.password"
    password_file.chmod(0o644)
    fresh = Keystore(c.settings, env={})
    try:
        fresh.key_for("tp.pdt")
        raise AssertionError("an exposed password file must be refused")
    except KeystoreError as exc:
        assert exc.code == "password_file_exposed" and "0600" in exc.message_vi
    wrong = Keystore(c.settings, env={"QUYTRINH_KEY_PASSWORD_TP_PDT": "sai-mat-khau"})
    try:
        wrong.key_for("tp.pdt")
        raise AssertionError("a wrong password must be refused")
    except KeystoreError as exc:
        assert exc.code == "wrong_password"
    try:
        fresh.key_for("../etc/passwd")
        raise AssertionError("owner names must not escape the key directory")
    except KeystoreError as exc:
        assert exc.code == "bad_key_owner"


def test_result_documents_render_vietnamese_text_and_leave_the_signature_box_empty(tmp_path: Path) -> None:
    from app.documents import PERSON_BOX, DocumentRequest, Issuer, UnknownTemplate, render_document

    english = render_document(DocumentRequest("transcript", "Academic Transcript", {
        **START, **CHECK, "transcript_language": "en",
        "courses": [{"code": "CT101", "name": "Lập trình căn bản", "credits": 4, "score": 8.5, "letter": "A"}]},
        41, Issuer()))
    import json

    from app.documents.labels import labels_from_forms

    forms = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (PROCESSES / "QT13" / "forms").glob("*.json")}
    labels = labels_from_forms(forms)
    assert labels["copies"] == ("Số bản", "Copies") and labels["purpose"][1] == "Purpose"
    decision = render_document(DocumentRequest(
        "decision", "Quyết định công nhận tốt nghiệp", {"full_name": "Phạm Thị Hồng Nhung", "student_id": "B1900001",
                                                          "case_id": 42, "payment_request_result": {"x": 1},
                                                          "review_notes": "Đủ điều kiện", "attachments": [{"f": 1}]},
        42, Issuer(organisation="Trường Đại học Quy Trình", place="Hà Nội"),
        labels={"review_notes": ("Ý kiến thẩm định", "Review notes")}))
    texts = {}
    for name, doc in (("en", english), ("decision", decision)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(doc.pdf)
        texts[name] = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        assert doc.signature_page == doc.pages and doc.signature_box == PERSON_BOX
    assert "ACADEMIC TRANSCRIPT" in texts["en"] and "Student ID" in texts["en"] and "Lập trình căn bản" in texts["en"]
    assert "Independence - Freedom - Happiness" in texts["en"] and "3.12" in texts["en"]
    assert "QUYẾT ĐỊNH" in texts["decision"] and "Về việc công nhận tốt nghiệp" in texts["decision"]
    assert "Phạm Thị Hồng Nhung" in texts["decision"] and "Số: 42/QĐ-ĐHQT" in texts["decision"]
    assert "Hà Nội, ngày" in texts["decision"] and "payment" not in texts["decision"]
    assert "Ý kiến thẩm định:" in texts["decision"] and "ttachments" not in texts["decision"]
    try:
        render_document(DocumentRequest("diploma", "Bằng", {}, 1, Issuer()))
        raise AssertionError("an unknown template must be refused")
    except UnknownTemplate as exc:
        assert "Không có mẫu văn bản “diploma”" in exc.message_vi

    # the box the leader signs in is blank on the rendered page (nothing drawn there before signing)
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", str(tmp_path / "decision.pdf"),
                    str(tmp_path / "page")], check=True)
    from PIL import Image

    page = Image.open(tmp_path / "page-1.png").convert("L")
    height = page.height
    box = (int(PERSON_BOX.x1), int(height - PERSON_BOX.y2), int(PERSON_BOX.x2), int(height - PERSON_BOX.y1))
    assert page.crop(box).getextrema()[0] > 240, "the signature box must be empty"


def test_offline_demo_keys_sign_without_any_server(db_url, tmp_path) -> None:
    """``create_demo_keys`` without a PKI: the demo signs offline (in-process DEMO TSA, revocation not
    checked and said so), and the demo root lands in the installation's trust store for ``verify``."""
    from app.operators.signing_ops import SigningOperators
    from signing.trust import InstallationTrustStore

    from .conftest import MemoryContext

    c = make_container(db_url, tmp_path / "var", {})
    made = create_demo_keys(c)
    assert made.created and set(made.owners) == {ORGANISATION, "lanhdao", "truongphong.pdt"}  # every demo leader
    assert create_demo_keys(c).created is False  # idempotent
    anchors = InstallationTrustStore(c.settings.trust_path).load().anchor_certificates()
    assert any(a.sha256.hex() == made.root_fingerprint for a in anchors)

    ops = SigningOperators(c.settings, Keystore(c.settings, env={}))
    ctx = MemoryContext({**START, **CHECK}, actor="lanhdao")
    ops.issue_document({"template": "transcript", "title": "Bảng điểm tiếng Việt"}, ctx)
    leader = ops.sign_document({"role": "leader", "level": "B-LTA"}, ctx)
    seal = ops.sign_document({"role": "seal", "level": "B-T"}, ctx)
    assert (leader["signer"], leader["level"], seal["signer"], seal["level"]) == (
        "lanhdao", "B-LTA", ORGANISATION, "B-T")
    events = [p for k, p in ctx.events if k == "signature_applied"]
    assert all("revocation not checked" in " ".join(e["warnings"]) for e in events)
    final = tmp_path / "demo.pdf"
    final.write_bytes(ctx.get_document(seal["sha256"]))
    sigs = pdfsig_signatures(final)
    demo = [s for s in sigs if "DEMO" in s.get("Signer Certificate Common Name", "")]
    assert [s["Signer Certificate Common Name"] for s in demo] == ["DEMO - Phạm Quốc Hùng",
                                                                   "Trường Đại học Cần Thơ (DEMO)"]
    assert all(s["Signature Validation"] == "Signature is Valid." for s in demo)

    # a procedure that only seals: the seal goes where the person's signature would have been
    only_seal = MemoryContext({"full_name": "Võ Thị Hạnh"}, actor="vanthu", case_id=6)
    ops.issue_document({"template": "notice", "title": "Thông báo kết quả"}, only_seal)
    sealed = ops.sign_document({"role": "seal", "level": "B-B", "applied_by_task": "receipt_seal",
                                "register_number": "7/TB-ĐHCT"}, only_seal)
    [(_, applied)] = [e for e in only_seal.events if e[0] == "signature_applied"]
    assert (sealed["signer"], sealed["applied_by"], applied["register_number"]) == (ORGANISATION, "vanthu", "7/TB-ĐHCT")
    assert seal["applied_by"] is None, "a seal step without a văn thư task (older models) names nobody"
    reader = PdfFileReader(BytesIO(only_seal.get_document(sealed["sha256"])), strict=False)
    [sig] = reader.embedded_signatures
    x1, y1, x2, y2 = (float(v) for v in sig.sig_field["/Rect"])
    from app.documents import PERSON_BOX

    assert x1 < PERSON_BOX.x1 < PERSON_BOX.x2 < x2 and y1 < PERSON_BOX.y1 < PERSON_BOX.y2 < y2
    c.dispose()

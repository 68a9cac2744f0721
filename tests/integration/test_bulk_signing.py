"""Bulk signing of case records (a school's digital records: the principal signs, the văn thư seals).

Twenty completed cases each hold an issued, unsigned record. A first run is interrupted after seven
cases; running the same command again signs the other thirteen and skips the seven; the seal run
follows. Each case ends with exactly one principal's signature and one seal, every signed PDF is valid
for poppler's pdfsig, and every case's hash-chained audit trail still verifies.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.bulk import BulkSigner, BulkSigningError, parse_filter
from app.bulk.selection import BulkSelectionError, matching_cases
from app.cli import cli
from app.keystore import ORGANISATION, create_demo_keys
from engine import SYSTEM
from signing.settings import SignatureLevel
from signing.testing import PKIServer

from .test_signing_in_procedures import pdfsig_signatures, result_documents, signature_events

CODE = "HB01"
PRINCIPAL = ("hieutruong", "Lê Văn Hiệu")
PEOPLE = {"sv": [("applicant", None)], "hieutruong": [("leader", "BGH")], "vt": [("clerk", "PHCTH")],
          "cv.pdt": [("clerk", "PDT")], "kt": [("auditor", None)]}


def record_procedure(root: Path) -> Path:
    """A records procedure built with the generator's own builder: the form, then the issued record."""
    from processes._build import forms, patterns
    from processes._build.model import ProcessBuilder
    from processes._build.package import Procedure, write_package

    b = ProcessBuilder(CODE, "hb01_hoc_ba_dien_tu", "Quy trình lập học bạ điện tử")
    student = b.lane("student", "Người học", "applicant", None)
    office = b.lane("office", "Chuyên viên Phòng Đào tạo", "clerk", "PDT")
    start = b.start("start_record", "Gửi thông tin học bạ", student, forms.form(
        "Học bạ (Record)", "Thông tin người học.", {"full_name": forms.text("Họ và tên", "Nguyễn Văn An"),
                                                  "student_id": forms.text("Mã số", "B2012345")}))
    issued = patterns.issue(b, "issue_record", office, "certificate", "Học bạ điện tử")
    end = b.end("end_record", "Đã lập học bạ", student)
    b.chain(start, issued, end)
    return write_package(Procedure(
        builder=b, name_en="Digital school records", level_2023=4, confidence="inferred", purpose_vi="Lập học bạ.",
        scope_vi="Người học.", dossier_vi=[], legal_vi=[], summary_en="Issues a record, signed later in bulk.",
        result_documents=[{"name_vi": "Học bạ điện tử", "template": "certificate", "signed_by": []}]), root)


@pytest.fixture
def school(signing_container: Any, pki_server: PKIServer, tmp_path: Path) -> Any:
    from engine.modeling import load_model, read_package

    c = signing_container
    model = load_model(read_package(record_procedure(tmp_path / "models")), known_operators=c.registry.names())
    c.engine.deploy(model, SYSTEM)
    for login, roles in PEOPLE.items():
        c.accounts.create_user(login, "mat-khau-dai-du", roles, full_name=login)
    create_demo_keys(c, pki=pki_server.pki, users=[PRINCIPAL])
    return c


def make_records(c: Any, count: int) -> None:
    student = c.accounts.actor("sv")
    for n in range(count):
        case = c.engine.start(CODE, {"full_name": f"Trần Thị Học Sinh {n:02d}", "student_id": f"B20{n:05d}"}, student)
        assert case.status == "completed", case


def test_the_registry_seals_for_every_unit_a_leader_signs_what_they_may_see(school: Any) -> None:
    c = school
    make_records(c, 2)
    other_unit = c.engine.start(CODE, {"full_name": "Lý Thị Khoa", "student_id": "B2099999"}, c.accounts.actor("sv"),
                                org_unit="KCN").id
    leader, registry = c.accounts.actor("hieutruong"), c.accounts.actor("vt")
    every = parse_filter(f"procedure={CODE},status=completed")
    assert other_unit not in matching_cases(c.engine, leader, every)
    assert other_unit not in matching_cases(c.engine, registry, every)
    school_wide = matching_cases(c.engine, registry, every, school_wide=c.readers)
    assert len(school_wide) == 3 and school_wide[-1] == other_unit
    assert matching_cases(c.engine, registry, parse_filter(f"procedure={CODE},status=running"),
                          school_wide=c.readers) == []


def cli_run(c: Any, pki_server: PKIServer, *args: str):  # type: ignore[no-untyped-def]
    env = {"QUYTRINH_DATABASE_URL": c.settings.database_url, "QUYTRINH_DATA_DIR": c.settings.data_dir,
           "QUYTRINH_EXTRA": json.dumps({"signing": {"tsa_url": pki_server.tsa_url}})}
    return CliRunner().invoke(cli, ["sign", "--batch", *args], env=env, catch_exceptions=False)


class Interrupted(Exception):
    pass


def test_twenty_records_interrupted_after_seven_are_each_signed_and_sealed_once(
        school: Any, pki_server: PKIServer, tmp_path: Path) -> None:
    c = school
    make_records(c, 20)
    auditor = c.accounts.actor("kt")
    ids = matching_cases(c.engine, auditor, parse_filter(f"procedure={CODE},status=completed"))
    assert len(ids) == 20

    def stop_after_seven(done: int, _total: int, _case: int, status: str) -> None:
        assert status == "signed"
        if done == 7:
            raise Interrupted

    first = BulkSigner(c, c.accounts.actor("hieutruong"), "leader", SignatureLevel.B_T)
    with pytest.raises(Interrupted):
        first.run(ids, progress=stop_after_seven)
    signed_first = [i for i in ids if signature_events(c, i, auditor)]
    assert signed_first == ids[:7]

    resumed = cli_run(c, pki_server, "--cases", f"procedure={CODE},status=completed", "--as", "hieutruong",
                      "--role", "leader", "--level", "B-T", "--json", "--workers", "2")
    assert resumed.exit_code == 0, resumed.output
    report = json.loads(resumed.output.strip().splitlines()[-1])
    assert sorted(report["signed"]) == ids[7:] and sorted(int(k) for k in report["skipped"]) == ids[:7]
    assert report["matched"] == 20 and report["failed"] == {}

    sealed = cli_run(c, pki_server, "--cases", f"status=completed,procedure={CODE}", "--as", "vt", "--role", "seal",
                     "--level", "B-T", "--json", "--workers", "2")
    assert sealed.exit_code == 0, sealed.output
    assert sorted(json.loads(sealed.output.strip().splitlines()[-1])["signed"]) == ids

    again = cli_run(c, pki_server, "--cases", f"procedure={CODE}", "--as", "vt", "--role", "seal", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output.strip().splitlines()[-1])["signed"] == []

    for case_id in ids:
        events = signature_events(c, case_id, auditor)
        assert [(e["role"], e["signer"], e["applied_by"]) for e in events] == [
            ("leader", "hieutruong", None), ("seal", ORGANISATION, "vt")], case_id
        assert events[1]["sha256_before"] == events[0]["sha256_after"]
        assert events[0]["batch"] != events[1]["batch"]
        trail = c.engine.audit_events(case_id, auditor)
        assert [e["actor"] for e in trail if e["kind"] == "signature_applied"] == ["hieutruong", "vt"]
        assert c.engine.verify_audit(case_id).ok
        docs = result_documents(c, case_id)
        assert len(docs) == 3  # issued, signed by the principal, sealed: none overwritten
        final = tmp_path / f"hb-{case_id}.pdf"
        final.write_bytes(docs[-1][1])
        sigs = pdfsig_signatures(final)
        assert [s["Signer Certificate Common Name"] for s in sigs] == ["DEMO - Lê Văn Hiệu",
                                                                       "Trường Đại học Cần Thơ (DEMO)"]
        assert all(s["Signature Validation"] == "Signature is Valid." for s in sigs), sigs
    text = subprocess.run(["pdftotext", str(tmp_path / f"hb-{ids[3]}.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "Trần Thị Học Sinh 03" in text


def test_who_may_sign_in_bulk_and_what_a_bad_filter_says(school: Any, pki_server: PKIServer) -> None:
    c = school
    make_records(c, 2)
    not_registry = cli_run(c, pki_server, "--cases", f"procedure={CODE}", "--as", "cv.pdt", "--role", "seal")
    assert not_registry.exit_code == 1 and "not_the_registry" in not_registry.output
    assert len(not_registry.output.strip().splitlines()) == 1
    no_key = cli_run(c, pki_server, "--cases", f"procedure={CODE}", "--as", "vt", "--role", "leader")
    assert no_key.exit_code == 1 and "not_a_leader" in no_key.output
    with pytest.raises(BulkSelectionError):
        parse_filter("status=completed")  # no procedure: never every case of the installation
    bad = cli_run(c, pki_server, "--cases", "procedure=HB01,trang_thai=xong", "--as", "hieutruong")
    assert bad.exit_code == 1 and "trang_thai=xong" in bad.output
    assert "--as USER" in cli_run(c, pki_server, "--cases", f"procedure={CODE}").output
    without_batch = CliRunner().invoke(cli, ["sign", "--cases", f"procedure={CODE}", "--as", "hieutruong"])
    assert without_batch.exit_code == 1 and "--cases" in without_batch.output
    c.accounts.create_user("pho.ht", "mat-khau-dai-du", [("leader", "BGH")], full_name="Phó Hiệu trưởng")
    with pytest.raises(BulkSigningError) as missing:
        BulkSigner(c, c.accounts.actor("pho.ht"), "leader", SignatureLevel.B_T)
    assert missing.value.code == "key_missing"
    assert all(not signature_events(c, i, c.accounts.actor("kt"))
               for i in matching_cases(c.engine, c.accounts.actor("kt"), parse_filter(f"procedure={CODE}")))


def test_a_killed_run_loses_at_most_the_case_in_hand_and_the_rerun_signs_the_rest_once(
        school: Any, pki_server: PKIServer) -> None:
    """SIGKILL mid-run (no cleanup, no exception handler): what was committed stays, the rest is signed."""
    import os
    import signal
    import sys
    import time

    from sqlalchemy import func, select

    from engine.models import AuditEvent

    c = school
    make_records(c, 12)
    env = {**os.environ, "QUYTRINH_DATABASE_URL": c.settings.database_url, "QUYTRINH_DATA_DIR": c.settings.data_dir,
           "QUYTRINH_EXTRA": json.dumps({"signing": {"tsa_url": pki_server.tsa_url}})}
    args = [str(Path(sys.executable).with_name("quytrinh")), "sign", "--batch", "--cases", f"procedure={CODE}",
            "--as", "vt", "--role", "seal", "--level", "B-T", "--json"]

    def sealed_so_far() -> int:
        with c.sessions() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.kind == "signature_applied")) or 0

    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while sealed_so_far() < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = sealed_so_far()
    assert 4 <= before < 12, "killed part-way"

    rerun = subprocess.run(args, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert len(report["signed"]) == 12 - before and len(report["skipped"]) == before
    auditor = c.accounts.actor("kt")
    for case_id in matching_cases(c.engine, auditor, parse_filter(f"procedure={CODE}")):
        assert [e["applied_by"] for e in signature_events(c, case_id, auditor)] == ["vt"], case_id
        assert len(result_documents(c, case_id)) == 2 and c.engine.verify_audit(case_id).ok

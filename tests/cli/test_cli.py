"""The ``quytrinh`` command line, driven as a script would drive it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli

MODELS = Path(__file__).resolve().parents[1] / "fixtures" / "models"


@pytest.fixture
def run(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"QUYTRINH_DATABASE_URL": db_url, "QUYTRINH_DATA_DIR": str(tmp_path / "var"),
           "QUYTRINH_ADMIN_PASSWORD": "", "QUYTRINH_NEW_USER_PASSWORD": "mat-khau-dai"}
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result
    return invoke


def test_init_deploy_start_work_and_verify(run):  # type: ignore[no-untyped-def]
    first = run("init")
    assert "admin" in first.output and "password" in first.output
    assert "password" not in run("init").output  # printed once, on the new database only
    for login, role in (("sv", "applicant"), ("cv", "clerk@PDT"), ("ld", "leader@BGH")):
        run("users", "create", login, "--role", role)
    deployed = json.loads(run("deploy", str(MODELS / "three_tasks"), "--json").output)
    assert deployed[0]["created"] is True
    assert json.loads(run("deploy", str(MODELS / "three_tasks"), "--json").output)[0]["created"] is False
    case_id = run("start", "T3", "--as", "sv", "--data", '{"subject": "Giấy xác nhận"}').output.strip()
    assert case_id.isdigit()
    for user, data in (("sv", "{}"), ("cv", '{"valid": true}'), ("ld", '{"decision": "approve"}')):
        [task] = json.loads(run("tasks", "--as", user, "--json").output)["items"]
        run("complete", task["id"], "--as", user, "--data", data)
    case = json.loads(run("case", case_id, "--json").output)
    assert case["status"] == "completed"
    assert "intact" in run("audit", "verify", case_id).output
    listed = json.loads(run("cases", "--json").output)
    assert [c["id"] for c in listed["items"]] == [int(case_id)]


def test_failures_exit_non_zero_with_a_reason(run):  # type: ignore[no-untyped-def]
    run("init")
    run("users", "create", "sv", "--role", "applicant")
    bad_json = run("start", "T3", "--as", "sv", "--data", "{oops", ok=False)
    assert bad_json.exit_code != 0 and "JSON" in bad_json.output
    unknown = run("start", "QT00", "--as", "sv", ok=False)
    assert unknown.exit_code == 1 and "QT00" in unknown.output
    nobody = run("tasks", "--as", "ghost", ok=False)
    assert nobody.exit_code == 1 and "ghost" in nobody.output
    refused = run("model", "check", "/dev/null", ok=False)
    assert refused.exit_code == 1


def test_audit_verify_fails_on_a_tampered_trail(run, db_url):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, text

    run("init")
    run("users", "create", "sv", "--role", "applicant")
    run("deploy", str(MODELS / "three_tasks"))
    case_id = run("start", "T3", "--as", "sv", "--data", '{"subject": "x"}').output.strip()
    eng = create_engine(db_url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone-else' WHERE case_id = :c AND seq = 1"),
                     {"c": int(case_id)})
    eng.dispose()
    result = run("audit", "verify", case_id, "--json", ok=False)
    assert result.exit_code == 1 and json.loads(result.output)["first_bad_seq"] == 1

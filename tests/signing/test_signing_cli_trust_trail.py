"""``quytrinh trust add/remove`` leave a trace in the installation's hash-chained system trail.

Who changed which anchor, from which hierarchy, is what an auditor asks after a forged document was
accepted; a change that cannot be recorded (no database yet) is refused, leaving the store as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from signing.testing import PKIServer


@pytest.fixture
def run(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {"QUYTRINH_DATABASE_URL": db_url, "QUYTRINH_DATA_DIR": str(tmp_path / "var"),
           "QUYTRINH_TRUST_DIR": str(tmp_path / "trust"), "QUYTRINH_ADMIN_PASSWORD": "",
           "QUYTRINH_NEW_USER_PASSWORD": "mat-khau-dai"}

    def invoke(*args: str, **extra_env: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), env={**env, **extra_env}, catch_exceptions=False)
    return invoke


def _root(tmp_path: Path, pki_server: PKIServer) -> Path:
    root = tmp_path / "root.pem"
    root.write_bytes(pki_server.pki.root_pem())
    return root


def _system_trail(run) -> dict:  # type: ignore[no-untyped-def]
    result = run("audit", "system", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_trust_changes_are_recorded_with_the_acting_user(run, tmp_path: Path, pki_server: PKIServer) -> None:
    assert run("init").exit_code == 0
    assert run("users", "create", "qtv.pki", "--role", "admin").exit_code == 0
    added = run("trust", "add", str(_root(tmp_path, pki_server)), "--as", "qtv.pki", "--json")
    assert added.exit_code == 0, added.output
    fingerprint = json.loads(added.output)["fingerprint"]
    removed = run("trust", "remove", fingerprint)  # --as defaults to admin
    assert removed.exit_code == 0, removed.output

    trail = _system_trail(run)
    assert trail["verify"]["ok"] is True
    changes = [e for e in trail["events"] if e["kind"].startswith("trust_anchor_")]
    assert [(e["kind"], e["actor"]) for e in changes] == [("trust_anchor_added", "qtv.pki"),
                                                         ("trust_anchor_removed", "admin")]
    for event in changes:
        payload = event["payload"]
        assert payload["sha256"] == fingerprint
        assert payload["hierarchy"] == "local" and payload["role"] == "root" and payload["source"] == "added"
        assert payload["subject"] and payload["subject"] == changes[0]["payload"]["subject"]
        assert payload["trust_dir"] == str((tmp_path / "trust").resolve())


def test_a_refused_change_records_nothing_and_an_unknown_user_changes_nothing(run, tmp_path: Path,
                                                                             pki_server: PKIServer) -> None:
    assert run("init").exit_code == 0
    root = _root(tmp_path, pki_server)
    unknown = run("trust", "add", str(root), "--as", "khong.ton.tai")
    assert unknown.exit_code == 1 and "khong.ton.tai" in unknown.output
    assert json.loads(run("trust", "list", "--json").output) == json.loads(
        CliRunner().invoke(cli, ["trust", "list", "--json"],
                           env={"QUYTRINH_TRUST_DIR": str(tmp_path / "empty")}).output), "store unchanged"
    assert run("trust", "add", str(root)).exit_code == 0
    duplicate = run("trust", "add", str(root))
    assert duplicate.exit_code == 1 and "trust_duplicate" in duplicate.output
    gone = run("trust", "remove", "00" * 32)
    assert gone.exit_code == 1
    kinds = [e["kind"] for e in _system_trail(run)["events"]]
    assert kinds.count("trust_anchor_added") == 1 and "trust_anchor_removed" not in kinds


@pytest.mark.parametrize("database", ["missing", "empty"])
def test_without_an_initialised_database_the_store_is_left_alone(run, tmp_path: Path, pki_server: PKIServer,
                                                                 database: str) -> None:
    path = tmp_path / "chua-co.db"
    if database == "empty":
        path.write_bytes(b"")  # an SQLite file with no tables
    result = run("trust", "add", str(_root(tmp_path, pki_server)), QUYTRINH_DATABASE_URL=f"sqlite:///{path}")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "chưa được khởi tạo" in lines[0] and "quytrinh init" in lines[0]
    assert path.exists() == (database == "empty"), "no database file is created by the attempt"
    listed = json.loads(run("trust", "list", "--json", QUYTRINH_DATABASE_URL=f"sqlite:///{path}").output)
    assert all(e["source"] != "added" for e in listed), "listing works without a database; nothing was added"

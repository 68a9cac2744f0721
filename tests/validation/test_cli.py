"""``quytrinh verify`` / ``trust`` / ``extend`` through click's runner, on real files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli

from . import pki
from .conftest import make_pdf

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "signed-pdf-vn"
DECREE_119 = str(FIXTURES / "decree-119-2018-ND-CP.signed.pdf")


def run(args, trust_dir):
    return CliRunner().invoke(cli, args, env={"QUYTRINH_TRUST_DIR": str(trust_dir)})


def test_verify_exit_codes_and_json(tmp_path):
    lenient = run(["verify", DECREE_119, "--offline", "--policy", "lenient", "--json"], tmp_path)
    assert lenient.exit_code == 0, lenient.output
    data = json.loads(lenient.output)
    assert data["indication"] == "PASSED" and data["signatures"][0]["chain"]["hierarchy"] == "vgca"
    strict = run(["verify", DECREE_119, "--offline", "--lang", "en"], tmp_path)
    assert strict.exit_code == 2 and "INDETERMINATE" in strict.output
    text_vi = run(["verify", DECREE_119, "--offline"], tmp_path)
    assert "CHƯA XÁC ĐỊNH" in text_vi.output
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf")
    assert run(["verify", str(junk)], tmp_path).exit_code == 3


def test_verify_failed_exit_code(tmp_path, signed_bb):
    header_end = signed_bb.index(b"\n")
    tampered = signed_bb[:header_end - 1] + b"9" + signed_bb[header_end:]  # %PDF-1.x -> 1.9, inside ByteRange
    path = tmp_path / "t.pdf"
    path.write_bytes(tampered)
    result = run(["verify", str(path), "--offline", "--json"], tmp_path)
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["signatures"][0]["sub_indication"] == "HASH_FAILURE"


def test_verify_at_and_extra_trust(tmp_path, pki_server, signed_bb):
    path, root = tmp_path / "s.pdf", tmp_path / "root.pem"
    path.write_bytes(signed_bb)
    root.write_bytes(pki_server.pki.root_pem())
    assert run(["verify", str(path), "--offline", "--policy", "lenient"], tmp_path).exit_code == 2
    ok = run(["verify", str(path), "--offline", "--policy", "lenient", "--trust", str(root)], tmp_path)
    assert ok.exit_code == 0, ok.output


def test_trust_add_list_remove(tmp_path, db_url):
    """Changes need an initialised database: each one is recorded in the system trail."""
    env = {"QUYTRINH_TRUST_DIR": str(tmp_path), "QUYTRINH_DATABASE_URL": db_url,
           "QUYTRINH_DATA_DIR": str(tmp_path / "var")}
    assert CliRunner().invoke(cli, ["init"], env=env).exit_code == 0

    def run(args, _trust_dir):  # noqa: ANN001 - same shape as the module's helper, with the database
        return CliRunner().invoke(cli, args, env=env)

    root = tmp_path / "uni.pem"
    root.write_bytes(pki.issue(pki.name("Dai hoc Root")).pem)
    added = run(["trust", "add", str(root), "--json"], tmp_path)
    assert added.exit_code == 0, added.output
    fingerprint = json.loads(added.output)["fingerprint"]
    listed = json.loads(run(["trust", "list", "--json"], tmp_path).output)
    assert any(e["sha256"] == fingerprint and e["source"] == "added" for e in listed)
    again = run(["trust", "add", str(root)], tmp_path)
    assert again.exit_code == 1 and "trust_duplicate" in again.output
    assert run(["trust", "remove", fingerprint], tmp_path).exit_code == 0
    assert run(["trust", "remove", fingerprint], tmp_path).exit_code == 1
    not_pdf = tmp_path / "x.pem"
    not_pdf.write_bytes(make_pdf())
    assert run(["trust", "add", str(not_pdf)], tmp_path).exit_code == 1
    trail = json.loads(run(["audit", "system", "--as", "admin", "--json"], tmp_path).output)
    kinds = [e["kind"] for e in trail["events"]]
    assert kinds == ["trust_anchor_added", "trust_anchor_removed"] and trail["verify"]["ok"]

"""The ``quytrinh sign`` and ``quytrinh keys`` commands, run through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfs import make_pdf

from app.cli.cmd_sign import keys, sign
from signing.testing import PKIServer


@pytest.fixture()
def env(tmp_path: Path, pki_server: PKIServer) -> dict[str, str]:
    p12 = tmp_path / "an.p12"
    p12.write_bytes(pki_server.pki.signer_rsa.to_pkcs12(b"bi-mat"))
    root = tmp_path / "root.pem"
    root.write_bytes(pki_server.pki.root_pem())
    return {"QT_PW": "bi-mat", "QUYTRINH_KEYSTORE": str(tmp_path / "store"), "QUYTRINH_TRUST_ROOTS": str(root),
            "QUYTRINH_TRUST_DIR": str(tmp_path / "trust"),
            "QUYTRINH_TSA_URL": pki_server.tsa_url, "P12": str(p12)}


def test_sign_one_file_with_appearance(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "qd.pdf"
    source.write_bytes(make_pdf())
    out = tmp_path / "qd.signed.pdf"
    result = CliRunner(env=env).invoke(sign, [str(source), "--key", env["P12"], "--password-env", "QT_PW",
                                              "--level", "B-T", "--appearance", "person", "--box", "350,100,520,170",
                                              "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["level"] == "B-T" and out.read_bytes().startswith(source.read_bytes())


def test_wrong_password_is_one_line_and_nonzero(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "qd.pdf"
    source.write_bytes(make_pdf())
    result = CliRunner(env={**env, "QT_PW": "sai"}).invoke(
        sign, [str(source), "--key", env["P12"], "--password-env", "QT_PW", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "Mật khẩu" in result.output and "wrong_password" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_keys_import_list_and_batch_by_name(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner(env=env)
    imported = runner.invoke(keys, ["import", env["P12"], "--password-env", "QT_PW", "--name", "giaovien"])
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(keys, ["list", "--json"])
    entries = json.loads(listed.output)
    assert [e["name"] for e in entries] == ["giaovien"] and entries[0]["key"] == "RSA-2048"
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.pdf").write_bytes(make_pdf(text=f"Bảng điểm {n}"))
    args = ["--batch", str(folder), "--key", "giaovien", "--password-env", "QT_PW", "-o", str(tmp_path / "out"), "--json"]
    first = runner.invoke(sign, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output.strip().splitlines()[-1])["signed"] == 3
    again = runner.invoke(sign, args)
    assert json.loads(again.output.strip().splitlines()[-1])["skipped"] == 3

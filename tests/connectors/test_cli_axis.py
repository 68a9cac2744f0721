"""The axis commands: parse a package (or say why not), run a hub, read its log."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.axis import AxisClient

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
CMD_AXIS = ROOT / "app" / "cli" / "cmd_axis.py"


def _load_cmd_axis():
    """Load the command module by path, so these tests do not depend on the rest of ``app`` importing."""
    spec = importlib.util.spec_from_file_location("quytrinh_cmd_axis", CMD_AXIS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


axis = _load_cmd_axis().axis
HUB_LAUNCHER = (
    "import importlib.util, sys\n"
    f"spec = importlib.util.spec_from_file_location('cmd_axis', {str(CMD_AXIS)!r})\n"
    "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
    "module.axis_hub.main(sys.argv[1:], prog_name='quytrinh axis-hub')\n"
)


def test_parse_prints_fields_and_attachment_hashes():
    result = CliRunner().invoke(axis, ["parse", str(FIXTURES / "edoc_replacement.edxml")])
    assert result.exit_code == 0, result.output
    assert "Nghiệp vụ / business: 3 (replace)" in result.output
    assert "1896_QD-TTg_m_294779.doc  application/zip  270823 B  sha256 " in result.output


def test_parse_json_lists_attachments_with_sha256():
    result = CliRunner().invoke(axis, ["parse", "--json", str(FIXTURES / "edoc_zip_attachment.edxml")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "edoc" and data["header"]["from"]["organ_id"] == "000.00.00.G22"
    (attachment,) = data["attachments"]
    assert attachment["size"] == 4151 and len(attachment["sha256"]) == 64
    assert data["envelope_signature"]["status"] == "placeholder"


def test_parse_refuses_a_hostile_file_with_a_one_line_reason(tmp_path):
    hostile = tmp_path / "x.edxml"
    hostile.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML>&e;</edXML>')
    result = CliRunner().invoke(axis, ["parse", str(hostile)])
    assert result.exit_code != 0
    assert "xml_doctype_forbidden" in result.output
    assert "root:" not in result.output


def test_parse_refuses_a_package_whose_real_signature_fails():
    result = CliRunner().invoke(axis, ["parse", str(FIXTURES / "edoc.edxml")])
    assert result.exit_code != 0
    assert "envelope_signature_invalid" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def hub_process(tmp_path):
    systems = tmp_path / "systems.json"
    systems.write_text(json.dumps([
        {"system_id": "vpcp", "agency_code": "000.00.00.G22", "secret": "a", "name": "Văn phòng Chính phủ"},
        {"system_id": "nghean", "agency_code": "000.00.00.H41", "secret": "b", "name": "UBND tỉnh Nghệ An"}]))
    port, db = _free_port(), tmp_path / "hub.db"
    process = subprocess.Popen([sys.executable, "-c", HUB_LAUNCHER,
                                "--port", str(port), "--db", str(db), "--systems", str(systems)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            pytest.fail(process.stdout.read().decode())
        time.sleep(0.05)
    yield url, db
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


def test_hub_command_serves_the_protocol_and_log_shows_the_chain(hub_process):
    url, db = hub_process
    vpcp = AxisClient(url, "vpcp", "a", "000.00.00.G22")
    nghean = AxisClient(url, "nghean", "b", "000.00.00.H41")
    doc_id = vpcp.send_edoc((FIXTURES / "edoc_zip_attachment.edxml").read_bytes())
    assert nghean.list_received() == [doc_id]
    nghean.update_status(doc_id, "done")
    result = CliRunner().invoke(axis, ["hub-log", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    log = json.loads(result.output)
    assert [e["action"] for e in log["entries"]] == ["send", "ack:done"]
    assert log["chain_intact"] is True

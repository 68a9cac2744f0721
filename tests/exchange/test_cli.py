"""``quytrinh axis sync`` runs exchange rounds from the settings; ``quytrinh axis log`` shows our side."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from click.testing import CliRunner

from app.cli.cmd_axis import axis

from .conftest import US
from .test_exchange import official_letter, statuses_seen_by


def env_for(container: Any, hub: Any = None) -> dict[str, str]:
    s = container.settings
    env = {"QUYTRINH_DATABASE_URL": s.database_url, "QUYTRINH_DATA_DIR": s.data_dir, "QUYTRINH_AGENCY_CODE": US,
           "QUYTRINH_AXIS_ENDPOINT": "", "QUYTRINH_SETTINGS_FILE": ""}
    if hub is not None:
        env.update(QUYTRINH_AXIS_ENDPOINT=hub.url, QUYTRINH_AXIS_SYSTEM_ID="sys-us",
                   QUYTRINH_AXIS_SECRET="bi-mat-cua-truong")
    return env


def test_sync_takes_in_and_sends_then_log_shows_both_directions(container, exchange, hub, ministry):
    letter = official_letter("7")
    ministry.send_edoc(letter)
    runner = CliRunner()
    first = runner.invoke(axis, ["sync", "--once", "--json"], env=env_for(container, hub))
    assert first.exit_code == 0, first.output
    assert json.loads(first.output.strip().splitlines()[-1])["received"] == 1
    second = runner.invoke(axis, ["sync", "--once", "--json"], env=env_for(container, hub))
    assert json.loads(second.output.strip().splitlines()[-1])["sent"] == 1
    assert statuses_seen_by(ministry) == ["01"]
    shown = runner.invoke(axis, ["log", "--json"], env=env_for(container))
    assert shown.exit_code == 0, shown.output
    entries = json.loads(shown.output)["entries"]
    got = next(e for e in entries if e["direction"] == "received")
    sent = next(e for e in entries if e["direction"] == "sent")
    assert got["sha256"] == hashlib.sha256(letter).hexdigest() and got["case_id"]
    assert got["outcome"] == "flagged"  # the sample PDF is not a readable PDF: the validator says so
    assert (sent["kind"], sent["status_code"], sent["outcome"], sent["case_id"]) == ("status", "01", "sent",
                                                                                     got["case_id"])
    text = runner.invoke(axis, ["log"], env=env_for(container))
    assert "2 gói tin" in text.output and got["sha256"][:16] in text.output


def test_sync_without_an_endpoint_says_what_is_missing(container):
    result = CliRunner().invoke(axis, ["sync", "--once"], env=env_for(container))
    assert result.exit_code != 0 and "QUYTRINH_AXIS_ENDPOINT" in result.output

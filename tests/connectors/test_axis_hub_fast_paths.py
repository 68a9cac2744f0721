"""The hub's cheaper checks give the answers the plain ones gave: timestamps, secrets, hash-file."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta

import pytest

from connectors.axis import AxisAuthError, AxisClient, AxisHub, HubStore, routing_key, serve_in_thread
from connectors.axis.auth import VIETNAM, parse_sdk_timestamp
from connectors.axis.protocol import body_matches_hash, sdk_file_hash


def _by_strptime(text: str) -> datetime:
    stamp, _, millis = text.partition("+")
    return datetime.strptime(stamp, "%d%m%YT%H%M%S").replace(tzinfo=VIETNAM) + timedelta(milliseconds=int(millis or 0))


@pytest.mark.parametrize("text", [
    "14032025T101500+0042", "01012025T000000", "29022024T235959+9999", "14032025T101500+", "31022025T101500+0001",
    "14032025T241500", "14032025T101560", "00012025T000000", "14132025T000000", "1403202ST101500",
    "\uff114032025T101500", "14032025t101500", "14032025T10150", " 4032025T101500", "", "+0042", "14032025T101500+x"])
def test_sdk_timestamps_are_read_as_strptime_reads_them(text: str) -> None:
    try:
        expected: object = _by_strptime(text)
    except ValueError:
        expected = ValueError
    try:
        got: object = parse_sdk_timestamp(text)
    except ValueError:
        got = ValueError
    assert got == expected


def test_hash_file_in_either_layout_matches_only_its_own_body() -> None:
    body = bytes(range(256)) * 3
    assert body_matches_hash(body, hashlib.sha256(body).hexdigest().upper() + " ")
    assert body_matches_hash(body, sdk_file_hash(body))
    assert not body_matches_hash(body + b"x", hashlib.sha256(body).hexdigest())


def test_a_secret_changed_or_a_system_removed_by_another_connection_takes_effect_at_once(tmp_path) -> None:
    path = tmp_path / "hub.db"
    store = HubStore(path)
    hub = AxisHub(store)
    hub.register("ctu-qlvb", "000.21.36.H13", "old-secret")
    running = serve_in_thread(hub)
    try:
        assert AxisClient(running.url, "ctu-qlvb", "old-secret", "000.21.36.H13").list_received() == []
        other = HubStore(path)  # a second process on the same file
        other.register_system("ctu-qlvb", "000.21.36.H13", routing_key("000.21.36.H13"), "new-secret")
        with pytest.raises(AxisAuthError) as caught:
            AxisClient(running.url, "ctu-qlvb", "old-secret", "000.21.36.H13").list_received()
        assert caught.value.code == "auth_bad_signature"
        assert AxisClient(running.url, "ctu-qlvb", "new-secret", "000.21.36.H13").list_received() == []
        other.close()
        with sqlite3.connect(path) as edit:  # an operator removes the system by hand
            edit.execute("DELETE FROM systems WHERE system_id = 'ctu-qlvb'")
        with pytest.raises(AxisAuthError) as caught:
            AxisClient(running.url, "ctu-qlvb", "new-secret", "000.21.36.H13").list_received()
        assert caught.value.code == "unknown_system"
        hub.register("ctu-qlvb", "000.21.36.H13", "third-secret")  # this store's own registration
        assert store.system("ctu-qlvb").secret == "third-secret"
        assert [s.system_id for s in store.systems()] == ["ctu-qlvb"]
    finally:
        running.stop()
        store.close()

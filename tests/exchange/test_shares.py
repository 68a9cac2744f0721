"""Receivers given shares of the DocIds split the waiting packages without fetching any twice (any database)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from sqlalchemy import func, select

from app.exchange.claims import Claims
from app.exchange.models import ReceivedPackage
from app.exchange.runner import _share

from .test_exchange import official_letter


def _twin(container: Any, exchange: Any, share: tuple[int, int]) -> Any:
    from app.config import load_settings
    from app.container import Container
    from app.exchange.service import Exchange

    twin_container = Container(load_settings(env={}, overrides={"database_url": container.settings.database_url,
                                                                  "data_dir": container.settings.data_dir}))
    client = exchange.client.__class__(exchange.client.endpoint, exchange.client.system_id,
                                       exchange.client.secret, exchange.client.agency_code)
    return Exchange(twin_container, client, receiver_share=share)


def _fetched_so_far(hub_file: Any) -> list[str]:
    """The DocIds fetched from the hub so far, by anyone, from its own log (whichever thread fetched them)."""
    from connectors.axis import HubStore

    store = HubStore(hub_file)
    try:
        return [entry["message_id"] for entry in store.log_entries(limit=10_000) if entry["action"] == "fetch"]
    finally:
        store.close()


def test_two_shares_take_disjoint_halves_and_together_every_package_once(container, exchange, ministry, tmp_path):
    for number in range(12):
        ministry.send_edoc(official_letter(str(number)))
    waiting = set(exchange.client.list_received("edoc"))
    first, second = _twin(container, exchange, (0, 2)), _twin(container, exchange, (1, 2))
    fetched: dict[str, list[str]] = {}
    got_first = first.poll_inbox()
    fetched["first"] = _fetched_so_far(tmp_path / "hub.db")
    left = set(exchange.client.list_received("edoc"))
    assert got_first.received == len(fetched["first"]) and 0 < got_first.received < 12, "a share, not all"
    assert left == waiting - set(fetched["first"]), "the other share is still waiting on the axis"
    got_second = second.poll_inbox()
    fetched["second"] = _fetched_so_far(tmp_path / "hub.db")[len(fetched["first"]):]
    assert set(fetched["first"]).isdisjoint(fetched["second"]), "no package fetched by both"
    assert got_first.received + got_second.received == 12 and got_second.duplicates == 0
    assert exchange.client.list_received("edoc") == []
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == 12
    for receiver in (first, second):
        receiver.close()
        receiver.c.dispose()


def test_a_share_outside_its_count_is_refused(container):
    for share in ((2, 2), (-1, 2), (0, 0)):
        with pytest.raises(ValueError, match="0 <= i < n"):
            Claims(container.db, share)


@pytest.mark.parametrize("text", ["2/2", "1", "a/b", "0/0", "-1/3"])
def test_the_runner_refuses_a_malformed_share_in_both_languages(text):
    with pytest.raises(argparse.ArgumentTypeError, match="I/N|0 <= I < N"):
        _share(text)
    assert _share("1/3") == (1, 3)

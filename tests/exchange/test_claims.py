"""Several receivers of one installation on PostgreSQL: a package claimed by one is left to it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.exchange.claims import Claims
from app.exchange.models import ReceivedPackage

from .test_exchange import official_letter

pytestmark = [pytest.mark.postgres_only]


def test_a_claim_is_exclusive_until_released_or_its_holder_disconnects(container):
    first, second = Claims(container.db), Claims(container.db)
    assert first.try_claim("doc-1") and not second.try_claim("doc-1")
    assert second.try_claim("doc-2")
    first.release("doc-1")
    assert second.try_claim("doc-1")
    second.close()  # a receiver that dies loses its session, and its claims with it
    assert first.try_claim("doc-1") and first.try_claim("doc-2")
    first.close()


def test_a_package_another_receiver_holds_is_skipped_then_taken_when_released(container, exchange, ministry):
    for number in ("1", "2", "3"):
        ministry.send_edoc(official_letter(number))
    busy = exchange.client.list_received("edoc")[1]
    other_receiver = Claims(container.db)
    assert other_receiver.try_claim(busy)
    got = exchange.poll_inbox()
    assert (got.received, got.duplicates) == (2, 0)
    assert exchange.client.list_received("edoc") == [busy]
    other_receiver.close()
    assert exchange.poll_inbox().received == 1
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == 3


def test_two_receivers_polling_at_once_start_each_case_once(container, exchange, ministry):
    import threading

    from app.config import load_settings
    from app.container import Container
    from app.exchange.service import Exchange

    for number in range(8):
        ministry.send_edoc(official_letter(str(number)))
    twin_container = Container(load_settings(env={}, overrides={"database_url": container.settings.database_url,
                                                                  "data_dir": container.settings.data_dir}))
    twin = Exchange(twin_container, exchange.client.__class__(exchange.client.endpoint, exchange.client.system_id,
                                                               exchange.client.secret, exchange.client.agency_code))
    results: list[Any] = []
    threads = [threading.Thread(target=lambda e=e: results.append(e.poll_inbox())) for e in (exchange, twin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sum(r.received for r in results) == 8 and not any(r.errors for r in results), [r.errors for r in results]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == 8
        assert s.scalar(select(func.count(func.distinct(ReceivedPackage.case_id)))) == 8
    twin.close()
    twin_container.dispose()

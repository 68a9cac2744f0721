"""Fetching and acknowledging travel on threads of their own; an acknowledgement still only follows the commit
that stored its package, and a package that cannot be fetched waits for the next round."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.exchange.models import ReceivedPackage
from connectors.axis import AxisClient, AxisHub, HubStore, serve_in_thread

from .conftest import MINISTRY, PROCESSES, US
from .test_exchange import official_letter


class _WatchingHub:
    """The real hub, with a look at our database whenever an ``updateStatus`` arrives, and, when asked,
    a refusal of the first ``getEdoc`` or ``updateStatus`` of one DocId."""

    def __init__(self, hub: AxisHub) -> None:
        self.hub = hub
        self.container: Any = None
        self.stored_when_acknowledged: dict[str, bool] = {}
        self.threads: set[str] = set()
        self.refuse_once: dict[str, str] = {}  # operation -> DocId
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        operation = environ.get("PATH_INFO", "").rsplit("/", 1)[-1]
        doc_id = environ.get("HTTP_XROADVNPT_DOCID", "")
        with self.lock:
            if doc_id and self.refuse_once.get(operation) == doc_id:
                del self.refuse_once[operation]
                body = json.dumps({"status": "FAIL", "ErrorCode": "test_refused",
                                   "ErrorDesc": "Từ chối để thử"}).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(body)))])
                return [body]
        if operation == "updateStatus":
            with self.lock:
                with self.container.readers() as s:
                    stored = s.scalar(select(ReceivedPackage.id).where(ReceivedPackage.remote_id == doc_id))
                self.stored_when_acknowledged[doc_id] = stored is not None
        return self.hub(environ, start_response)


@pytest.fixture
def watched(tmp_path: Path, container: Any) -> Iterator[tuple[Any, _WatchingHub, AxisClient]]:
    from app.exchange.service import Exchange
    from engine import SYSTEM
    from engine.modeling import load_model, read_package

    hub = AxisHub(HubStore(tmp_path / "hub.db"))
    hub.register("sys-us", US, "bi-mat-cua-truong", "Trường Đại học Cần Thơ")
    hub.register("sys-ministry", MINISTRY, "bi-mat-cua-bo", "Văn phòng Chính phủ")
    watching = _WatchingHub(hub)
    watching.container = container
    running = serve_in_thread(watching)
    container.engine.deploy(load_model(read_package(PROCESSES / "QT74"),
                                       known_operators=container.registry.names()), SYSTEM)
    exchange = Exchange(container, AxisClient(running.url, "sys-us", "bi-mat-cua-truong", US, max_attempts=2,
                                              backoff_base=0.01))
    ministry = AxisClient(running.url, "sys-ministry", "bi-mat-cua-bo", MINISTRY, max_attempts=2, backoff_base=0.01)
    yield exchange, watching, ministry
    exchange.close()
    running.stop()


def test_every_acknowledgement_reaches_the_axis_after_its_package_is_committed(watched: Any) -> None:
    exchange, watching, ministry = watched
    sent = [ministry.send_edoc(official_letter(f"{i + 1}")) for i in range(5)]

    report = exchange.poll_inbox()

    assert report.received == 5 and not report.errors
    assert watching.stored_when_acknowledged == {doc_id: True for doc_id in sent}
    assert exchange.client.list_received() == []  # poll_inbox returned only when every answer was in


def test_a_refused_acknowledgement_is_reported_and_the_document_comes_back_as_a_duplicate(watched: Any) -> None:
    exchange, watching, ministry = watched
    sent = [ministry.send_edoc(official_letter(f"{i + 1}")) for i in range(3)]
    watching.refuse_once["updateStatus"] = sent[1]

    first = exchange.poll_inbox()
    second = exchange.poll_inbox()

    assert first.received == 2 and len(first.errors) == 1 and "test_refused" in first.errors[0]
    assert second.duplicates == 1 and second.received == 0 and not second.errors
    assert exchange.client.list_received() == []
    with exchange.c.sessions() as s:
        assert len(s.scalars(select(ReceivedPackage)).all()) == 3


def test_a_package_that_cannot_be_fetched_is_reported_and_taken_in_the_next_round(watched: Any) -> None:
    exchange, watching, ministry = watched
    sent = [ministry.send_edoc(official_letter(f"{i + 1}")) for i in range(6)]
    watching.refuse_once["getEdoc"] = sent[2]

    first = exchange.poll_inbox()

    assert first.received == 5 and len(first.errors) == 1 and "test_refused" in first.errors[0]
    assert exchange.client.list_received() == [sent[2]]
    second = exchange.poll_inbox()
    assert second.received == 1 and not second.errors and exchange.client.list_received() == []
    assert watching.stored_when_acknowledged == {doc_id: True for doc_id in sent}

"""The pipelined receiver: attachments validated in a worker process while the package before is
stored, verdicts identical to validating in line, redeliveries never validated again, a killed
validation worker costs nothing but time."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from sqlalchemy import select

from app.exchange.models import ReceivedPackage
from app.exchange.service import Exchange

from .test_security import case_data, events, letter_with


@pytest.fixture
def pool(pki: Any) -> Any:
    from app.exchange.validation_pool import ValidationPool
    from signing.trust import default_trust_store

    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    with ValidationPool(store, policy="lenient", offline=True).warm_up() as running:
        yield running


def tampered(pdf: bytes) -> bytes:
    at = pdf.index(b"Cong van so 123")
    return pdf[:at] + b"Cong van so 999" + pdf[at + 15:]


class CountingValidator:
    """The real validator, counting the attachments it was asked about."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0

    def __call__(self, name: str, data: bytes) -> Any:
        self.calls += 1
        return self.inner(name, data)


def test_the_worker_process_gives_the_same_verdicts_as_validating_in_line(pool, validator, signed_pdf):
    for pdf in (signed_pdf, tampered(signed_pdf), b"not a pdf"):
        assert pool.submit("cong-van.pdf", pdf).result() == validator("cong-van.pdf", pdf)
    worker_pids = [p.pid for p in pool.worker_processes()]
    assert worker_pids and os.getpid() not in worker_pids


def test_polled_packages_are_stored_each_with_its_own_verdict(container, exchange, ministry, pool,
                                                                       signed_pdf):
    letters = [letter_with(signed_pdf, "1"), letter_with(tampered(signed_pdf), "2"), letter_with(signed_pdf, "3"),
               letter_with(signed_pdf, "4")]
    for letter in letters:
        ministry.send_edoc(letter)
    got = Exchange(exchange.c, exchange.client, pool).poll_inbox()
    assert (got.received, got.duplicates, got.refused, got.errors) == (4, 0, 0, [])
    with container.sessions() as s:
        rows = {r.document_id.rsplit(",", 1)[1].split("/")[0]: r for r in s.scalars(select(ReceivedPackage))}
        outcomes = {n: (r.outcome, r.report["attachments"][0]["validation"]["indication"]) for n, r in rows.items()}
        cases = {n: r.case_id for n, r in rows.items()}
    assert outcomes == {"1": ("stored", "PASSED"), "2": ("flagged", "FAILED"), "3": ("stored", "PASSED"),
                        "4": ("stored", "PASSED")}
    assert [e["indication"] for e in events(container, cases["2"], "attachment_validated")] == ["FAILED"]
    assert "CHỮ KÝ KHÔNG HỢP LỆ" in case_data(container, cases["2"])["attachment_warnings"][0]
    assert case_data(container, cases["1"])["attachment_warnings"] == []
    assert ministry.list_received("edoc") == [] and exchange.client.list_received("edoc") == []


def test_a_redelivered_document_is_not_validated_again(container, exchange, validator, signed_pdf):
    counting = CountingValidator(validator)
    receiver = Exchange(exchange.c, exchange.client, counting)
    letter = letter_with(signed_pdf)
    assert receiver.accept(letter, "r1") == "started"
    assert receiver.accept(letter, "r2") == "duplicate"
    assert counting.calls == 1


def test_a_killed_validation_worker_is_replaced_by_validating_here(container, exchange, pool, signed_pdf):
    [worker] = pool.worker_processes()
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=10)
    receiver = Exchange(exchange.c, exchange.client, pool)
    assert receiver.accept(letter_with(tampered(signed_pdf)), "r1") == "started"
    assert receiver.accept(letter_with(signed_pdf, "2"), "r2") == "started"
    with container.sessions() as s:
        verdicts = [r.report["attachments"][0]["validation"]["indication"]
                    for r in s.scalars(select(ReceivedPackage).order_by(ReceivedPackage.id))]
    assert verdicts == ["FAILED", "PASSED"]



def test_the_worker_built_from_settings_validates_in_a_worker_process(container, exchange, hub, ministry,
                                                                      signed_pdf, tmp_path):
    from app.config import load_settings
    from app.container import Container
    from app.exchange.runner import exchange_from_settings, run_rounds
    from app.exchange.validation_pool import ValidationPool

    from .conftest import US

    settings = load_settings(env={}, overrides={
        "database_url": container.settings.database_url, "data_dir": container.settings.data_dir,
        "agency_code": US, "axis_endpoint": hub.url, "axis_system_id": "sys-us", "axis_secret": "bi-mat-cua-truong"})
    worker_side = Container(settings)
    receiver = exchange_from_settings(worker_side)
    try:
        assert isinstance(receiver.validator, ValidationPool)
        ministry.send_edoc(letter_with(signed_pdf))
        total = run_rounds(receiver, once=True)
        assert (total.received, total.errors) == (1, [])
        with container.sessions() as s:
            row = s.scalars(select(ReceivedPackage)).one()
            verdict = row.report["attachments"][0]["validation"]
        # the installation does not trust the test CA: checked, signed, not PASSED, and the clerk is told
        assert verdict["checked"] and verdict["signed"] and verdict["indication"] != "PASSED"
        assert len(events(container, row.case_id, "attachment_validated")) == 1
        assert case_data(container, row.case_id)["attachment_warnings"]
        assert receiver.validator._executor is not None  # the verdict came from the worker, not a fallback
    finally:
        receiver.close()
        worker_side.dispose()

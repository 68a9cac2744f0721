"""Exactly once under SIGKILL: two quytrinh instances exchange documents through the hub while their
exchange workers (separate processes, ``python -m app.exchange.runner``) are killed at random moments
and restarted.

Instance A (the sender) holds one case per document, each sending its letter from a BPMN service task
and then waiting for statuses; instance B (the receiver) takes every letter into a QT74 case and
answers 01. Afterwards every document was delivered exactly once (one stored package and one case per
document on B), every 01 reached the case that sent the document on A, nothing is left unsent, and
every case's audit chain verifies on both sides.

``QUYTRINH_FAULT_DOCUMENTS`` (default 500) and ``QUYTRINH_FAULT_SEED`` change the size and the moments.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.axis import AxisHub, HubStore, serve_in_thread

from .conftest import PROCESSES

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = int(os.environ.get("QUYTRINH_FAULT_DOCUMENTS", "500"))
SEED = int(os.environ.get("QUYTRINH_FAULT_SEED", str(int(time.time()))))
A, B = ("sys-a", "000.00.00.H10", "bi-mat-a"), ("sys-b", "000.00.00.G22", "bi-mat-b")
KILL_PHASE_SECONDS = 20.0
DEADLINE_SECONDS = 420.0  # a bound for a loaded CI machine; ~36 s on an idle one

pytestmark = [pytest.mark.slow]


def sender_procedure(root: Path) -> Path:
    """LT01: send the letter over the axis from a service task, then record statuses until 06 or 02."""
    from processes._build import forms
    from processes._build.model import ProcessBuilder
    from processes._build.package import Procedure, write_package

    b = ProcessBuilder("LT01", "lt01_gui_van_ban", "Gửi văn bản thử nghiệm qua Trục")
    lane = b.lane("registry", "Văn thư", "clerk", "PHCTH")
    start = b.start("start", "Lập văn bản", lane, forms.form("Văn bản đi", "Thử nghiệm", {
        "recipient_organ_id": forms.text("Cơ quan nhận", B[1]), "subject": forms.text("Trích yếu", "Thử"),
        "code_number": forms.text("Số", "1"), "code_notation": forms.text("Ký hiệu", "ĐHCT-VP")}))
    send = b.service("send", "Gửi qua Trục", lane, "axis_send_document", {}, result="axis_sent")
    wait = b.message_catch("wait_status", "Nhận trạng thái", lane, "axis_status", variable="axis_status")
    gw = b.gateway("gw", "Xong?", lane)
    end = b.end("end", "Xong", lane)
    b.chain(start, send, wait, gw)
    b.flow(gw, end, condition="axis_status.get('status_code') in ('02', '06')", name="Xong")
    b.flow(gw, wait, name="Chờ tiếp", default=True)
    return write_package(Procedure(b, "Test sender", 4, "inferred", "Thử", "Thử", [], [], "Test"), root)


def make_instance(template: str, folder: Path, agency: tuple[str, str, str], hub_url: str) -> tuple[Any, dict]:
    from app.config import load_settings
    from app.container import Container

    folder.mkdir(parents=True)
    shutil.copy(template, folder / "quytrinh.db")
    env = {"QUYTRINH_DATABASE_URL": f"sqlite:///{folder / 'quytrinh.db'}", "QUYTRINH_DATA_DIR": str(folder / "var"),
           "QUYTRINH_AGENCY_CODE": agency[1], "QUYTRINH_AXIS_ENDPOINT": hub_url, "QUYTRINH_AXIS_SYSTEM_ID": agency[0],
           "QUYTRINH_AXIS_SECRET": agency[2]}
    return Container(load_settings(env=env)), env


class Worker:
    """One exchange worker process of one instance; killed with SIGKILL and started again."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.log = log
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "app.exchange.runner", "--interval", "0.05"],
                                            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def fault_hub(tmp_path: Path) -> Iterator[Any]:
    hub = AxisHub(HubStore(tmp_path / "hub.db"))
    hub.register(*A, "Trường Đại học Cần Thơ")
    hub.register(*B, "Văn phòng Chính phủ")
    running = serve_in_thread(hub)
    yield running
    running.stop()


def count(container: Any, query: Any) -> int:
    with container.sessions() as s:
        return s.scalar(query)


def test_every_document_is_delivered_exactly_once_while_workers_are_killed(_template_db, tmp_path, fault_hub):
    from tests.conftest import on_postgres

    if on_postgres():
        pytest.skip("the two instances are SQLite files here")
    from app.autopilot import Autopilot
    from app.exchange.models import ReceivedPackage
    from engine import SYSTEM
    from engine.db import transaction
    from engine.modeling import load_model, read_package
    from engine.models import Case, Outbox
    from engine.runtime import cases as case_ops

    sender, sender_env = make_instance(_template_db, tmp_path / "a", A, fault_hub.url)
    receiver, receiver_env = make_instance(_template_db, tmp_path / "b", B, fault_hub.url)
    sender.engine.deploy(load_model(read_package(sender_procedure(tmp_path / "models")),
                                    known_operators=sender.registry.names()), SYSTEM)
    receiver.engine.deploy(load_model(read_package(PROCESSES / "QT74"), known_operators=receiver.registry.names()),
                           SYSTEM)
    clerk = Autopilot(sender).person("clerk", "PHCTH")
    for first in range(0, DOCUMENTS, 50):  # the letters are queued before any worker runs
        with transaction(sender.sessions) as s:
            for i in range(first, min(first + 50, DOCUMENTS)):
                case_ops.start_case(s, sender.registry, "LT01", {
                    "recipient_organ_id": B[1], "subject": f"Văn bản thử {i}", "code_number": str(i + 1),
                    "code_notation": "ĐHCT-VP"}, clerk)

    rng = random.Random(SEED)
    workers = [Worker(sender_env, tmp_path / "worker-a.log"), Worker(receiver_env, tmp_path / "worker-b.log")]
    started = time.monotonic()

    def done() -> bool:
        got = count(receiver, select(func.count()).select_from(ReceivedPackage).where(ReceivedPackage.kind == "edoc"))
        statuses = count(sender, select(func.count()).select_from(ReceivedPackage)
                         .where(ReceivedPackage.kind == "status"))
        return got >= DOCUMENTS and statuses >= DOCUMENTS

    try:
        for worker in workers:
            worker.start()
        next_kill = time.monotonic() + rng.uniform(0.5, 1.5)
        while not done():
            elapsed = time.monotonic() - started
            assert elapsed < DEADLINE_SECONDS, f"not finished in {DEADLINE_SECONDS} s (seed {SEED})"
            if elapsed < KILL_PHASE_SECONDS and time.monotonic() >= next_kill:
                victim = rng.choice(workers)
                victim.kill()
                time.sleep(rng.uniform(0.0, 0.3))
                victim.start()
                next_kill = time.monotonic() + rng.uniform(0.5, 1.5)
            time.sleep(0.1)
        time.sleep(0.5)  # let the last acknowledgements and outbox marks land
    finally:
        for worker in workers:
            worker.stop()
    assert sum(w.kills for w in workers) >= 5, "the workers were hardly killed; the test proved little"

    with receiver.sessions() as s:
        rows = s.scalars(select(ReceivedPackage).where(ReceivedPackage.kind == "edoc")).all()
        assert len(rows) == DOCUMENTS and len({r.document_id for r in rows}) == DOCUMENTS
        assert all(r.case_id is not None for r in rows) and len({r.case_id for r in rows}) == DOCUMENTS
        assert s.scalar(select(func.count()).select_from(Case).where(Case.code == "QT74")) == DOCUMENTS
        assert s.scalar(select(func.count()).select_from(ReceivedPackage).where(
            ReceivedPackage.kind != "edoc")) == 0
        receiver_cases = [r.case_id for r in rows]
    with sender.sessions() as s:
        statuses = s.scalars(select(ReceivedPackage).where(ReceivedPackage.kind == "status")).all()
        assert sorted(r.status_code for r in statuses) == ["01"] * DOCUMENTS
        assert all(r.outcome == "applied" and r.case_id is not None for r in statuses)
        assert len({r.case_id for r in statuses}) == DOCUMENTS  # each reached the case that sent its document
        sender_cases = list(s.scalars(select(Case.id).where(Case.code == "LT01")))
        assert len(sender_cases) == DOCUMENTS
    for instance in (sender, receiver):
        assert count(instance, select(func.count()).select_from(Outbox).where(Outbox.status != "sent")) == 0
    for instance, case_ids in ((sender, sender_cases), (receiver, receiver_cases)):
        broken = [case_id for case_id in case_ids if not instance.engine.verify_audit(case_id).ok]
        assert broken == []
    sender.dispose()
    receiver.dispose()

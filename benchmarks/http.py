"""HTTP throughput of task completion: gunicorn (2 workers) + the REST API + the engine + a database.

Prepares a database (SQLite in a temporary folder, or PostgreSQL with ``--database-url``) with a
one-task procedure and N started cases, starts ``gunicorn -w 2 app.wsgi:app`` on loopback, then
drives ``POST /api/v1/tasks/<id>/complete`` from a threaded client (one ``requests.Session`` per
thread, each completing different tasks). Every completion is a full engine step: authenticate the
token, load the case state, validate the form, run SpiffWorkflow to the end event, write the state,
the inbox projection and two audit events, commit.

Target (issue 2): >= 300 completions/s with p95 < 50 ms. Figures are printed, not asserted.

Run: ``.venv/bin/python benchmarks/http.py [--cases 1500] [--threads 8] [--database-url postgresql+psycopg://...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# This file is named like the standard library's ``http`` package; when run as a script its folder
# comes first on sys.path and would shadow it (requests imports http.client). Drop that entry.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import requests  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import load_settings  # noqa: E402
from app.container import Container  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from engine import SYSTEM  # noqa: E402
from engine.modeling import LoadedModel, load_model, read_package  # noqa: E402

TARGET_PER_SECOND = 300
TARGET_P95_MS = 50.0

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_bench" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench_request" name="Đề nghị đo tải" isExecutable="true">
    <bpmn:laneSet id="LaneSet_bench">
      <bpmn:lane id="Lane_clerk" name="Chuyên viên"><bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="Xem xét">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
SETTINGS = {"code": "BENCH", "name_vi": "Đề nghị đo tải", "process_id": "bench_request", "default_unit": "PDT",
            "lanes": {"Chuyên viên": {"role": "clerk", "unit": "PDT"}}}
REVIEW_FORM = {"type": "object", "required": ["decision"],
               "properties": {"decision": {"type": "string", "enum": ["approve", "reject"]}}}
START_FORM = {"type": "object", "properties": {"reason": {"type": "string"}}}


def package() -> dict[str, bytes]:
    return {"BENCH.bpmn": BPMN.encode(), "settings.json": json.dumps(SETTINGS, ensure_ascii=False).encode(),
            "forms/review.json": json.dumps(REVIEW_FORM).encode(), "forms/start.json": json.dumps(START_FORM).encode()}


def load_bench_model(known: set[str]) -> LoadedModel:
    return load_model(read_package(package()), known_operators=known)


def prepare(database_url: str, cases: int) -> tuple[str, list[str]]:
    """Migrate, create a clerk and an applicant, deploy, start ``cases`` cases; return token and task ids."""
    container = Container(load_settings(env={}, overrides={"database_url": database_url}))
    upgrade(container.db)
    container.accounts.create_user("bench.clerk", "bench-password", [("clerk", "PDT")])
    container.accounts.create_user("bench.student", "bench-password", [("applicant", None)])
    token = container.accounts.issue_token("bench.clerk", name="benchmark")
    container.engine.deploy(load_bench_model(container.registry.names()), SYSTEM)
    student = container.accounts.actor("bench.student")
    task_ids = []
    for n in range(cases):
        case = container.engine.start("BENCH", {"reason": f"đề nghị {n}"}, student)
        task_ids.extend(t["id"] for t in case.tasks if t["status"] == "ready")
    container.dispose()
    return token, task_ids


def in_process_breakdown(database_url: str, token: str, task_ids: list[str]) -> tuple[float, float, float]:
    """Mean ms per completion with no HTTP and no contention: the engine call alone, token
    authentication alone, and the whole API request through Flask's test client."""
    from app.factory import create_app

    container = Container(load_settings(env={}, overrides={"database_url": database_url}))
    client = create_app(container=container).test_client()
    clerk = container.accounts.actor("bench.clerk")
    half = len(task_ids) // 2
    began = time.perf_counter()
    for task_id in task_ids[:half]:
        container.engine.complete(task_id, {"decision": "approve"}, clerk)
    engine_ms = (time.perf_counter() - began) * 1000 / max(half, 1)
    began = time.perf_counter()
    for _ in range(half):
        container.accounts.actor_for_token(token)
    auth_ms = (time.perf_counter() - began) * 1000 / max(half, 1)
    headers = {"Authorization": f"Bearer {token}"}
    began = time.perf_counter()
    for task_id in task_ids[half:]:
        client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "approve"}}, headers=headers)
    api_ms = (time.perf_counter() - began) * 1000 / max(len(task_ids) - half, 1)
    container.dispose()
    return engine_ms, auth_ms, api_ms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, workers: int, data_dir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "QUYTRINH_DATABASE_URL": database_url, "QUYTRINH_SECRET_KEY": secrets.token_hex(16),
           "QUYTRINH_DATA_DIR": data_dir, "QUYTRINH_LOG_LEVEL": "WARNING"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                "app.wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/api/v1/health", timeout=10).status_code == 200:
                return process, base
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=15)
    raise SystemExit("gunicorn did not answer /api/v1/health within 60 s")


def drive(base: str, token: str, task_ids: list[str], threads: int) -> tuple[float, list[float], dict[int, int]]:
    work: queue.Queue[str] = queue.Queue()
    for task_id in task_ids:
        work.put(task_id)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine: list[float] = []
        seen: dict[int, int] = {}
        while True:
            try:
                task_id = work.get_nowait()
            except queue.Empty:
                break
            began = time.perf_counter()
            response = session.post(f"{base}/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "approve"}})
            mine.append(time.perf_counter() - began)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in seen.items():
                statuses[code] = statuses.get(code, 0) + count

    workers = [threading.Thread(target=client) for _ in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - began, latencies, statuses


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL of an EMPTY database (default: SQLite)")
    parser.add_argument("--breakdown", type=int, default=100, help="tasks completed in-process for the breakdown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qt-bench-http-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        began = time.perf_counter()
        token, task_ids = prepare(url, args.cases + args.breakdown)
        print(f"prepared {len(task_ids)} open tasks on {url.split(':')[0]} in {time.perf_counter() - began:.1f} s")
        if args.breakdown:
            engine_ms, auth_ms, api_ms = in_process_breakdown(url, token, task_ids[:args.breakdown])
            task_ids = task_ids[args.breakdown:]
            print(f"in-process, one at a time: engine.complete {engine_ms:.1f} ms, token check {auth_ms:.1f} ms, "
                  f"whole API request (Flask test client) {api_ms:.1f} ms")
        process, base = start_gunicorn(url, args.workers, tmp)
        try:
            drive(base, token, task_ids[:20], 2)  # warm-up: imports, spec cache, connection pools
            elapsed, latencies, statuses = drive(base, token, task_ids[20:], args.threads)
        finally:
            process.terminate()
            process.wait(timeout=15)
    done = statuses.get(200, 0)
    rate = done / elapsed if elapsed else 0.0
    p50, p95, p99 = (percentile(latencies, f) * 1000 for f in (0.50, 0.95, 0.99))
    print(f"gunicorn -w {args.workers}, {args.threads} client threads, {len(latencies)} completions "
          f"in {elapsed:.2f} s; statuses {dict(sorted(statuses.items()))}")
    print(f"completions/s: {rate:.0f} (target >= {TARGET_PER_SECOND})")
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f} (target < {TARGET_P95_MS:.0f})  p99 {p99:.1f}  "
          f"mean {statistics.fmean(latencies) * 1000:.1f}")


if __name__ == "__main__":
    main()

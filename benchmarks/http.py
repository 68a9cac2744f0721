"""HTTP throughput of task completion: gunicorn + the REST API + the engine, on SQLite and PostgreSQL.

For each database (a SQLite file in a temporary folder; a scratch PostgreSQL database made on the
server of ``--pg`` and dropped afterwards, skipped with a note when unreachable) it migrates, deploys a
one-task procedure, starts N cases, runs gunicorn on loopback, then drives
``POST /api/v1/tasks/<id>/complete`` from client threads, each on its own keep-alive connection and
completing different tasks. Every completion is a full engine step: authenticate the token, load the
case state, validate the form, run SpiffWorkflow to the end event, write the state, the inbox and two
audit events, commit.

Target (issue 2): >= 300 completions/s with p95 < 50 ms. Figures and ratios are printed, not asserted.
SQLite has one writer at a time (workers queue on its lock); PostgreSQL lets workers write in parallel.

Sizing measured on a 2-core box (gthread, 2 threads per worker, 8 clients): SQLite is fastest with ONE
worker (224/s, p95 58 ms; 2 workers 158/s, 4 workers 143-152/s with p95 > 110 ms: the extra processes
only queue on SQLite's write lock and cost CPU), PostgreSQL with one worker per core (2 workers 223/s,
p95 67 ms; 4 workers 165/s). More processes than cores just share the same CPUs for a Python-bound step.

Run: ``.venv/bin/python benchmarks/http.py [--cases 1500] [--clients 8] [--workers N] [--worker-class gthread]
[--threads 2] [--db sqlite,postgresql] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]``.
``--database-url URL`` uses an existing EMPTY database instead.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# This file is named like the standard library's ``http`` package; when run as a script its folder
# comes first on sys.path and would shadow it (requests imports http.client). Drop that entry.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
import http.client  # noqa: E402 - the standard library's, now that the shadow is gone

import requests  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import load_settings  # noqa: E402
from app.container import Container  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from benchmarks.scratch import pg_unreachable, scratch_postgresql  # noqa: E402
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


def start_gunicorn(database_url: str, data_dir: str, options: argparse.Namespace) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "QUYTRINH_DATABASE_URL": database_url, "QUYTRINH_SECRET_KEY": secrets.token_hex(16),
           "QUYTRINH_DATA_DIR": data_dir, "QUYTRINH_LOG_LEVEL": "WARNING"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-w", str(options.workers), "-k", options.worker_class, "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "--worker-tmp-dir", "/dev/shm", "--backlog", "256"]
    if options.worker_class == "gthread":
        command += ["--threads", str(options.threads), "--keep-alive", "5"]
    process = subprocess.Popen([*command, "app.wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10).status_code == 200:
                return process, port
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=15)
    raise SystemExit("gunicorn did not answer /api/v1/health within 60 s")


def drive(port: int, token: str, task_ids: list[str], clients: int) -> tuple[float, list[float], dict[int, int]]:
    """Complete every task in ``task_ids`` from ``clients`` threads; http.client on one keep-alive
    connection per thread (reconnecting when the server closes it), far lighter than requests, so the
    load generator takes less of the CPU it shares with the server."""
    work: queue.Queue[str] = queue.Queue()
    for task_id in task_ids:
        work.put(task_id)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    body = json.dumps({"data": {"decision": "approve"}}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        seen: dict[int, int] = {}
        while True:
            try:
                task_id = work.get_nowait()
            except queue.Empty:
                break
            began = time.perf_counter()
            for attempt in (1, 2):
                try:
                    conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    break
                except (ConnectionError, http.client.HTTPException):
                    conn.close()  # the server closed the kept-alive connection: reconnect once
                    if attempt == 2:
                        raise
            mine.append(time.perf_counter() - began)
            seen[response.status] = seen.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, count in seen.items():
                statuses[code] = statuses.get(code, 0) + count

    workers = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - began, latencies, statuses


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by gunicorn's master and workers, from /proc: unlike
    wall-clock rates it hardly changes when other programs load the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [master_pid]
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        pids += [int(pid) for pid in children]
    except OSError:
        return float("nan")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@contextmanager
def scratch_database(kind: str, pg_admin_url: str) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="qt-bench-http-db-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    with scratch_postgresql(pg_admin_url, "qt_bench_http", migrate=False) as url:
        yield url


def run_one(label: str, url: str, options: argparse.Namespace) -> dict[str, float]:
    if not options.workers:
        options = argparse.Namespace(**{**vars(options),
                                        "workers": 1 if url.startswith("sqlite") else os.cpu_count() or 1})
    with tempfile.TemporaryDirectory(prefix="qt-bench-http-") as tmp:
        began = time.perf_counter()
        token, task_ids = prepare(url, options.cases + options.breakdown + 20)
        print(f"[{label}] prepared {len(task_ids)} open tasks in {time.perf_counter() - began:.1f} s")
        if options.breakdown:
            engine_ms, auth_ms, api_ms = in_process_breakdown(url, token, task_ids[:options.breakdown])
            task_ids = task_ids[options.breakdown:]
            print(f"[{label}] in-process, one at a time: engine.complete {engine_ms:.1f} ms, token check "
                  f"{auth_ms:.2f} ms, whole API request (Flask test client) {api_ms:.1f} ms")
        process, port = start_gunicorn(url, tmp, options)
        try:
            drive(port, token, task_ids[:20], 2)  # warm-up: imports, spec cache, connection pools
            cpu_before, client_before = server_cpu_seconds(process.pid), time.process_time()
            elapsed, latencies, statuses = drive(port, token, task_ids[20:], options.clients)
            server_cpu = server_cpu_seconds(process.pid) - cpu_before
            client_cpu = time.process_time() - client_before
        finally:
            process.terminate()
            process.wait(timeout=15)
    done = statuses.get(200, 0)
    rate = done / elapsed if elapsed else 0.0
    p50, p95, p99 = (percentile(latencies, f) * 1000 for f in (0.50, 0.95, 0.99))
    threads = f" --threads {options.threads}" if options.worker_class == "gthread" else ""
    print(f"[{label}] gunicorn -w {options.workers} -k {options.worker_class}{threads}, {options.clients} client "
          f"threads, {len(latencies)} completions in {elapsed:.2f} s; statuses {dict(sorted(statuses.items()))}")
    print(f"[{label}] completions/s: {rate:.0f} (target >= {TARGET_PER_SECOND}: {rate / TARGET_PER_SECOND:.0%})")
    print(f"[{label}] latency ms: p50 {p50:.1f}  p95 {p95:.1f} (target < {TARGET_P95_MS:.0f}: "
          f"{p95 / TARGET_P95_MS:.1f}x)  p99 {p99:.1f}  mean {statistics.fmean(latencies) * 1000:.1f}")
    per = max(len(latencies), 1)
    print(f"[{label}] CPU per completion: gunicorn {server_cpu * 1000 / per:.2f} ms, load generator "
          f"{client_cpu * 1000 / per:.2f} ms (database server not counted); load average during the run "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return {"rate": rate, "p95": p95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=8, help="client threads, each on its own connection")
    parser.add_argument("--workers", type=int, default=0,
                        help="gunicorn workers; default: 1 on SQLite (one writer: more processes only contend "
                             "for its lock), one per core on PostgreSQL")
    parser.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL admin URL (a scratch database is made there)")
    parser.add_argument("--database-url", default="", help="an existing EMPTY database to use instead")
    parser.add_argument("--breakdown", type=int, default=100, help="tasks completed in-process for the breakdown")
    options = parser.parse_args()
    if options.database_url:
        run_one(options.database_url.split(":")[0], options.database_url, options)
        return
    for kind in [k.strip() for k in options.db.split(",") if k.strip()]:
        if kind == "postgresql" and (why := pg_unreachable(options.pg)) is not None:
            print(f"[postgresql] skipped: {why}")
            continue
        with scratch_database(kind, options.pg) as url:
            run_one(kind, url, options)


if __name__ == "__main__":
    main()

"""Engine throughput and step cost: figures for issue 2 (printed, never asserted).

1. cases/s for start -> three user tasks -> end (tests/fixtures/models/three_tasks) through
   ``ProcessEngine`` with persistence, on SQLite (a file) and on PostgreSQL (a scratch database on
   127.0.0.1:5432, dropped afterwards; skipped with a note when unreachable);
2. the ceiling: the same case in plain SpiffWorkflow in memory with one JSON save and load (its own
   serializer, spec included) per wait state, in this process; the ratio engine/ceiling (target >= 50%);
3. the time to load and step a case whose history holds 10,000 executed tasks (target < 20 ms), with
   pruning (a real 10,000-task loop run through the engine) and without (the same case with pruning
   switched off and 10,000 finished tasks put back into its state: a real loop that long cannot run
   unpruned, SpiffWorkflow stops seeing tasks deeper than 1,000);
4. HTTP figures: ``benchmarks/http.py`` (gunicorn + load generator) when present; ``--http`` runs it;
5. what the exchange's receiver pays per package to start its case: ``start_case`` of QT74 (start -> the
   first user task, waiting on a timer and two messages) with the data a received package gives, in a
   transaction of its own, through the application's container: CPU ms and SQL statements per start
   (12 statements on SQLite and 11 on PostgreSQL before the inbox look-up and job writes were cut; 7 now).

Run: ``.venv/bin/python benchmarks/engine.py [--cases 200] [--steps 40] [--starts 300] [--pg URL|--no-pg]
[--http]``.
Timings use ``time.perf_counter`` after a warm-up; step times are medians.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/http.py (a sibling) would shadow the standard library's http package (aiohttp, via pyHanko,
# imports it when section 5 builds the application's container)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.task import TaskState  # noqa: E402

from benchmarks.scratch import pg_unreachable, scratch_postgresql  # noqa: E402
from engine import SYSTEM, ProcessEngine, ServiceRegistry, make_engine, make_session_factory, transaction  # noqa: E402
from engine.models import Case  # noqa: E402
from engine.runtime import stepper  # noqa: E402

THREE = ROOT / "tests" / "fixtures" / "models" / "three_tasks"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ANSWERS = {"supplement": {"note": "đủ"}, "review": {"valid": True, "score": 8}, "approve": {"decision": "approve"}}

LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_bench_loop"
    targetNamespace="https://quytrinh.test"><bpmn:process id="bench_loop" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:scriptTask id="init"><bpmn:script>counter = 0</bpmn:script></bpmn:scriptTask>
  <bpmn:scriptTask id="inc"><bpmn:script>counter = counter + 1</bpmn:script></bpmn:scriptTask>
  <bpmn:exclusiveGateway id="every" default="skip"/>
  <bpmn:userTask id="checkpoint" name="Kiểm tra định kỳ"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init"/>
  <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="inc"/>
  <bpmn:sequenceFlow id="f3" sourceRef="inc" targetRef="every"/>
  <bpmn:sequenceFlow id="wait" sourceRef="every" targetRef="checkpoint">
    <bpmn:conditionExpression>counter % step == 0</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="skip" sourceRef="every" targetRef="inc"/>
  <bpmn:sequenceFlow id="f4" sourceRef="checkpoint" targetRef="inc"/>
</bpmn:process></bpmn:definitions>"""


# -- set-up ------------------------------------------------------------------------------------
def parse_three() -> tuple[Any, dict, dict[str, Any], dict[str, Any]]:
    settings = json.loads((THREE / "settings.json").read_text(encoding="utf-8"))
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (THREE / "forms").glob("*.json")}
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(THREE / "three_tasks.bpmn"))
    pid = settings["process_id"]
    return parser.get_spec(pid), parser.get_subprocess_specs(pid), settings, forms


def three_model() -> Any:
    """The fixture as engine.modeling loads it; a parser-built stand-in while that is not importable."""
    try:
        from engine.modeling import load_model, read_package

        return load_model(read_package(THREE), known_operators=set())
    except ImportError:
        spec, subs, settings, forms = parse_three()
        return SimpleNamespace(code=settings["code"], content_hash=_digest((THREE / "three_tasks.bpmn").read_bytes()),
                               settings=settings, process_id=settings["process_id"], spec=spec,
                               subprocess_specs=subs, files={}, forms=forms, lanes=settings.get("lanes", {}),
                               description="", warnings=[])


def loop_model() -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(LOOP.encode("utf-8"))
    return SimpleNamespace(code="BENCH_LOOP", content_hash=_digest(LOOP.encode()), settings={},
                           process_id="bench_loop", spec=parser.get_spec("bench_loop"),
                           subprocess_specs=parser.get_subprocess_specs("bench_loop"), files={}, forms={},
                           lanes={}, description="", warnings=[])


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@contextmanager
def database(kind: str, pg_admin_url: str) -> Iterator[str]:
    """A migrated scratch database, removed afterwards."""
    from app.migrate import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            eng = make_engine(url)
            upgrade(eng)
            eng.dispose()
            yield url
        return
    with scratch_postgresql(pg_admin_url) as url:
        yield url


def process_engine(url: str) -> tuple[ProcessEngine, Any]:
    eng = make_engine(url)
    return ProcessEngine(make_session_factory(eng), ServiceRegistry()), eng


def ready_task(view: Any) -> dict[str, Any]:
    return next(t for t in view.tasks if t["status"] in ("ready", "claimed"))


# -- 1. cases/s through the engine -------------------------------------------------------------
def run_engine_case(pe: ProcessEngine) -> None:
    view = pe.start("T3", {"subject": "Xin bảng điểm"}, SYSTEM)
    while view.status != "completed":
        task = ready_task(view)
        view = pe.complete(task["id"], ANSWERS[task["bpmn_id"]], SYSTEM)


def engine_rate(url: str, cases: int) -> tuple[float, float, float]:
    """cases/s, wall ms per step and CPU ms per step of this process (start + 3 tasks = 4 steps).

    The CPU figure hardly moves when other programs load the machine; on SQLite it is nearly all
    of the work, on PostgreSQL the server's share is not in it."""
    pe, eng = process_engine(url)
    try:
        pe.deploy(three_model(), SYSTEM)
        for _ in range(max(5, cases // 10)):  # warm-up: caches, connections, first compiles
            run_engine_case(pe)
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(cases):
            run_engine_case(pe)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return cases / elapsed, elapsed / cases / 4 * 1000, cpu / cases / 4 * 1000
    finally:
        eng.dispose()


# -- 2. the ceiling: plain SpiffWorkflow in memory ---------------------------------------------
def ceiling_rate(cases: int) -> tuple[float, float]:
    """cases/s and CPU ms per case of plain SpiffWorkflow in memory."""
    spec, subs, _, _ = parse_three()
    ser = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def one() -> None:
        wf = BpmnWorkflow(spec, subs)
        wf.get_tasks(state=TaskState.READY)[0].data.update({"subject": "Xin bảng điểm"})
        wf.do_engine_steps()
        while not wf.is_completed():
            wf = ser.deserialize_json(ser.serialize_json(wf))  # one save + load per wait state
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(ANSWERS[task.task_spec.bpmn_id])
            task.run()
            wf.do_engine_steps()

    for _ in range(max(5, cases // 10)):
        one()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(cases):
        one()
    return cases / (time.perf_counter() - started), (time.process_time() - cpu) / cases * 1000


# -- 3. a step of a case with 10,000 executed tasks --------------------------------------------
def timed_steps(pe: ProcessEngine, case_id: int, task_id: str, steps: int,
                views: list[float] | None = None) -> tuple[list[float], str]:
    """Time ``steps`` completions; ``views`` collects the part spent building the returned case view."""
    from engine.runtime import cases

    original = cases.view_after_step
    spent = [0.0]

    def timed_view(session: Any, step: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(session, step)
        finally:
            spent[0] += time.perf_counter() - started

    cases.view_after_step = timed_view
    times = []
    try:
        for _ in range(steps):
            spent[0] = 0.0
            started = time.perf_counter()
            view = pe.complete(task_id, {}, SYSTEM)
            times.append((time.perf_counter() - started) * 1000)
            if views is not None:
                views.append(spent[0] * 1000)
            task_id = ready_task(view)["id"]
    finally:
        cases.view_after_step = original
    return times, task_id


def state_size(pe: ProcessEngine, case_id: int) -> tuple[int, int]:
    with pe.sessions() as s:
        state = s.get(Case, case_id).state
        return len(json.dumps(state)), len(state["tasks"])


def long_history(url: str, target_tasks: int, steps: int) -> dict[str, Any]:
    """Run the loop through the engine until its history holds ``target_tasks`` tasks, then time steps."""
    from engine.runtime.history import load_history

    pe, eng = process_engine(url)
    try:
        pe.deploy(loop_model(), SYSTEM)
        view = pe.start("BENCH_LOOP", {"step": 25}, SYSTEM)  # 25 iterations (~100 tasks) per step
        task_id = ready_task(view)["id"]
        while (history_tasks := executed(pe, view.id)) < target_tasks:
            for _ in range(10):
                view = pe.complete(task_id, {}, SYSTEM)
                task_id = ready_task(view)["id"]
        view = pe.complete(task_id, {"step": 1}, SYSTEM)  # from now on: one iteration per step
        task_id = ready_task(view)["id"]
        warm, task_id = timed_steps(pe, view.id, task_id, 5)
        view_ms: list[float] = []
        pruned, task_id = timed_steps(pe, view.id, task_id, steps, view_ms)
        human_tasks = len(view.tasks)
        size, kept = state_size(pe, view.id)
        with pe.sessions() as s:
            rows = len(load_history(s, view.id))

        # the same case without pruning, its history put back into the state as finished tasks
        original = stepper.prune_into_history
        stepper.prune_into_history = lambda *args: 0
        try:
            restore_unpruned(pe, view.id, history_tasks)
            full_size, full_kept = state_size(pe, view.id)
            unpruned, task_id = timed_steps(pe, view.id, task_id, max(5, steps // 4))
        finally:
            stepper.prune_into_history = original
        started = time.perf_counter()
        pe.complete(task_id, {}, SYSTEM)  # pruning again: this step moves the 10,000 tasks out once
        backlog = (time.perf_counter() - started) * 1000
        return {"history": history_tasks, "rows": rows, "pruned_ms": statistics.median(pruned),
                "view_ms": statistics.median(view_ms), "human_tasks": human_tasks,
                "state_bytes": size, "state_tasks": kept, "unpruned_ms": statistics.median(unpruned),
                "unpruned_bytes": full_size, "unpruned_tasks": full_kept, "backlog_ms": backlog}
    finally:
        eng.dispose()


def executed(pe: ProcessEngine, case_id: int) -> int:
    from sqlalchemy import func, select

    from engine.models import TaskHistory

    with pe.sessions() as s:
        return s.scalar(select(func.coalesce(func.sum(TaskHistory.task_count), 0))
                        .where(TaskHistory.case_id == case_id))


def restore_unpruned(pe: ProcessEngine, case_id: int, count: int) -> None:
    """Put ``count`` finished tasks under the root of the case's tree, as an unpruned history would."""
    with transaction(pe.sessions) as s:
        case = s.get(Case, case_id)
        state = json.loads(json.dumps(case.state))
        root = state["tasks"][state["root"]]
        extra = {}
        for i in range(count):
            tid = str(uuid.uuid4())
            extra[tid] = {"id": tid, "parent": state["root"], "children": [], "last_state_change": time.time(),
                          "state": int(TaskState.COMPLETED), "task_spec": "inc", "triggered": False,
                          "internal_data": {}, "data": {}, "typename": "Task",
                          "delta": {"updates": {"counter": i}, "deletions": []}}
        root["children"] = list(extra) + root["children"]
        state["tasks"] = {state["root"]: root, **extra,
                          **{k: v for k, v in state["tasks"].items() if k != state["root"]}}
        case.state = state


# -- 4. HTTP -----------------------------------------------------------------------------------
def http_figures(run: bool) -> None:
    script = ROOT / "benchmarks" / "http.py"
    if not script.exists():
        print("HTTP: benchmarks/http.py is not there yet")
        return
    if not run:
        print(f"HTTP: run `{sys.executable} {script.relative_to(ROOT)}` (gunicorn + load generator), "
              "or pass --http here")
        return
    subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)


# -- main --------------------------------------------------------------------------------------
# -- 5. a QT74 start as the exchange makes it -----------------------------------------------------
def incoming_document(n: int) -> dict[str, Any]:
    """The start data app/exchange gives QT74 for a received package (one distinct document each)."""
    return {"direction": "den", "document_id": f"000.00.00.H01,2026/11/25,{n}/UBND-VP",
            "sender_organ_id": "000.00.00.H01", "sender_organ_name": "Sở A", "subject": f"Về việc thử nghiệm {n}",
            "code_number": str(n), "code_notation": "UBND-VP", "document_type": "cong_van",
            "promulgation_date": "2026-11-25", "received_at": "2026-11-25T08:00:00+00:00", "urgency": "thuong",
            "due_date": "",
            "attachments": [{"file_name": "a.pdf", "file_id": hashlib.sha256(str(n).encode()).hexdigest()}],
            "envelope_signature": "valid: ok", "attachment_warnings": []}


def qt74_starts(url: str, starts: int) -> tuple[float, float]:
    """CPU ms and SQL statements per ``start_case`` of QT74 (the transaction's commit included)."""
    from sqlalchemy import event

    from app.config import load_settings
    from app.container import Container
    from engine.modeling import load_model, read_package
    from engine.runtime.cases import start_case

    with tempfile.TemporaryDirectory() as folder:
        c = Container(load_settings(env={}, overrides={"database_url": url, "data_dir": folder}))
        try:
            c.engine.deploy(load_model(read_package(ROOT / "processes" / "QT74"),
                                       known_operators=c.registry.names()), SYSTEM)
            axis = SYSTEM  # the exchange starts as its axis actor; who starts does not change the cost

            def one(n: int) -> None:
                with transaction(c.sessions) as s:
                    start_case(s, c.registry, "QT74", incoming_document(n), axis, title="t")

            for n in range(max(5, starts // 10)):
                one(n)
            seen = [0]

            def count(*_: Any) -> None:
                seen[0] += 1

            event.listen(c.db, "before_cursor_execute", count)
            cpu = time.process_time()
            for n in range(starts):
                one(10_000 + n)
            cpu = time.process_time() - cpu
            event.remove(c.db, "before_cursor_execute", count)
            return cpu / starts * 1000, seen[0] / starts
        finally:
            c.dispose()


def section(title: str, work: Callable[[], None]) -> None:
    print(f"\n== {title}")
    work()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--steps", type=int, default=40, help="timed steps of the long-history case")
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin URL (a scratch database is made)")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--http", action="store_true", help="also run benchmarks/http.py")
    parser.add_argument("--starts", type=int, default=300, help="timed QT74 starts")
    parser.add_argument("--only", choices=["1", "3", "4", "5"], help="run only this section (1 = sections 1-2)")
    args = parser.parse_args()

    kinds = ["sqlite"]
    why_not = "--no-pg" if args.no_pg else pg_unreachable(args.pg)
    if why_not is None:
        kinds.append("postgresql")
    ceiling, ceiling_cpu = ceiling_rate(args.cases) if args.only in (None, "1") else (0.0, 0.0)
    rates: dict[str, float] = {}
    cpus: dict[str, float] = {}

    def throughput() -> None:
        for kind in kinds:
            with database(kind, args.pg) as url:
                rate, per_step, cpu_step = engine_rate(url, args.cases)
            rates[kind], cpus[kind] = rate, cpu_step * 4
            print(f"engine + {kind:10s}: {rate:7.1f} cases/s  ({per_step:.2f} ms per step, 4 steps per case; "
                  f"CPU {cpu_step:.2f} ms per step in this process)")
        if why_not is not None:
            print(f"engine + postgresql: skipped ({why_not})")
        print(f"ceiling (in memory, JSON save+load per wait): {ceiling:7.1f} cases/s (CPU {ceiling_cpu:.2f} ms per case)")
        for kind, rate in rates.items():
            print(f"ratio engine/ceiling on {kind}: {rate / ceiling:.0%} wall (target >= 50%), "
                  f"{ceiling_cpu / cpus[kind]:.0%} by CPU time of this process; load average {os.getloadavg()[0]:.1f}")

    def history_step() -> None:
        for kind in kinds:
            with database(kind, args.pg) as url:
                r = long_history(url, args.history, args.steps)
            print(f"[{kind}] history {r['history']} executed tasks in {r['rows']} rows")
            print(f"[{kind}]   with pruning   : {r['pruned_ms']:7.2f} ms per step (median), state "
                  f"{r['state_bytes']} bytes / {r['state_tasks']} tasks   (target < 20 ms)")
            print(f"[{kind}]     of which {r['view_ms']:.2f} ms build the returned case view, which lists all "
                  f"{r['human_tasks']} user tasks the case has had (O(user tasks), not O(history))")
            print(f"[{kind}]   without pruning: {r['unpruned_ms']:7.2f} ms per step (median), state "
                  f"{r['unpruned_bytes']} bytes / {r['unpruned_tasks']} tasks")
            print(f"[{kind}]   first pruned step after that (moves the backlog once): {r['backlog_ms']:.1f} ms")

    def exchange_start() -> None:
        for kind in kinds:
            with database(kind, args.pg) as url:
                cpu_ms, statements = qt74_starts(url, args.starts)
            print(f"[{kind}] start_case of QT74: CPU {cpu_ms:.2f} ms per start (commit included), "
                  f"{statements:.1f} SQL statements per start (BEGIN and COMMIT not counted)")

    chosen = {"1": throughput, "3": history_step, "4": lambda: http_figures(args.http),
              "5": exchange_start}
    titles = {"1": "1-2. start -> three user tasks -> end", "3": f"3. one step of a case with {args.history} "
              "executed tasks", "4": "4. HTTP", "5": "5. QT74 started as the exchange starts it"}
    for key, work in chosen.items():
        if args.only in (None, key):
            section(titles[key], work)


if __name__ == "__main__":
    main()

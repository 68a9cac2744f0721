"""Executed history leaves the case state: same results as plain SpiffWorkflow, state that stays small.

Reference runs are plain SpiffWorkflow 3.2.0 in memory, never saved. Pruned runs prune after every
wait, save the state as JSON (without spec), restore it and go on, as the engine does between steps.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.task import TaskState

from engine.runtime import history
from engine.runtime.state import dump_state, load_state
from engine.scripting import SafeScriptEngine

TESTS = Path(__file__).resolve().parents[1]
MODELS = TESTS / "fixtures" / "models"
PROCESSES = TESTS.parent / "processes"

_spec = importlib.util.spec_from_file_location("history_model_runner", TESTS / "processes" / "model_runner.py")
runner = sys.modules.setdefault("history_model_runner", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(runner)  # type: ignore[union-attr]

B = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="https://quytrinh.test"'

LOOP = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {B} id="defs_loop"><bpmn:process id="loop" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:scriptTask id="init"><bpmn:script>counter = 0</bpmn:script></bpmn:scriptTask>
  <bpmn:scriptTask id="inc"><bpmn:script>counter = counter + 1</bpmn:script></bpmn:scriptTask>
  <bpmn:exclusiveGateway id="every" default="skip"/>
  <bpmn:userTask id="checkpoint" name="Kiểm tra định kỳ"/>
  <bpmn:exclusiveGateway id="done" default="again"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init"/>
  <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="inc"/>
  <bpmn:sequenceFlow id="f3" sourceRef="inc" targetRef="every"/>
  <bpmn:sequenceFlow id="wait" sourceRef="every" targetRef="checkpoint">
    <bpmn:conditionExpression>counter % step == 0</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="skip" sourceRef="every" targetRef="done"/>
  <bpmn:sequenceFlow id="f4" sourceRef="checkpoint" targetRef="done"/>
  <bpmn:sequenceFlow id="finish" sourceRef="done" targetRef="end">
    <bpmn:conditionExpression>counter &gt;= total</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="again" sourceRef="done" targetRef="inc"/>
</bpmn:process></bpmn:definitions>"""

# Parallel split/join with a boundary timer on one branch's user task and a message catch on the
# other, then an embedded subprocess with a user task, the whole thing twice (a loop back).
MIXED = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {B} id="defs_mixed"><bpmn:process id="mixed" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:scriptTask id="init"><bpmn:script>rounds = 0</bpmn:script></bpmn:scriptTask>
  <bpmn:parallelGateway id="split"/>
  <bpmn:userTask id="review" name="Xem xét"/>
  <bpmn:boundaryEvent id="late" attachedToRef="review" cancelActivity="true">
    <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:boundaryEvent>
  <bpmn:scriptTask id="escalate"><bpmn:script>escalated = rounds</bpmn:script></bpmn:scriptTask>
  <bpmn:exclusiveGateway id="merge"/>
  <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="msg_paid"/></bpmn:intermediateCatchEvent>
  <bpmn:parallelGateway id="join"/>
  <bpmn:subProcess id="sub">
    <bpmn:startEvent id="sub_start"/>
    <bpmn:userTask id="sign" name="Ký"/>
    <bpmn:scriptTask id="count"><bpmn:script>rounds = rounds + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="sub_end"/>
    <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="sign"/>
    <bpmn:sequenceFlow id="s2" sourceRef="sign" targetRef="count"/>
    <bpmn:sequenceFlow id="s3" sourceRef="count" targetRef="sub_end"/>
  </bpmn:subProcess>
  <bpmn:exclusiveGateway id="more" default="finish"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init"/>
  <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="split"/>
  <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="review"/>
  <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="paid"/>
  <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="merge"/>
  <bpmn:sequenceFlow id="f6" sourceRef="late" targetRef="escalate"/>
  <bpmn:sequenceFlow id="f7" sourceRef="escalate" targetRef="merge"/>
  <bpmn:sequenceFlow id="f8" sourceRef="merge" targetRef="join"/>
  <bpmn:sequenceFlow id="f9" sourceRef="paid" targetRef="join"/>
  <bpmn:sequenceFlow id="f10" sourceRef="join" targetRef="sub"/>
  <bpmn:sequenceFlow id="f11" sourceRef="sub" targetRef="more"/>
  <bpmn:sequenceFlow id="loop" sourceRef="more" targetRef="split">
    <bpmn:conditionExpression>rounds &lt; 2</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="finish" sourceRef="more" targetRef="end"/>
</bpmn:process><bpmn:message id="msg_paid" name="paid"/></bpmn:definitions>"""

# A sequential multi-instance user task, an inclusive split/join, an event-based gateway choosing
# between two messages, a call activity into a second process, the whole thing looping once.
MORE = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {B} id="defs_more"><bpmn:process id="more" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:scriptTask id="init"><bpmn:script>laps = 0</bpmn:script></bpmn:scriptTask>
  <bpmn:userTask id="each" name="Từng bản">
    <bpmn:multiInstanceLoopCharacteristics isSequential="true">
      <bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>
  <bpmn:inclusiveGateway id="fork"/>
  <bpmn:userTask id="check" name="Kiểm tra"/>
  <bpmn:scriptTask id="note"><bpmn:script>noted = laps</bpmn:script></bpmn:scriptTask>
  <bpmn:inclusiveGateway id="meet"/>
  <bpmn:eventBasedGateway id="choose"/>
  <bpmn:intermediateCatchEvent id="go"><bpmn:messageEventDefinition messageRef="m_go"/></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="stop"><bpmn:messageEventDefinition messageRef="m_stop"/></bpmn:intermediateCatchEvent>
  <bpmn:callActivity id="call" calledElement="child"/>
  <bpmn:scriptTask id="stopped"><bpmn:script>stopped = True</bpmn:script></bpmn:scriptTask>
  <bpmn:exclusiveGateway id="after"/>
  <bpmn:scriptTask id="lap"><bpmn:script>laps = laps + 1</bpmn:script></bpmn:scriptTask>
  <bpmn:exclusiveGateway id="again" default="out"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="init"/>
  <bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="each"/>
  <bpmn:sequenceFlow id="f3" sourceRef="each" targetRef="fork"/>
  <bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="check"><bpmn:conditionExpression>laps == 0</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f5" sourceRef="fork" targetRef="note"><bpmn:conditionExpression>True</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f6" sourceRef="check" targetRef="meet"/>
  <bpmn:sequenceFlow id="f7" sourceRef="note" targetRef="meet"/>
  <bpmn:sequenceFlow id="f8" sourceRef="meet" targetRef="choose"/>
  <bpmn:sequenceFlow id="f9" sourceRef="choose" targetRef="go"/>
  <bpmn:sequenceFlow id="f10" sourceRef="choose" targetRef="stop"/>
  <bpmn:sequenceFlow id="f11" sourceRef="go" targetRef="call"/>
  <bpmn:sequenceFlow id="f12" sourceRef="stop" targetRef="stopped"/>
  <bpmn:sequenceFlow id="f13" sourceRef="call" targetRef="after"/>
  <bpmn:sequenceFlow id="f14" sourceRef="stopped" targetRef="after"/>
  <bpmn:sequenceFlow id="f15" sourceRef="after" targetRef="lap"/>
  <bpmn:sequenceFlow id="f16" sourceRef="lap" targetRef="again"/>
  <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="each"><bpmn:conditionExpression>laps &lt; 2</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="end"/>
</bpmn:process>
<bpmn:process id="child" isExecutable="true">
  <bpmn:startEvent id="c_start"/>
  <bpmn:userTask id="c_sign" name="Ký ở quy trình con"/>
  <bpmn:scriptTask id="c_count"><bpmn:script>called = laps</bpmn:script></bpmn:scriptTask>
  <bpmn:endEvent id="c_end"/>
  <bpmn:sequenceFlow id="c1" sourceRef="c_start" targetRef="c_sign"/>
  <bpmn:sequenceFlow id="c2" sourceRef="c_sign" targetRef="c_count"/>
  <bpmn:sequenceFlow id="c3" sourceRef="c_count" targetRef="c_end"/>
</bpmn:process>
<bpmn:message id="m_go" name="go"/><bpmn:message id="m_stop" name="stop"/></bpmn:definitions>"""


def parse_xml(xml: str, process_id: str) -> tuple[Any, dict]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def parse_folder(folder: Path) -> tuple[Any, dict]:
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    parser = SpiffBpmnParser()
    for path in sorted(folder.glob("*.bpmn")):  # bare ISO 8601 timers, as engine.modeling accepts them
        xml = re.sub(r">(R\d*/)?(P[0-9TYMWDHS.]+)<", r'>"\1\2"<', path.read_text(encoding="utf-8"))
        parser.add_bpmn_str(xml.encode("utf-8"))
    return parser.get_spec(settings["process_id"]), parser.get_subprocess_specs(settings["process_id"])


def form_answer(folder: Path | None, task: Any) -> dict[str, Any]:
    props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
    name = props.get("formJsonSchemaFilename")
    if folder is None or not name or not (folder / "forms" / name).exists():
        return {}
    try:
        return runner.sample_data(runner.load_form(folder, name))
    except KeyError:  # a field the sampler cannot fill (a bare enum): the answers give it
        return {}


class Run:
    """Drive one case to its end; with ``prune`` the state is pruned, saved and restored at each wait."""

    def __init__(self, spec: Any, subs: dict, start: dict[str, Any], *, prune: bool,
                 answers: dict[str, list[dict]] | None = None, folder: Path | None = None,
                 fire_timers: bool = False, keep_batches: bool = True, prefer: tuple[str, ...] = ()) -> None:
        self.spec, self.subs, self.prune, self.folder = spec, subs, prune, folder
        self.keep_batches = keep_batches
        self.prefer = prefer
        self.moved = 0
        self.answers = {k: list(v) for k, v in (answers or {}).items()}
        self.fire_timers = fire_timers
        self.calls: list[tuple[str, dict]] = []
        self.trace: list[str] = []
        self.batches: list[dict[str, Any]] = []
        self.sizes: list[int] = []
        self.engine = SafeScriptEngine(service_caller=self._service)
        self.wf = BpmnWorkflow(spec, subs, script_engine=self.engine)
        self.wf.get_tasks(state=TaskState.READY)[0].data.update(start)

    def _service(self, name: str, params: dict, data: dict) -> Any:
        self.calls.append((name, {k: v.get("value") if isinstance(v, dict) else v for k, v in params.items()}))
        return {"ok": True, "operator": name, "document_id": "doc-1"}

    def wait_point(self) -> None:
        if not self.prune:
            return
        pruned = history.prune(self.wf, min_tasks=0)  # at every wait: the hardest case
        self.moved += pruned.task_count
        if pruned and self.keep_batches:
            self.batches.append(json.loads(json.dumps(pruned.to_dict(), default=str)))
        text = json.dumps(dump_state(self.wf), default=str)
        self.sizes.append(len(text))
        self.wf = load_state(json.loads(text), self.spec, self.subs)
        self.wf.script_engine = self.engine

    def finish(self, max_waits: int = 5000) -> Run:
        for _ in range(max_waits):
            self.wf.do_engine_steps()
            self.wait_point()
            if self.wf.is_completed():
                return self
            ready = self.wf.get_tasks(state=TaskState.READY, manual=True)
            if ready and not (self.fire_timers and self._timers()):
                task = ready[0]
                data = form_answer(self.folder, task)
                queue = self.answers.get(task.task_spec.bpmn_id)
                data.update(queue.pop(0) if queue else {})
                task.data.update(data)
                task.run()
                self.trace.append(task.task_spec.bpmn_id)
                continue
            self._deliver()
        raise AssertionError("case did not finish")

    def _waiting(self) -> list[Any]:
        return [t for t in self.wf.get_tasks(state=TaskState.WAITING)
                if getattr(t.task_spec, "event_definition", None) is not None]

    def _timers(self) -> list[Any]:
        return [t for t in self._waiting() if isinstance(t.task_spec.event_definition, TimerEventDefinition)]

    def _deliver(self) -> None:
        waiting, timers = self._waiting(), self._timers()
        if timers and (self.fire_timers or len(timers) == len(waiting)):
            for t in timers:
                t.internal_data["event_value"] = "1970-01-01T00:00:00+00:00"
            self.trace.append("timer:" + timers[0].task_spec.bpmn_id)
            self.wf.refresh_timers()
            return
        definitions = [d for t in waiting for d in getattr(t.task_spec.event_definition, "event_definitions",
                                                               [t.task_spec.event_definition])
                       if isinstance(d, MessageEventDefinition)]
        assert definitions, f"stuck: {waiting}"
        definition = sorted(definitions, key=lambda d: d.name not in self.prefer)[0]
        payload = {"case_id": "case-1", "payment_reference": "PAY-0001"}
        self.wf.send_event(BpmnEvent(definition, payload, {f"{definition.name}_key": {"case_id": "case-1"}}))
        self.trace.append("message:" + definition.name)

    @property
    def result(self) -> tuple:
        last = self.wf.last_task.data if self.wf.last_task is not None else None
        return self.wf.data, last, self.trace, self.calls


def both(spec: Any, subs: dict, start: dict[str, Any], **kwargs: Any) -> tuple[Run, Run]:
    reference = Run(spec, subs, start, prune=False, **kwargs).finish()
    pruned = Run(spec, subs, start, prune=True, **kwargs).finish()
    assert pruned.result == reference.result
    return reference, pruned


def spec_counts(tasks: list[dict[str, Any]]) -> dict[tuple[str, str, int], int]:
    counts: dict[tuple[str, str, int], int] = {}
    for t in tasks:
        key = (t["workflow"] != history.TOP and "sub" or "top", t["task_spec"], t["state"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def reference_tasks(run: Run) -> list[dict[str, Any]]:
    state = json.loads(json.dumps(dump_state(run.wf), default=str))
    return history.executed_tasks([], state)


# -- same results as plain SpiffWorkflow ---------------------------------------------------------
@pytest.mark.parametrize("folder, answers", [
    (MODELS / "three_tasks", {"review": [{"valid": True}]}),
    (MODELS / "three_tasks", {"review": [{"valid": False}]}),
    (MODELS / "services", {}),
    (MODELS / "waits", {}),
    (PROCESSES / "QT13", {}),
    (PROCESSES / "QT13", {"pdt_leader_sign": [{"pdt_leader_decision": "reject"}, {"pdt_leader_decision": "approve"}]}),
    (PROCESSES / "QT13", {"pdt_check_request": [{"request_valid": False, "rejection_reason": "Sai mã"}]}),
    (PROCESSES / "QT74", {"leader_assign": [{"assigned_unit": "PDT"}]}),
    (PROCESSES / "QT74", {"vt_register": [{"authentic_and_complete": False, "return_reason": "Sai chữ ký"}]}),
], ids=lambda v: v.name if isinstance(v, Path) else "")
def test_models_end_with_the_same_data_and_calls_with_pruning(folder: Path, answers: dict) -> None:
    spec, subs = parse_folder(folder)
    start = form_answer(folder, SimpleNamespace(task_spec=SimpleNamespace(
        extensions={"properties": {"formJsonSchemaFilename": "start.json"}})))
    start.update({"case_id": "case-1", "subject": "toán"})
    reference, pruned = both(spec, subs, start, answers=answers, folder=folder)
    assert pruned.wf.is_completed() and reference.wf.is_completed()
    # nothing is lost: history + final state hold every task the reference kept, in the same states
    kept = history.executed_tasks(pruned.batches, json.loads(json.dumps(dump_state(pruned.wf), default=str)))
    assert spec_counts(kept) == spec_counts(reference_tasks(reference))
    assert len({t["id"] for t in kept}) == len(kept)  # each task stored once


@pytest.mark.parametrize("fire_timer", [False, True], ids=["reviewed", "timed-out"])
def test_parallel_join_boundary_timer_message_and_subprocess_survive_pruning(fire_timer: bool) -> None:
    spec, subs = parse_xml(MIXED, "mixed")
    reference, pruned = both(spec, subs, {"case_id": "case-1"}, fire_timers=fire_timer)
    expected = ["timer:late" if fire_timer else "review", "message:paid", "sign"] * 2
    assert sorted(pruned.trace) == sorted(expected)
    assert pruned.wf.data["rounds"] == 2 and ("escalated" in pruned.wf.data) is fire_timer
    assert pruned.batches  # something was pruned at every round
    kept = history.executed_tasks(pruned.batches, json.loads(json.dumps(dump_state(pruned.wf), default=str)))
    assert spec_counts(kept) == spec_counts(reference_tasks(reference))


@pytest.mark.parametrize("prefer", [("go",), ("stop",)])
def test_multi_instance_inclusive_event_gateway_and_call_activity_survive_pruning(prefer: tuple) -> None:
    spec, subs = parse_xml(MORE, "more")
    reference, pruned = both(spec, subs, {"case_id": "case-1"}, prefer=prefer)
    assert pruned.wf.data["laps"] == 2 and pruned.trace.count("each") == 6
    assert ("called" in pruned.wf.data) is (prefer == ("go",))
    kept = history.executed_tasks(pruned.batches, json.loads(json.dumps(dump_state(pruned.wf), default=str)))
    assert spec_counts(kept) == spec_counts(reference_tasks(reference))


def test_ten_thousand_iterations_keep_the_saved_state_small() -> None:
    spec, subs = parse_xml(LOOP, "loop")
    run = Run(spec, subs, {"step": 10, "total": 10_000}, prune=True, keep_batches=False).finish(max_waits=2000)
    assert run.wf.data["counter"] == 10_000
    assert run.trace == ["checkpoint"] * 1000
    assert max(run.sizes) < 6_000, max(run.sizes)  # unpruned: ~390 bytes for each of 30,000+ tasks
    assert max(run.sizes[5:]) <= run.sizes[1] * 1.3  # does not grow with history
    assert run.moved > 30_000 and len(run.wf.tasks) < 10


def test_a_tree_is_rerooted_above_the_lowest_common_ancestor_of_live_tasks() -> None:
    spec, subs = parse_xml(LOOP, "loop")
    wf = BpmnWorkflow(spec, subs, script_engine=SafeScriptEngine())
    wf.get_tasks(state=TaskState.READY)[0].data.update({"step": 3, "total": 9})
    wf.do_engine_steps()
    ready = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    before = ready.depth
    pruned = history.prune(wf, min_tasks=0)
    assert before > 10 and ready.depth == 2  # root -> last completed task -> the user task
    assert pruned.task_count == before - 2  # a straight line: all but the new root and the last task
    assert wf.task_tree.parent is None and wf.task_tree.id == ready.parent.parent.id
    assert wf.last_task is ready.parent
    assert history.prune(wf, min_tasks=0).task_count == 0  # nothing left to move
    assert history.prune(wf).task_count == 0  # and below PRUNE_AT tasks nothing is even looked at
    restored = load_state(json.loads(json.dumps(dump_state(wf))), spec, subs)
    assert restored.task_tree.data == wf.task_tree.data and restored.get_task_from_id(ready.id).data == ready.data


# -- through the engine, with the database -------------------------------------------------------
def deploy_xml(container: Any, code: str, xml: str, process_id: str) -> Any:
    """A model as engine.modeling would load it (forms, lanes and settings left empty)."""
    import hashlib

    from engine import SYSTEM

    spec, subs = parse_xml(xml, process_id)
    model = SimpleNamespace(code=code, content_hash=hashlib.sha256(xml.encode()).hexdigest(), settings={},
                            process_id=process_id, spec=spec, subprocess_specs=subs, files={}, forms={},
                            lanes={}, description="", warnings=[])
    return container.engine.deploy(model, SYSTEM)


def stored(container: Any, case_id: int) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    from sqlalchemy import func, select

    from engine.models import Case, TaskHistory

    with container.sessions() as s:
        state = s.get(Case, case_id).state
        rows = s.scalar(select(func.count()).select_from(TaskHistory).where(TaskHistory.case_id == case_id))
        return state, history.load_history(s, case_id), rows


def inbox_id(eng: Any, bpmn_id: str) -> str:
    from engine import SYSTEM

    return next(t["id"] for t in eng.inbox(SYSTEM).items if t["bpmn_id"] == bpmn_id)


def test_a_long_loop_through_the_engine_keeps_state_small_and_history_complete(container: Any) -> None:
    """300 laps are ~1,200 tasks in one branch: unpruned, the stepper's depth guard stops the case."""
    from engine import SYSTEM

    deploy_xml(container, "LOOP", LOOP, "loop")
    eng = container.engine
    case = eng.start("LOOP", {"step": 10, "total": 300}, SYSTEM)
    sizes = []
    for _ in range(29):
        item = eng.inbox(SYSTEM).items[0]
        eng.complete(item["id"], {"seen": True}, SYSTEM)
        state, _, _ = stored(container, case.id)
        sizes.append(len(json.dumps(state)))
    item = eng.inbox(SYSTEM).items[0]
    done = eng.complete(item["id"], {}, SYSTEM)
    assert done.status == "completed" and done.data["counter"] == 300
    assert max(sizes) < 20_000 and max(sizes[4:]) <= max(sizes[:4]) * 1.2  # flat, not growing with history
    state, batches, rows = stored(container, case.id)
    assert 10 <= rows < 31  # a row each time the state reached PRUNE_AT tasks, never rewritten
    tasks = history.executed_tasks(batches, state)
    assert len({t["id"] for t in tasks}) == len(tasks)
    counts = spec_counts(tasks)
    assert counts[("top", "inc", TaskState.COMPLETED)] == 300
    assert counts[("top", "checkpoint", TaskState.COMPLETED)] == 30
    assert eng.verify_audit(case.id).ok


def test_mixed_model_through_the_engine_waits_fires_and_receives_after_pruning(container: Any, monkeypatch) -> None:
    from datetime import timedelta

    from engine import SYSTEM, clock

    monkeypatch.setattr(history, "PRUNE_AT", 0)  # prune at every step, however small the case

    deploy_xml(container, "MIX", MIXED, "mixed")
    eng = container.engine
    case = eng.start("MIX", {}, SYSTEM)
    # round 1: the reviewer answers, the payment message arrives; round 2: the review times out
    eng.complete(inbox_id(eng, "review"), {}, SYSTEM)
    assert eng.send_message("paid", str(case.id), {"amount": 1})["status"] == "delivered"
    eng.complete(inbox_id(eng, "sign"), {}, SYSTEM)
    assert [t["bpmn_id"] for t in eng.inbox(SYSTEM).items] == ["review"]
    clock.advance(timedelta(hours=2))
    assert eng.run_due_jobs() == 1
    assert eng.inbox(SYSTEM).items == []  # the timer cancelled the review
    assert eng.send_message("paid", str(case.id), {"amount": 2})["status"] == "delivered"
    done = eng.complete(inbox_id(eng, "sign"), {}, SYSTEM)
    assert done.status == "completed" and done.data["rounds"] == 2 and done.data["escalated"] == 1
    state, batches, _ = stored(container, case.id)
    counts = spec_counts(history.executed_tasks(batches, state))
    assert counts[("top", "join", TaskState.COMPLETED)] == 2
    assert counts[("sub", "sign", TaskState.COMPLETED)] == 2
    assert len(state["tasks"]) < 10 and not state["subprocesses"]

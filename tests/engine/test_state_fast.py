"""The fast state writer (engine/runtime/state.py) against SpiffWorkflow's own converters.

The oracle is the converter the engine used before: SpiffWorkflow's ``WorkflowConverter.to_dict``
and its ``TaskConverter``/``BpmnSubWorkflowConverter`` through the registry. Both must give the same
dict with the same key order (so the same stored JSON text) on every state the procedures save.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import TaskState

from engine.runtime import state as state_module
from engine.runtime import stepper
from engine.runtime.state import CaseStateConverter, dump_state
from tests.procedure_world import procedures_world

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
CODES = sorted(p.name for p in PROCESSES.iterdir() if (p / "settings.json").is_file())
ON_PG = os.environ.get("QUYTRINH_TEST_DATABASE_URL", "").startswith("postgresql")
SAMPLE = ["QT01", "QT11", "QT13", "QT31", "QT47", "QT62", "QT78", "QT92", "QT99"]


class ReferenceConverter(CaseStateConverter):
    """The converter as it was: SpiffWorkflow's own code for the workflow, its tasks and subprocesses."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


@lru_cache(maxsize=1)
def reference_registry() -> Any:
    config = dict(SPIFF_CONFIG)  # the stock subprocess and task converters
    config[BpmnWorkflow] = ReferenceConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config)).registry


def reference_dump(workflow: BpmnWorkflow) -> dict[str, Any]:
    dct = reference_registry().convert(workflow)
    dct["format"] = state_module.STATE_FORMAT
    return dct


def assert_same(workflow: BpmnWorkflow) -> dict[str, Any]:
    fast, old = dump_state(workflow), reference_dump(workflow)
    assert fast == old
    assert json.dumps(fast, default=repr) == json.dumps(old, default=repr)  # same keys in the same order
    return fast


class Checked:
    """Wraps the stepper's ``dump_state``: every state a step saves is also written by the oracle."""

    def __init__(self) -> None:
        self.states = 0
        self.tasks = 0

    def __call__(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        fast = assert_same(workflow)
        self.states += 1
        self.tasks += len(fast["tasks"])
        return fast


# -- every procedure, through the engine --------------------------------------------------------
@pytest.fixture(scope="module")
def world(_template_db, tmp_path_factory):  # type: ignore[no-untyped-def]
    yield from procedures_world(_template_db, tmp_path_factory.mktemp("fast-state"))


def _codes() -> list[str]:
    return [code for code in CODES if not ON_PG or code in SAMPLE or code == "QT74"]


@pytest.mark.parametrize("code", _codes())
def test_every_saved_state_of_every_procedure_is_what_spiffworkflow_writes(world, code, monkeypatch):  # type: ignore[no-untyped-def]
    container, pilot = world
    checked = Checked()
    monkeypatch.setattr(stepper, "dump_state", checked)
    if code == "QT74":  # started by a received document, as the exchange does it
        case_id = _start_incoming(container)
    else:
        case_id = pilot.start(code, applicant=container.accounts.actor("sinhvien"))
    pilot.run(case_id)
    assert checked.states >= 2 and checked.tasks > 0


def _start_incoming(container: Any) -> int:
    from app.exchange.service import AXIS_ACTOR, INCOMING_PROCEDURE
    from engine.db import transaction
    from engine.runtime.cases import start_case_step

    data = {"direction": "den", "document_id": "000.00.00.H10,2025/03/14,1", "sender_organ_id": "000.00.00.H10",
            "sender_organ_name": "Trường Đại học Cần Thơ", "subject": "Văn bản thử", "code_number": "1",
            "code_notation": "ĐHCT-VP", "document_type": "cong_van", "promulgation_date": "2025-03-14",
            "received_at": "2025-03-14T08:00:00", "urgency": "thuong", "due_date": "",
            "attachments": [{"file_name": "cong-van.pdf", "file_id": "ab" * 32}],
            "envelope_signature": "PASSED: ok", "attachment_warnings": []}
    with transaction(container.sessions) as s:
        return start_case_step(s, container.registry, INCOMING_PROCEDURE, data, AXIS_ACTOR, title="Văn bản thử").case.id


# -- what the procedures do not reach -----------------------------------------------------------
SUBPROCESS_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="outer" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prep"/>
    <bpmn:scriptTask id="prep"><bpmn:script>x = 1
when = "2025-01-01"</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="prep" targetRef="sub"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="sub_start"/>
      <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="inner_script"/>
      <bpmn:scriptTask id="inner_script"><bpmn:script>y = x + 1
del when</bpmn:script></bpmn:scriptTask>
      <bpmn:sequenceFlow id="s2" sourceRef="inner_script" targetRef="inner_task"/>
      <bpmn:userTask id="inner_task"/>
      <bpmn:sequenceFlow id="s3" sourceRef="inner_task" targetRef="sub_end"/>
      <bpmn:endEvent id="sub_end"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f3" sourceRef="sub" targetRef="after"/>
    <bpmn:userTask id="after"/>
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _subprocess_workflow(tmp_path: Path) -> BpmnWorkflow:
    path = tmp_path / "outer.bpmn"
    path.write_text(SUBPROCESS_BPMN, encoding="utf-8")
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(path))
    return BpmnWorkflow(parser.get_spec("outer"), parser.get_subprocess_specs("outer"))


def test_a_running_subprocess_and_its_end_are_written_as_spiffworkflow_writes_them(tmp_path: Path) -> None:
    workflow = _subprocess_workflow(tmp_path)
    assert_same(workflow)
    workflow.do_engine_steps()
    assert workflow.subprocesses, "the embedded subprocess runs"
    assert_same(workflow)
    for _ in range(3):
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        ready[0].run()
        workflow.do_engine_steps()
        assert_same(workflow)
    assert workflow.is_completed()


def test_internal_data_the_fast_path_does_not_copy_goes_through_the_registry(tmp_path: Path) -> None:
    workflow = _subprocess_workflow(tmp_path)
    workflow.do_engine_steps()
    tasks = list(workflow.tasks.values())
    odd: list[dict[str, Any]] = [
        {}, {"a": 1, "b": "x", "c": 2.5, "d": None, "e": True},
        {"nested": {"list": [1, "2", {"deep": [None]}]}},
        {"when": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)}, {"id": uuid4()},
        {"pair": (1, 2)}, {"set": {1, 2}}, {"fn": len, "module": json, "kept": 1},
        {"in_list": [datetime(2025, 1, 1)]}, {3: "int key"},
    ]
    for task, internal in zip(tasks, odd, strict=False):
        task.internal_data = internal
    assert_same(workflow)


def test_data_deltas_and_a_task_whose_parent_left_the_tree(tmp_path: Path) -> None:
    workflow = _subprocess_workflow(tmp_path)
    workflow.do_engine_steps()
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.data = {"new": [1, 2], "x": 2}  # one changed, one added, the rest deleted
    assert_same(workflow)
    sub = task.workflow
    parent = sub.tasks.pop(task._parent)  # a parent that is no longer in the tree: written in full
    assert_same(workflow)
    sub.tasks[parent.id] = parent

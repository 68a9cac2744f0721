"""Saving and restoring a case's running state without its process spec.

SpiffWorkflow's serializer writes the whole spec into every saved workflow (about half of its
size) and rebuilds it on every load. The spec is stored once per model version instead and kept
deserialised in memory, so a case's state holds only its tasks and data.
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

STATE_FORMAT = "quytrinh-state-1"
#: Values SpiffWorkflow's registry hands back unchanged (exact types: a subclass may be registered).
_PLAIN = frozenset({str, int, float, bool, type(None)})


class _NotPlain(Exception):
    """A value the fast path does not copy itself: the registry converts it."""


class _UuidText(dict):
    """``str(uuid)`` by the UUID's integer, for one dump: every task id is written three or four times
    (its key, its ``id``, its parent's ``children``, its children's ``parent``), and ``UUID.__str__``
    is Python code formatting 32 hex digits each time."""

    def of(self, value: Any) -> str:
        if type(value) is not UUID:
            return str(value)
        key = value.int
        text = self.get(key)
        if text is None:
            text = self[key] = str(value)
        return text


def _plain_copy(value: Any) -> Any:
    """What ``registry.convert`` answers for JSON-plain values (a copy of dicts and lists, the same
    scalars), without its per-value dispatch; anything else raises :class:`_NotPlain`."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k: _plain_copy(v) for k, v in value.items()}
    if kind is list:
        return [_plain_copy(v) for v in value]
    raise _NotPlain


def _converted(registry: Any, value: dict[str, Any]) -> Any:
    """``registry.convert(value)`` for a task's internal data."""
    try:
        return _plain_copy(value)
    except _NotPlain:
        return registry.convert(value)


def _task_dict(task: Task, text: _UuidText, registry: Any) -> dict[str, Any]:
    """Exactly what SpiffWorkflow's ``TaskConverter`` (through the registry) writes for ``task``:
    the full data for a task without parent, else the keys changed and deleted against the parent's."""
    parent = task.workflow.tasks.get(task._parent)  # Task.parent
    data = task.data
    if parent is None:
        delta: dict[str, Any] = {}
    else:
        before = parent.data
        delta = {"updates": {k: data[k] for k in data if k not in before or data[k] != before[k]},
                 "deletions": [k for k in before if k not in data]}
        data = {}
    return {"id": text.of(task.id), "parent": text.of(task._parent) if parent is not None else None,
            "children": [text.of(child) for child in task._children], "last_state_change": task.last_state_change,
            "state": task._state, "task_spec": task.task_spec.name, "triggered": task.triggered,
            "internal_data": _converted(registry, task.internal_data), "data": data, "delta": delta,
            "typename": registry.typenames[Task]}


def _tasks_dict(converter: Any, tasks: dict[UUID, Task]) -> dict[str, Any]:
    """``converter.mapping_to_dict(tasks)`` with each task written by :func:`_task_dict`."""
    registry = converter.registry
    text = _UuidText()
    out = {}
    for key, task in tasks.items():
        out[text.of(key)] = (_task_dict(task, text, registry) if type(task) is Task
                             else registry.convert(task))
    return out


def _workflow_dict(converter: Any, workflow: Any) -> dict[str, Any]:
    """What SpiffWorkflow's ``WorkflowConverter.to_dict`` answers, its tasks written by the fast path.

    Saving the state is a sizeable part of a step (a QT74 start writes ~30 tasks); the stock
    converter dispatches every task, its internal data and each value through the registry, reads
    ``task.parent`` twice and formats each UUID up to four times. tests/engine/test_state_fast.py
    compares both on every state the 99 procedures save.
    """
    registry = converter.registry
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _tasks_dict(converter, workflow.tasks),
        "root": str(workflow.task_tree.id),
    }


class SubWorkflowStateConverter(BpmnSubWorkflowConverter):
    """SpiffWorkflow's subprocess converter, its tasks written by the fast path."""

    def to_dict(self, workflow: BpmnSubWorkflow) -> dict[str, Any]:
        dct = _workflow_dict(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct


class CaseStateConverter(BpmnWorkflowConverter):
    """A workflow converter that leaves the specs out and takes them back in on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = _workflow_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: BpmnProcessSpec | None = None,
                  subprocess_specs: dict | None = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


@lru_cache(maxsize=1)
def serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = CaseStateConverter
    config[BpmnSubWorkflow] = SubWorkflowStateConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def dump_spec(spec: BpmnProcessSpec, subprocess_specs: dict) -> dict[str, Any]:
    reg = serializer().registry
    return {"spec": reg.convert(spec),
            "subprocess_specs": {name: reg.convert(s) for name, s in subprocess_specs.items()}}


def load_spec(data: dict[str, Any]) -> tuple[BpmnProcessSpec, dict]:
    reg = serializer().registry
    data = deepcopy(data)
    spec = reg.restore(data["spec"])
    subs = {name: reg.restore(s) for name, s in data.get("subprocess_specs", {}).items()}
    return spec, subs


def dump_state(workflow: BpmnWorkflow) -> dict[str, Any]:
    dct = serializer().registry.convert(workflow)
    dct["format"] = STATE_FORMAT
    return dct


def load_state(state: dict[str, Any], spec: BpmnProcessSpec, subprocess_specs: dict) -> BpmnWorkflow:
    # restore() pops keys from the top level and from "subprocesses": copy those, keep the row intact.
    state = dict(state)
    state.pop("format", None)
    state["subprocesses"] = dict(state.get("subprocesses", {}))
    return serializer().registry.restore(state, spec=spec, subprocess_specs=subprocess_specs)

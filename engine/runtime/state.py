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
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

STATE_FORMAT = "quytrinh-state-1"


class CaseStateConverter(BpmnWorkflowConverter):
    """A workflow converter that leaves the specs out and takes them back in on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
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

"""What a successful load hands to the runtime: specs, forms, lane roles, settings, warnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from .problems import Problem


@dataclass(frozen=True)
class LoadedModel:
    """One validated model version. ``content_hash`` identifies it; the same bytes give the same hash.

    ``spec`` and ``subprocess_specs`` go straight into ``BpmnWorkflow(spec, subprocess_specs,
    script_engine=SafeScriptEngine(...))``. ``forms`` maps a user task's BPMN id (or ``"start"``) to its
    JSON Schema; ``lanes`` maps a lane name to ``{"role": ..., "unit": ...}``. ``warnings`` are shown to
    the process owner (e.g. a user task without a form) but did not block the deployment.
    """

    code: str
    content_hash: str
    process_id: str
    spec: BpmnProcessSpec
    subprocess_specs: Mapping[str, BpmnProcessSpec]
    forms: Mapping[str, dict[str, Any]]
    lanes: Mapping[str, dict[str, Any]]
    settings: Mapping[str, Any]
    description: str
    warnings: tuple[Problem, ...] = field(default=())
    files: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def name_vi(self) -> str:
        return str(self.settings.get("name_vi") or self.spec.description or self.code)

    def lane_of(self, task_spec: Any) -> dict[str, Any] | None:
        """The role/unit mapping of the lane a task spec sits in (None outside lanes)."""
        lane = getattr(task_spec, "lane", None)
        return dict(self.lanes[lane]) if lane in self.lanes else None

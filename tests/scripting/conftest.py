"""Shared helpers for the sandbox tests: a real SpiffWorkflow parse and run of a small model."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.scripting import SafeScriptEngine, SandboxLimits

DATA = Path(__file__).parent / "data"


def build_workflow(engine: SafeScriptEngine, *, replace: dict[str, str] | None = None,
                   data: dict | None = None) -> BpmnWorkflow:
    """Parse ``sandbox_flow.bpmn`` (optionally with text substitutions) and start a workflow on it."""
    text = (DATA / "sandbox_flow.bpmn").read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.fromstring(text.encode("utf-8")), "sandbox_flow.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("sandbox_flow"), script_engine=engine)
    workflow.data.update(data or {})
    start = workflow.get_tasks(spec_name="start")[0]
    start.data.update(data or {})
    return workflow


@pytest.fixture
def registry_calls() -> list:
    return []


@pytest.fixture
def engine(registry_calls) -> SafeScriptEngine:
    def caller(operation: str, params: dict, task_data: dict):
        registry_calls.append((operation, params, task_data))
        return {"code": params["code"], "active": params["code"].startswith("B2")}

    return SafeScriptEngine(SandboxLimits(time_limit_s=0.3), service_caller=caller)

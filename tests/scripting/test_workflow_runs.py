"""Normal scripts, gateway conditions and service tasks run through a real BpmnWorkflow."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.errors import EngineError, ScriptBlocked
from engine.scripting import SafeScriptEngine

from .conftest import build_workflow

ITEMS = [{"price": 600, "qty": 1}, {"price": 250, "qty": 2}]


def _end_data(workflow):
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return workflow.last_task.data


def test_script_and_condition_take_the_big_branch(engine, registry_calls):
    workflow = build_workflow(engine, data={"items": ITEMS, "student_code": "B2012345"})
    data = _end_data(workflow)
    assert data["total"] == 1100
    assert data["label"] == "1,100 đồng"
    assert data["due"] == "2026-03-07"
    assert data["rounded"] == "2.68"
    assert data["student"] == {"code": "B2012345", "active": True}
    assert data["branch"] == "big"
    operation, params, task_data = registry_calls[0]
    assert operation == "student_registry.lookup"
    assert params == {"code": "B2012345"}
    assert task_data["total"] == 1100


def test_condition_false_takes_the_default_branch(engine):
    workflow = build_workflow(engine, data={"items": ITEMS, "student_code": "K1"})
    assert _end_data(workflow)["branch"] == "small"


def test_blocked_script_in_a_workflow_names_the_element(engine):
    workflow = build_workflow(engine, replace={"total = sum(": "total = ().__class__ or sum("},
                              data={"items": ITEMS, "student_code": "B2"})
    with pytest.raises(ScriptBlocked) as caught:
        workflow.do_engine_steps()
    assert caught.value.details["element_id"] == "compute"
    assert caught.value.details["reason"] == "script_forbidden_code"
    assert "phần tử compute" in caught.value.message_vi


def test_blocked_condition_names_the_element(engine):
    workflow = build_workflow(engine, replace={"total &gt; 1000 and": "'{0.__init__}'.format(total) and"},
                              data={"items": ITEMS, "student_code": "B2"})
    with pytest.raises(ScriptBlocked) as caught:
        workflow.do_engine_steps()
    assert caught.value.details["reason"] == "script_forbidden_code"
    assert "f-string" in caught.value.message_vi
    assert caught.value.details["element_id"] == "route"


def test_endless_loop_in_a_workflow_is_stopped(engine):
    workflow = build_workflow(engine, replace={"total = sum(": "while True:\n    pass\ntotal = sum("},
                              data={"items": ITEMS, "student_code": "B2"})
    with pytest.raises(ScriptBlocked) as caught:
        workflow.do_engine_steps()
    assert caught.value.details["reason"] == "script_timeout"


def test_ordinary_script_errors_stay_spiff_errors(engine):
    workflow = build_workflow(engine, data={"student_code": "B2"})  # no 'items'
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert "NameError" in str(caught.value)


def test_service_errors_are_reported_not_hidden_as_name_error(registry_calls):
    def failing(operation, params, data):
        raise ConnectionError("registry down")

    workflow = build_workflow(SafeScriptEngine(service_caller=failing),
                              data={"items": ITEMS, "student_code": "B2"})
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert "student_registry.lookup" in str(caught.value)
    assert "registry down" in str(caught.value)


def test_engine_errors_from_the_service_caller_pass_through():
    class Unreachable(EngineError):
        code = "connector_unreachable"

    def failing(operation, params, data):
        raise Unreachable("Không kết nối được", "Cannot connect")

    workflow = build_workflow(SafeScriptEngine(service_caller=failing),
                              data={"items": ITEMS, "student_code": "B2"})
    with pytest.raises(Unreachable):
        workflow.do_engine_steps()


def test_service_task_without_caller_is_blocked():
    workflow = build_workflow(SafeScriptEngine(), data={"items": ITEMS, "student_code": "B2"})
    with pytest.raises(ScriptBlocked) as caught:
        workflow.do_engine_steps()
    assert caught.value.details["reason"] == "service_unavailable"
    assert caught.value.details["element_id"] == "lookup"

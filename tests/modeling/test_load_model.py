"""``load_model`` on complete packages: what the runtime receives, and each rule that can refuse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import ModelRejected
from engine.modeling import LoadedModel, content_hash, load_model
from engine.scripting import SafeScriptEngine

from .builders import REVIEW_FORM, SETTINGS, START_FORM, document, package, process, simple_process

OPERATORS = {"notify", "issue_document", "sign_document"}


def _refused(files, **kwargs) -> list:
    with pytest.raises(ModelRejected) as caught:
        load_model(files, **kwargs)
    return caught.value.details


def test_complete_package_gives_the_runtime_everything():
    files = package()
    model = load_model(files, known_operators=OPERATORS)
    assert isinstance(model, LoadedModel)
    assert (model.code, model.process_id, model.spec.name) == ("QT99", "review_flow", "review_flow")
    assert model.content_hash == content_hash(files)
    assert model.forms == {"start": START_FORM, "review": REVIEW_FORM}
    assert model.lanes["Chuyên viên"] == {"role": "clerk", "unit": "PDT"}
    assert model.lane_of(model.spec.task_specs["review"]) == {"role": "clerk", "unit": "PDT"}
    assert model.settings["sources"] == [{"title": "extra keys pass through"}]
    assert model.description.startswith("Mô tả")
    assert model.warnings == ()
    assert model.files == files
    assert load_model(dict(reversed(list(files.items())))).content_hash == model.content_hash


def test_loaded_model_runs_with_the_sandbox_and_bare_iso_timers():
    """P5D and 2099-12-01T08:00:00+07:00 are written bare, as modelling tools do; they must work."""
    model = load_model(package(), known_operators=OPERATORS)
    calls = []
    engine = SafeScriptEngine(service_caller=lambda op, params, data: calls.append((op, params)) or {"sent": True})
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=engine)
    workflow.do_engine_steps()
    before = datetime.now(UTC)
    review = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    assert review.task_spec.bpmn_id == "review"
    workflow.refresh_waiting_tasks()
    reminder = [e for e in workflow.waiting_events() if e.event_type == "DurationTimerEventDefinition"]
    due = datetime.fromisoformat(reminder[0].value)
    assert timedelta(days=5) - timedelta(minutes=1) < due - before < timedelta(days=5, minutes=1)
    review.set_data(review_decision="approve")
    review.run()
    workflow.do_engine_steps()
    assert calls == [("notify", {"to": "applicant"})]
    waiting = [e.value for e in workflow.waiting_events() if e.event_type == "TimeDateEventDefinition"]
    assert waiting == ["2099-12-01T08:00:00+07:00"]


def test_quoted_and_python_timer_expressions_are_kept():
    text = document().replace(">P5D<", ">\"P5D\"<").replace(
        ">2099-12-01T08:00:00+07:00<", ">deadline_iso<")
    model = load_model(package(bpmn=text), known_operators=OPERATORS)
    assert model.spec.task_specs["wait_reply"].event_definition.expression == "deadline_iso"


@pytest.mark.parametrize(("value", "code"), [
    ("'P5X'", "timer_invalid"), ("2026-13-45", "timer_invalid"), ("", "timer_without_expression"),
])
def test_invalid_timers_are_refused(value, code):
    text = document().replace(">P5D<", f">{value}<")
    problems = _refused(package(bpmn=text))
    assert [(p.code, p.element_id) for p in problems] == [(code, "reminder")]


def test_forms_by_property_by_convention_and_missing():
    text = document().replace('value="review_form.json"', 'value="nowhere.json"')
    problems = _refused(package(bpmn=text))
    assert [(p.code, p.element_id) for p in problems] == [("form_missing", "review")]
    without_property = document().replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="review_form.json"/>', "")
    by_convention = load_model(package(bpmn=without_property, forms={"start.json": START_FORM,
                                                                      "review.json": REVIEW_FORM}))
    assert by_convention.forms["review"] == REVIEW_FORM
    no_form = load_model(package(bpmn=without_property, forms={"start.json": START_FORM}))
    assert [(w.code, w.element_id, w.severity) for w in no_form.warnings] == [
        ("user_task_without_form", "review", "warning")]
    assert "review" not in no_form.forms


def test_broken_form_files_are_refused_with_their_location():
    files = package()
    files["forms/review_form.json"] = b'{"type": "object",\n "properties": {'
    problems = _refused(files)
    assert (problems[0].code, problems[0].file, problems[0].line) == ("json_malformed", "forms/review_form.json", 2)
    files["forms/review_form.json"] = json.dumps({"type": "no-such-type"}).encode()
    assert _refused(files)[0].code == "form_invalid"


def test_settings_are_checked_and_lanes_need_valid_roles():
    bad = dict(SETTINGS, lanes={"Người học": {"role": "applicant"}, "Chuyên viên": {"role": "janitor"}},
               fee_vnd=-5)
    problems = _refused(package(settings=bad))
    assert [p.code for p in problems] == ["settings_invalid", "settings_invalid"]
    assert "lanes/Chuyên viên/role" in problems[1].message_en or "lanes/Chuyên viên/role" in problems[0].message_en
    files = package()
    files["settings.json"] = b"{not json"
    assert _refused(files)[0].code == "json_malformed"


def test_unused_lane_mapping_and_ignored_files_are_warnings():
    settings = dict(SETTINGS, lanes=dict(SETTINGS["lanes"], **{"Kế toán": {"role": "clerk"}}))
    model = load_model(package(settings=settings, extra={"diagram.png": b"\x89PNG"}))
    assert sorted(w.code for w in model.warnings) == ["file_ignored", "lane_mapping_unused"]


def test_unknown_operator_is_refused_only_when_the_registry_is_given():
    assert load_model(package(), known_operators=None)
    problems = _refused(package(), known_operators={"sign_document"})
    assert [(p.code, p.element_id) for p in problems] == [("unknown_operator", "notify_applicant")]
    assert "'notify'" in problems[0].message_en and "sign_document" in problems[0].message_en


def test_main_process_must_be_explicitly_executable():
    text = document(process(executable=None))
    problems = _refused(package(bpmn=text))
    assert [(p.code, p.element_id) for p in problems] == [("process_not_executable", "review_flow")]
    assert "no isExecutable attribute" in problems[0].message_en
    problems = _refused(package(settings=dict(SETTINGS, process_id="nope")))
    assert problems[0].code == "process_not_found" and "review_flow" in problems[0].message_en


def test_ambiguous_main_process_without_settings():
    problems = _refused({"two.bpmn": document(simple_process("a"), simple_process("b")).encode()})
    assert problems[0].code == "ambiguous_main_process"


def test_call_activity_resolves_a_process_in_another_file():
    caller = process("""
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="s_c" sourceRef="s" targetRef="call"/>
    <bpmn:callActivity id="call" calledElement="shared_payment"/>
    <bpmn:sequenceFlow id="c_e" sourceRef="call" targetRef="e"/>
    <bpmn:endEvent id="e"/>
""", process_id="main")
    files = {"main.bpmn": document(caller).encode(),
             "shared.bpmn": document(simple_process("shared_payment", executable=None)).encode()}
    model = load_model(files)
    assert model.process_id == "main" and list(model.subprocess_specs) == ["shared_payment"]
    del files["shared.bpmn"]
    problems = _refused(files)
    assert [(p.code, p.element_id) for p in problems] == [("called_process_missing", "call")]


def test_all_gateway_problems_are_reported_together():
    body = """
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="s_g" sourceRef="s" targetRef="g"/>
    <bpmn:exclusiveGateway id="g"/>
    <bpmn:sequenceFlow id="yes" name="Đồng ý" sourceRef="g" targetRef="t"/>
    <bpmn:sequenceFlow id="no" name="Không" sourceRef="g" targetRef="e"/>
    <bpmn:task id="t"/>
    <bpmn:sequenceFlow id="t_e1" sourceRef="t" targetRef="e"/>
    <bpmn:sequenceFlow id="t_e2" sourceRef="t" targetRef="e2"/>
    <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
"""
    problems = _refused({"m.bpmn": document(process(body, process_id="m")).encode()})
    assert [(p.code, p.element_id) for p in problems] == [
        ("gateway_flow_without_condition", "yes"), ("gateway_flow_without_condition", "no"),
        ("implicit_split", "t")]
    assert "“Đồng ý”" in problems[0].message_vi


def test_service_task_named_like_its_operator_is_refused_before_spiff_misreads_it():
    text = document().replace('id="notify_applicant"', 'id="notify"').replace(
        ">notify_applicant<", ">notify<").replace('"notify_applicant"', '"notify"')
    problems = _refused(package(bpmn=text.replace('Ref="notify_applicant"', 'Ref="notify"')))
    assert [(p.code, p.element_id) for p in problems] == [("duplicate_id", "notify")]


def test_spiff_errors_are_translated_with_file_line_and_element():
    """A data association to a process dataInput passes our checks; SpiffWorkflow refuses it."""
    body = """
    <bpmn:ioSpecification id="io"><bpmn:dataInput id="invoice"/><bpmn:inputSet id="ins"/>
      <bpmn:outputSet id="outs"/></bpmn:ioSpecification>
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="s_t" sourceRef="s" targetRef="check"/>
    <bpmn:task id="check">
      <bpmn:dataInputAssociation id="assoc"><bpmn:sourceRef>invoice</bpmn:sourceRef>
        <bpmn:targetRef>check_input</bpmn:targetRef></bpmn:dataInputAssociation>
    </bpmn:task>
    <bpmn:sequenceFlow id="t_e" sourceRef="check" targetRef="e"/>
    <bpmn:endEvent id="e"/>
"""
    text = document(process(body, process_id="m"))
    problems = _refused({"m.bpmn": text.encode()})
    assert [(p.code, p.element_id, p.file) for p in problems] == [("unresolved_data_association", "check", "m.bpmn")]
    assert problems[0].line == text[:text.index('<bpmn:task id="check">')].count("\n") + 1
    assert "0x" not in problems[0].message_en and "Cannot resolve" in problems[0].message_en
    # and the schema check (SpiffWorkflow's XSD validator) is located the same way
    no_target = text.replace("\n        <bpmn:targetRef>check_input</bpmn:targetRef>", "")
    problems = _refused({"m.bpmn": no_target.encode()})
    assert [(p.code, p.file) for p in problems] == [("bpmn_schema_invalid", "m.bpmn")]
    assert problems[0].line and "bpmn:sourceRef, bpmn:targetRef" in problems[0].message_en


def test_refusal_serialises_for_the_api():
    with pytest.raises(ModelRejected) as caught:
        load_model(package(settings=dict(SETTINGS, lanes={})))
    payload = caught.value.to_dict()
    assert payload["code"] == "model_rejected"
    assert {d["code"] for d in payload["details"]} == {"lane_without_role"}
    json.dumps(payload, ensure_ascii=False)

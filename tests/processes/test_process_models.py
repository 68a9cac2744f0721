"""Every procedure package parses with SpiffWorkflow, is complete, and runs through in memory."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from model_runner import (
    DOCUMENT_TEMPLATES,
    OPERATORS,
    alternative_answers,
    load_settings,
    package_dirs,
    parse,
    run_case,
    sample_data,
)

BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
           "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
           "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
SETTINGS_KEYS = {"code", "name_vi", "name_en", "process_id", "lanes", "fee_vnd", "deadline_working_days",
                 "level_2023", "level_target", "confidence", "sources", "result_documents"}
ROLES = {"admin", "process_owner", "clerk", "leader", "applicant", "auditor", "agency"}
PACKAGES = package_dirs()
IDS = [p.name for p in PACKAGES]


def _tree(folder):
    return etree.parse(str(folder / f"{folder.name}.bpmn"))


def _units() -> set[str]:
    units_file = PACKAGES[0].parent / "units.json"
    return {unit["code"] for unit in json.loads(units_file.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_settings_are_complete_and_consistent(folder):
    settings = load_settings(folder)
    assert SETTINGS_KEYS <= settings.keys()
    assert settings["code"] == folder.name
    assert settings["confidence"] in {"official", "university-published", "inferred"}
    assert settings["level_target"] == 4 and 1 <= settings["level_2023"] <= 4
    tree = _tree(folder)
    lanes = {lane.get("name") for lane in tree.iterfind(".//bpmn:lane", BPMN_NS)}
    assert lanes == set(settings["lanes"]), "every BPMN lane has exactly one mapping"
    units = _units()
    form_fields = set()
    for form_file in (folder / "forms").iterdir():
        form_fields |= set(json.loads(form_file.read_text(encoding="utf-8")).get("properties", {}))
    for mapping in settings["lanes"].values():
        assert mapping["role"] in ROLES
        assert mapping["unit"] is None or mapping["unit"] in units
        assert mapping.get("unit_from") is None or mapping["unit_from"] in form_fields
    process = tree.find(".//bpmn:process", BPMN_NS)
    assert process.get("id") == settings["process_id"] and process.get("isExecutable") == "true"
    assert (folder / "description.md").read_text(encoding="utf-8").startswith(f"# {folder.name} – ")
    for document in settings["result_documents"]:
        assert document["template"] is None or document["template"] in DOCUMENT_TEMPLATES
        assert set(document["signed_by"]) <= {"leader", "seal"}


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_model_parses_and_every_user_task_has_a_valid_form(folder):
    spec, _ = parse(folder)
    assert spec.name == load_settings(folder)["process_id"]
    tree = _tree(folder)
    forms_used = {"start.json"}
    for task in tree.iterfind(".//bpmn:userTask", BPMN_NS):
        prop = task.find(".//spiffworkflow:property[@name='formJsonSchemaFilename']", BPMN_NS)
        assert prop is not None, f"user task {task.get('id')} has no form"
        forms_used.add(prop.get("value"))
    for filename in forms_used:
        schema = json.loads((folder / "forms" / filename).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        Draft202012Validator(schema).validate(sample_data(schema))
    assert {p.name for p in (folder / "forms").iterdir()} == forms_used, "no orphan form files"


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_diagram_draws_every_element_and_uses_known_operators(folder):
    tree = _tree(folder)
    drawn = {shape.get("bpmnElement") for shape in tree.iterfind(".//bpmndi:BPMNShape", BPMN_NS)}
    drawn |= {edge.get("bpmnElement") for edge in tree.iterfind(".//bpmndi:BPMNEdge", BPMN_NS)}
    process = tree.find(".//bpmn:process", BPMN_NS)
    for element in process:
        if element.get("id") and etree.QName(element).localname != "laneSet":
            assert element.get("id") in drawn, f"{element.get('id')} is not drawn"
    for operator in tree.iterfind(".//spiffworkflow:serviceTaskOperator", BPMN_NS):
        assert operator.get("id") in OPERATORS
    for gateway in tree.iterfind(".//bpmn:exclusiveGateway", BPMN_NS):
        flows = [f for f in process.iterfind("bpmn:sequenceFlow", BPMN_NS) if f.get("sourceRef") == gateway.get("id")]
        for flow in flows if len(flows) > 1 else []:
            has_condition = flow.find("bpmn:conditionExpression", BPMN_NS) is not None
            assert has_condition or gateway.get("default") == flow.get("id")


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_happy_path_runs_to_the_end(folder):
    run = run_case(folder)
    assert run.workflow.completed
    settings = load_settings(folder)
    if settings["fee_vnd"]:
        assert "payment_confirmed" in run.messages_sent and "payment_request" in run.operators
    if settings["result_documents"] and any(d.get("signed_by") for d in settings["result_documents"]):
        assert "sign_document" in run.operators


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_every_other_branch_also_runs_to_an_end(folder):
    alternatives = alternative_answers(folder)
    for task_id, answer in alternatives:
        run = run_case(folder, {task_id: [answer]})
        assert run.workflow.completed, (task_id, answer)

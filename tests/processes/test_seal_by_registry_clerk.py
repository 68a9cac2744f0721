"""Decree 30/2020: the leader signs, then the registry clerk (văn thư) checks the form and applies the
organisation's seal. Every procedure that seals does it through a văn thư user task followed by
``sign_document`` role 'seal' naming that task, so the audit trail can say which clerk applied it."""

from __future__ import annotations

import json

import pytest
from lxml import etree
from model_runner import load_form, load_settings, package_dirs

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
SEAL_TASK_NAME = "Văn thư kiểm tra thể thức và đóng dấu số"


def _seal_services(tree):  # type: ignore[no-untyped-def]
    for service in tree.iterfind(".//bpmn:serviceTask", NS):
        operator = service.find(".//spiffworkflow:serviceTaskOperator", NS)
        if operator is None or operator.get("id") != "sign_document":
            continue
        params = {p.get("id"): p.get("value") for p in operator.iterfind(".//spiffworkflow:parameter", NS)}
        if params.get("role") == "'seal'":
            yield service, params


def _lane_of(tree, node_id: str) -> str:  # type: ignore[no-untyped-def]
    for lane in tree.iterfind(".//bpmn:lane", NS):
        if node_id in {ref.text for ref in lane.iterfind("bpmn:flowNodeRef", NS)}:
            return lane.get("name")
    raise AssertionError(f"{node_id} is in no lane")


SEALING = [p for p in package_dirs()
           if any(True for _ in _seal_services(etree.parse(str(p / f"{p.name}.bpmn"))))]


def test_the_procedures_that_seal_are_the_ones_whose_results_say_so() -> None:
    declared = {p.name for p in package_dirs()
                if any("seal" in d.get("signed_by", []) for d in load_settings(p)["result_documents"])}
    # QT74 seals its outgoing letters, which are sent over the axis rather than listed as a result
    assert {p.name for p in SEALING} == declared | {"QT74"}
    assert len(SEALING) > 40  # the generic template and the detailed specs both seal official documents


@pytest.mark.parametrize("folder", SEALING, ids=[p.name for p in SEALING])
def test_every_seal_is_applied_by_a_registry_clerk_task(folder) -> None:  # type: ignore[no-untyped-def]
    tree = etree.parse(str(folder / f"{folder.name}.bpmn"))
    lanes = load_settings(folder)["lanes"]
    process = tree.find(".//bpmn:process", NS)
    for service, params in _seal_services(tree):
        incoming = [f for f in process.iterfind("bpmn:sequenceFlow", NS) if f.get("targetRef") == service.get("id")]
        assert len(incoming) == 1, f"{service.get('id')}: the seal has one way in, from the clerk's task"
        clerk_task = process.find(f"bpmn:userTask[@id='{incoming[0].get('sourceRef')}']", NS)
        assert clerk_task is not None, f"{service.get('id')} is not preceded by a user task"
        assert clerk_task.get("name") == SEAL_TASK_NAME
        assert params["applied_by_task"] == repr(clerk_task.get("id"))
        lane = lanes[_lane_of(tree, clerk_task.get("id"))]
        assert (lane["role"], lane["unit"], lane.get("unit_from")) == ("clerk", "PHCTH", None)
        form_file = clerk_task.find(".//spiffworkflow:property[@name='formJsonSchemaFilename']", NS).get("value")
        form = load_form(folder, form_file)
        confirm, number, comment = (f"{clerk_task.get('id')}_{k}" for k in ("confirm", "register_number", "comment"))
        assert set(form["properties"]) == {confirm, number, comment}
        assert form["properties"][confirm]["const"] is True, "the clerk cannot seal without confirming"
        assert set(form["required"]) == {confirm, number}
        assert params["register_number"] == number
        assert json.dumps(form, ensure_ascii=False).count("Nghị định 30/2020") == 1

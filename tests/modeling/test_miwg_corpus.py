"""All 60 files of the BPMN MIWG corpus: each deploys or is refused precisely, never a crash.

Expectations were written down from the catalogue (/work/shared/fixtures/bpmn-miwg/CATALOGUE.md) and
checked against what the loader says. Policy differences with plain SpiffWorkflow, on purpose:

- a process counts as executable only with an explicit isExecutable="true": the 22 "vacuous" files
  SpiffWorkflow accepts (nothing to run) and the ARIS/Trisotech exports without the attribute are
  refused with every process and its raw attribute listed; Bizagi's extra empty pool no longer
  produces "No start event found";
- our own checks run before SpiffWorkflow and report every spot, not only the first one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from engine.errors import ModelRejected
from engine.modeling import load_model
from engine.modeling.xml import BPMN_NS

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "bpmn-miwg"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="MIWG corpus not available")


def deploys(process_id: str) -> tuple:
    return ("deploys", process_id)


def refused(code: str, element_id: str, count: int) -> tuple:
    """First problem's code and element id, and how many problems are reported in all."""
    return ("refused", code, element_id, count)


EXPECTED = {
    "adonis-17.0/A.1.0-export.bpmn": refused("no_executable_process", "process_f88c25a7-ff33-4fc8-bbcd-8f3b748519ef", 1),
    "adonis-17.0/A.2.0-export.bpmn": refused("no_executable_process", "process_4ed030d7-cdd5-4a65-b0c6-fd39e75bd024", 1),
    "adonis-17.0/A.3.0-export.bpmn": refused("no_executable_process", "process_b510c14a-6677-4484-81bd-8f750a7e0564", 1),
    "adonis-17.0/A.4.0-export.bpmn": refused("no_executable_process", "process_3915a71c-03fc-465f-8f08-f2651da931bf", 1),
    "adonis-17.0/C.1.1-export.bpmn": refused("no_executable_process", "process_078d7a3c-9efc-44c5-92f8-16eddb32e908", 1),
    "adonis-17.0/C.9.1-export.bpmn": refused("no_executable_process", "process_523e13ab-fbb2-4fd4-aff0-81e288a164ac", 1),
    "aris-10.2025.07/A.1.0-export.bpmn": refused("no_executable_process", "Process_ID-ca36d590-70ba-11e9-69f8-f48e38b53512", 1),
    "aris-10.2025.07/A.2.0-export.bpmn": refused("no_executable_process", "Process_ID-1b57d930-70be-11e9-69f8-f48e38b53512", 1),
    "aris-10.2025.07/A.3.0-export.bpmn": refused("no_executable_process", "Process_ID-389a22f0-70c3-11e9-69f8-f48e38b53512", 1),
    "aris-10.2025.07/A.4.0-export.bpmn": refused("no_executable_process", "Process_ID-bea68b01-70c3-11e9-69f8-f48e38b53512", 1),
    "aris-10.2025.07/C.1.1-export.bpmn": refused("no_executable_process", "Process_ID-4622b4a0-723a-11e9-69f8-f48e38b53512", 1),
    "aris-10.2025.07/C.2.0-export.bpmn": refused("no_executable_process", "Process_ID-519f1d98-723b-11e9-69f8-f48e38b53512", 1),
    "aris-10.2025.07/C.9.1-export.bpmn": refused("no_executable_process", "Process_ID-5d1d4d40-5588-11f0-4f81-e4434b300a48", 1),
    "bizagi-modeler-2.8.0.8/A.1.0-roundtrip.bpmn": refused("no_executable_process", "WFP-6-", 1),
    "bizagi-modeler-2.8.0.8/A.2.0-roundtrip.bpmn": refused("no_executable_process", "WFP-6-", 1),
    "bizagi-modeler-2.8.0.8/A.3.0-roundtrip.bpmn": refused("no_executable_process", "WFP-6-", 1),
    "bizagi-modeler-2.8.0.8/A.4.0-roundtrip.bpmn": refused("no_executable_process", "WFP-6-1", 1),
    "bpmn-io-camunda-modeler-18.6.1/A.1.0-export.bpmn": refused("no_executable_process", "Process_1", 1),
    "bpmn-io-camunda-modeler-18.6.1/A.2.0-export.bpmn": refused("no_executable_process", "Process_1", 1),
    "bpmn-io-camunda-modeler-18.6.1/A.3.0-export.bpmn": refused("subprocess_start_events", "Activity_1j4b29j", 1),
    "bpmn-io-camunda-modeler-18.6.1/A.4.0-export.bpmn": deploys("Process_0elb8rq"),
    # two gateways with "yes"/"no" labels but no conditions, and a service task without operator
    "bpmn-io-camunda-modeler-18.6.1/C.1.1-export.bpmn": refused("gateway_flow_without_condition", "Flow_0fb3pzb", 5),
    # bpmn:import x2 (refused), service task without operator, JUEL ${...} conditions x4
    "bpmn-io-camunda-modeler-18.6.1/C.1.1-roundtrip.bpmn": refused("unsupported_element", "sid-bdb880ac-c464-4e5c-aa56-569d709436e0", 7),
    "bpmn-io-camunda-modeler-18.6.1/C.2.0-export.bpmn": deploys("Process_1h3m6w5"),
    "bpmn-io-camunda-modeler-18.6.1/C.9.1-export.bpmn": refused("timer_without_expression", "Event_0r6z74c", 2),
    "reference/A.1.0.bpmn": refused("no_executable_process", "WFP-6-", 1),
    "reference/A.2.0.bpmn": refused("no_executable_process", "WFP-6-", 1),
    "reference/A.2.1.bpmn": refused("no_executable_process", "_To9ZoTOCEeSknpIVFCxNIQ", 1),
    "reference/A.3.0.bpmn": refused("no_executable_process", "WFP-6-", 1),
    "reference/A.4.0.bpmn": refused("no_executable_process", "WFP-6-1", 1),
    "reference/A.4.1.bpmn": refused("no_executable_process", "sid-34746A54-1D7D-46CA-B219-0C4CEAE51170", 1),
    "reference/B.1.0.bpmn": refused("no_executable_process", "Process_ba16239e-181e-4b9f-bc5b-0bb2ee973450", 1),
    "reference/B.2.0.bpmn": refused("no_executable_process", "Process_ba16239e-181e-4b9f-bc5b-0bb2ee973450", 1),
    # service task without operator, 3 lanes without roles (bare file: no settings.json), 4 JUEL conditions
    "reference/C.1.0.bpmn": refused("service_task_without_operator", "archiveInvoice", 8),
    "reference/C.1.1.bpmn": refused("unsupported_element", "sid-bdb880ac-c464-4e5c-aa56-569d709436e0", 7),
    "reference/C.2.0.bpmn": refused("no_executable_process", "WFP-Page_1-1", 1),
    # 6 label-only gateway flows, the collapsed sub-process, and a condition "Service Level == 'Premium'"
    "reference/C.3.0.bpmn": refused("gateway_flow_without_condition", "_b99800c3-c340-460c-a43e-098014a365d0", 8),
    "reference/C.4.0.bpmn": refused("no_executable_process", "_42cba3a9-a8ab-40b5-b9a4-2e8f32be364e", 1),
    "reference/C.5.0.bpmn": refused("no_executable_process", "_3d1ef204-2d4c-4643-8fc5-c319cc032ec0", 1),
    "reference/C.6.0.bpmn": refused("no_executable_process", "_898aa942-9a96-4405-ae71-22b5e2e3d235", 1),
    "reference/C.7.0.bpmn": refused("no_executable_process", "_4a690dd7-809a-4fa9-ad63-515ac6685375", 1),
    "reference/C.8.0.bpmn": refused("no_executable_process", "VacationRequestProcess", 1),
    "reference/C.8.1.bpmn": refused("unsupported_element", "_d4aecb6e-8641-4d7a-af45-dcfae1d639ea", 8),
    # import, businessRuleTask (DMN), call to a process in another file, 8 service tasks, conditions
    "reference/C.9.0.bpmn": refused("unsupported_element", "_5SVkEIXnEeSmwfgVk-ryvQ", 13),
    "reference/C.9.1.bpmn": deploys("requestDocument_en"),
    "reference/C.9.2.bpmn": refused("unsupported_element", "_5SVkEIXnEeSmwfgVk-ryvQ", 4),
    "sap-signavio-process-manager-19.9.0/A.1.0-export.bpmn": refused("no_executable_process", "sid-f90c361f-1f0b-4c91-8c49-61e5c68c8b0f", 1),
    "sap-signavio-process-manager-19.9.0/A.2.0-export.bpmn": refused("no_executable_process", "sid-ea50cd9d-549f-452f-8fe6-7c0c7a496586", 1),
    "sap-signavio-process-manager-19.9.0/A.3.0-export.bpmn": refused("no_executable_process", "sid-10046002-0860-4b4d-add9-5ab9d3c7cbd7", 1),
    "sap-signavio-process-manager-19.9.0/A.4.0-export.bpmn": refused("no_executable_process", "sid-197DAB20-8272-47C0-A69C-A7919FE812D8", 1),
    "sap-signavio-process-manager-19.9.0/C.1.1-export.bpmn": refused("no_executable_process", "sid-d6652ef7-2f1d-4749-b05e-1868bfaf7862", 1),
    "sap-signavio-process-manager-19.9.0/C.2.0-export.bpmn": refused("no_executable_process", "sid-4A78BD16-8AAC-46E6-AA49-858EBAC6D588", 1),
    # SpiffWorkflow parses it, but its only lane has no name, so no role can ever be mapped
    "sap-signavio-process-manager-19.9.0/C.9.1-export.bpmn": refused("lane_without_name", "sid-411c7281-1694-4cdc-8a59-8228bf52eea5", 1),
    "trisotech-workflow-modeler-12.6.3/A.1.0-export.bpmn": refused("no_executable_process", "_f84fc97e-bd44-4222-8f8b-6a0a286d6705", 1),
    "trisotech-workflow-modeler-12.6.3/A.2.0-export.bpmn": refused("no_executable_process", "_cacba18d-aa89-4ddd-8943-733b94eec802", 1),
    "trisotech-workflow-modeler-12.6.3/A.3.0-export.bpmn": refused("no_executable_process", "_f6aff8e9-4656-4ef6-88e3-44cac1cda08f", 1),
    "trisotech-workflow-modeler-12.6.3/A.4.0-export.bpmn": refused("no_executable_process", "_f2a99fd9-1026-4f1a-8903-18a1939e8579", 1),
    "trisotech-workflow-modeler-12.6.3/C.1.1-export.bpmn": refused("no_executable_process", "_e5bd8e3d-0979-4f71-8bcd-9fac99a82fa9", 1),
    "trisotech-workflow-modeler-12.6.3/C.2.0-export.bpmn": refused("no_executable_process", "_6924958b-8430-4044-b1b5-46c031495e7b", 1),
    "trisotech-workflow-modeler-12.6.3/C.9.1-export.bpmn": refused("no_executable_process", "_27d3a165-03fd-4efc-927d-b9097e841d41", 1),
}

FILES = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.bpmn")) if CORPUS.is_dir() else []


def _assert_precise(error: ModelRejected, expected_file: str) -> None:
    assert error.details, "a refusal must list its problems"
    for found in error.details:
        assert found.file == expected_file
        assert found.line and found.line > 0
        assert found.code and found.message_vi and found.message_en
        assert "0x" not in found.message_en  # no lxml memory addresses leaking from SpiffWorkflow
    json.dumps(error.to_dict(), ensure_ascii=False)


def test_expectations_cover_the_whole_corpus():
    assert len(FILES) == 60
    assert set(FILES) == set(EXPECTED)


@pytest.mark.parametrize("relative", FILES)
def test_miwg_file_deploys_or_is_refused_precisely(relative):
    expected = EXPECTED[relative]
    path = CORPUS / relative
    if expected[0] == "deploys":
        model = load_model(path)
        assert model.process_id == expected[1]
        assert model.spec.name == expected[1]
        return
    with pytest.raises(ModelRejected) as caught:
        load_model(path)
    _, code, element_id, count = expected
    first = caught.value.details[0]
    assert (first.code, first.element_id) == (code, element_id)
    assert len(caught.value.details) == count
    _assert_precise(caught.value, path.name)
    if code == "no_executable_process":
        # every process is listed with its raw isExecutable attribute
        root = etree.parse(str(path)).getroot()
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            assert f"'{process.get('id')}'" in first.message_en
            raw = process.get("isExecutable")
            assert (f'isExecutable="{raw}"' if raw else "no isExecutable attribute") in first.message_en


@pytest.mark.parametrize("relative", FILES)
def test_miwg_file_forced_executable_never_crashes(relative):
    """What an owner gets after ticking 'executable' and mapping every lane: deeper checks, same precision."""
    root = etree.fromstring((CORPUS / relative).read_bytes())
    processes = root.findall(f"{{{BPMN_NS}}}process")
    for process in processes:
        process.set("isExecutable", "true")
    lanes = {lane.get("name"): {"role": "clerk"} for lane in root.iter(f"{{{BPMN_NS}}}lane") if lane.get("name")}
    settings = {"code": "MIWG", "process_id": processes[0].get("id"), "lanes": lanes}
    files = {"model.bpmn": etree.tostring(root), "settings.json": json.dumps(settings).encode()}
    try:
        model = load_model(files)
    except ModelRejected as error:
        for found in error.details:
            assert found.code and found.message_vi and found.message_en
            assert found.file in ("model.bpmn", "settings.json")
            assert found.line or found.element_id
    else:
        assert model.process_id == processes[0].get("id")


@pytest.mark.parametrize(("relative", "codes"), [
    ("reference/B.1.0.bpmn", {"unsupported_element"}),                   # dataStore
    ("reference/A.2.1.bpmn", {"gateway_flow_without_condition", "implicit_split"}),
    ("reference/C.6.0.bpmn", {"unsupported_element", "service_task_without_operator", "timer_without_expression"}),
    ("trisotech-workflow-modeler-12.6.3/A.4.0-export.bpmn", {"implicit_split"}),
    ("adonis-17.0/A.1.0-export.bpmn", set()),                              # deploys once executable
])
def test_forced_executable_reports_the_underlying_causes(relative, codes):
    root = etree.fromstring((CORPUS / relative).read_bytes())
    processes = root.findall(f"{{{BPMN_NS}}}process")
    for process in processes:
        process.set("isExecutable", "true")
    lanes = {lane.get("name"): {"role": "clerk"} for lane in root.iter(f"{{{BPMN_NS}}}lane") if lane.get("name")}
    files = {"model.bpmn": etree.tostring(root),
             "settings.json": json.dumps({"code": "M", "process_id": processes[0].get("id"), "lanes": lanes}).encode()}
    if not codes:
        load_model(files)
        return
    with pytest.raises(ModelRejected) as caught:
        load_model(files)
    assert {p.code for p in caught.value.details} == codes

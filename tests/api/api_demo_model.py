"""A small two-lane procedure for the API tests, written as a real model package (BPMN + settings +
JSON Schema forms): the applicant asks, a clerk of unit PDT reviews, the applicant acknowledges."""

from __future__ import annotations

import json
from typing import Any

from engine.modeling import load_model, read_package

CODE = "DEMO"
PROCESS_ID = "demo_request"

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_demo" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_demo">
    <bpmn:participant id="Participant_demo" name="DEMO" processRef="demo_request"/>
  </bpmn:collaboration>
  <bpmn:process id="demo_request" name="Đề nghị thử nghiệm" isExecutable="true">
    <bpmn:laneSet id="LaneSet_demo">
      <bpmn:lane id="Lane_applicant" name="Người học">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_clerk" name="Chuyên viên Phòng Đào tạo">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Gửi đề nghị">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="start.json"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="review" name="Xem xét đề nghị">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="review.json"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="acknowledge" name="Xác nhận đã nhận kết quả">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Hoàn thành">
      <bpmn:incoming>Flow_3</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="review" targetRef="acknowledge"/>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="acknowledge" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

SETTINGS: dict[str, Any] = {
    "code": CODE,
    "name_vi": "Đề nghị thử nghiệm",
    "name_en": "Demo request",
    "process_id": PROCESS_ID,
    "default_unit": "PDT",
    "lanes": {
        "Người học": {"role": "applicant", "unit": None},
        "Chuyên viên Phòng Đào tạo": {"role": "clerk", "unit": "PDT"},
    },
}

START_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["reason"],
    "additionalProperties": False,
    "properties": {
        "reason": {"type": "string", "minLength": 3, "title": "Lý do"},
        "copies": {"type": "integer", "minimum": 1, "maximum": 10, "title": "Số bản"},
    },
}

REVIEW_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["decision"],
    "properties": {"decision": {"type": "string", "enum": ["approve", "reject"]}},
}

DESCRIPTION = "Quy trình thử nghiệm cho kiểm thử API.\n"


SERVICE_TASK = """    <bpmn:serviceTask id="record_step" name="Ghi nhận kết quả">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="record_result" resultVariable="record_result_output">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="decision" type="str" value="decision"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_2b</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="Flow_2b" sourceRef="record_step" targetRef="acknowledge"/>
"""


def bpmn_with_service_task() -> str:
    """Version 2 of the demo: the review's decision goes through the ``record_result`` operator."""
    xml = BPMN.replace('<bpmn:sequenceFlow id="Flow_2" sourceRef="review" targetRef="acknowledge"/>',
                       '<bpmn:sequenceFlow id="Flow_2" sourceRef="review" targetRef="record_step"/>')
    xml = xml.replace('<bpmn:incoming>Flow_2</bpmn:incoming>\n      <bpmn:outgoing>Flow_3',
                      '<bpmn:incoming>Flow_2b</bpmn:incoming>\n      <bpmn:outgoing>Flow_3')
    xml = xml.replace("<bpmn:flowNodeRef>review</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>review</bpmn:flowNodeRef>\n        "
                      "<bpmn:flowNodeRef>record_step</bpmn:flowNodeRef>")
    return xml.replace("    <bpmn:endEvent", SERVICE_TASK + "    <bpmn:endEvent")


def package_files(bpmn: str = BPMN) -> dict[str, bytes]:
    """The package as an upload would carry it."""
    return {
        f"{CODE}.bpmn": bpmn.encode("utf-8"),
        "settings.json": json.dumps(SETTINGS, ensure_ascii=False).encode("utf-8"),
        "description.md": DESCRIPTION.encode("utf-8"),
        "forms/start.json": json.dumps(START_FORM).encode("utf-8"),
        "forms/review.json": json.dumps(REVIEW_FORM).encode("utf-8"),
    }


def build_model(files: dict[str, bytes] | None = None, known_operators: set[str] | None = None) -> Any:
    """The package loaded and validated by ``engine.modeling``, as an upload would be."""
    return load_model(read_package(files or package_files()), known_operators=known_operators)

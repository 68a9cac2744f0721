"""Small BPMN documents for the tests, written out in full so each test shows what it feeds in."""

from __future__ import annotations

import json

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"\n'
          '    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"\n'
          '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
          '    id="defs" targetNamespace="http://quytrinh.test/models">\n')
FOOTER = "</bpmn:definitions>\n"

# start -> review (user task, lane "Chuyên viên") -> approve? -> notify (service) -> end / end_refused
REVIEW_BODY = """
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_applicant" name="Người học"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_clerk" name="Chuyên viên">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>decide</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>notify_applicant</bpmn:flowNodeRef><bpmn:flowNodeRef>wait_reply</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef><bpmn:flowNodeRef>end_refused</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>reminder</bpmn:flowNodeRef><bpmn:flowNodeRef>end_reminder</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="start.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" name="Kiểm tra hồ sơ">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review_form.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="reminder" attachedToRef="review" cancelActivity="false">
      <bpmn:timerEventDefinition id="reminder_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P5D</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_rem" sourceRef="reminder" targetRef="end_reminder"/>
    <bpmn:endEvent id="end_reminder"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:exclusiveGateway id="decide" default="f_refuse"/>
    <bpmn:sequenceFlow id="f_ok" sourceRef="decide" targetRef="notify_applicant">
      <bpmn:conditionExpression>review_decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_refuse" sourceRef="decide" targetRef="end_refused"/>
    <bpmn:serviceTask id="notify_applicant">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="notify" resultVariable="notified">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="to" type="str" value="'applicant'"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="notify_applicant" targetRef="wait_reply"/>
    <bpmn:intermediateCatchEvent id="wait_reply">
      <bpmn:timerEventDefinition id="wait_timer">
        <bpmn:timeDate>2099-12-01T08:00:00+07:00</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait_reply" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="end_refused"/>
"""

START_FORM = {"type": "object", "properties": {"student_code": {"type": "string"}}, "required": ["student_code"]}
REVIEW_FORM = {"type": "object", "properties": {"review_decision": {"enum": ["approve", "reject"]}}}
SETTINGS = {
    "code": "QT99",
    "name_vi": "Quy trình thử nghiệm",
    "process_id": "review_flow",
    "lanes": {"Người học": {"role": "applicant", "unit": None}, "Chuyên viên": {"role": "clerk", "unit": "PDT"}},
    "fee_vnd": 0,
    "deadline_working_days": 5,
    "level_target": 4,
    "sources": [{"title": "extra keys pass through"}],
}


def process(body: str = REVIEW_BODY, *, process_id: str = "review_flow", executable: str | None = "true") -> str:
    attribute = f' isExecutable="{executable}"' if executable is not None else ""
    return f'  <bpmn:process id="{process_id}"{attribute}>{body}  </bpmn:process>\n'


def document(*processes: str, root_extra: str = "") -> str:
    return HEADER + root_extra + "".join(processes or (process(),)) + FOOTER


def package(*, bpmn: str | None = None, settings: dict | None = None, forms: dict | None = None,
            extra: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """An upload mapping for a complete package (the defaults deploy)."""
    files = {
        "QT99.bpmn": (bpmn or document()).encode("utf-8"),
        "settings.json": json.dumps(SETTINGS if settings is None else settings, ensure_ascii=False).encode(),
        "description.md": "Mô tả quy trình thử nghiệm.\n\nTest procedure.\n".encode(),
    }
    for name, schema in (forms if forms is not None else
                         {"start.json": START_FORM, "review_form.json": REVIEW_FORM}).items():
        files[f"forms/{name}"] = json.dumps(schema).encode()
    files.update(extra or {})
    return files


def simple_process(process_id: str = "simple", executable: str | None = "true", inner: str = "") -> str:
    """start -> [inner elements, wired by the caller] ... used where lanes and forms do not matter."""
    body = inner or """
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="s_t" sourceRef="s" targetRef="t"/>
    <bpmn:task id="t"/>
    <bpmn:sequenceFlow id="t_e" sourceRef="t" targetRef="e"/>
    <bpmn:endEvent id="e"/>
"""
    return process(body, process_id=process_id, executable=executable)

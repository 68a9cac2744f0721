"""Write a ProcessBuilder as a BPMN 2.0 file in the bpmn.io / SpiffWorkflow dialect (with BPMNDI)."""

from __future__ import annotations

from lxml import etree

from .layout import Box, compute_layout
from .model import Node, ProcessBuilder

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "spiffworkflow": SPIFF, "xsi": XSI}
CORRELATION_PROPERTY = "case_id"

TAGS = {
    "start": "startEvent", "end": "endEvent", "user": "userTask", "service": "serviceTask",
    "gateway": "exclusiveGateway", "parallel": "parallelGateway", "message_catch": "intermediateCatchEvent", "timer_boundary": "boundaryEvent",
}


def _el(parent: etree._Element, ns: str, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})


def _message_id(name: str) -> str:
    return f"Message_{name}"


def _extensions(parent: etree._Element, node: Node) -> None:
    if node.kind not in ("user", "service", "start") or (node.kind == "start" and not node.form):
        return
    ext = _el(parent, BPMN, "extensionElements")
    if node.kind in ("user", "start"):
        if node.kind == "user" and node.documentation:
            _el(ext, SPIFF, "instructionsForEndUser").text = node.documentation
        props = _el(ext, SPIFF, "properties")
        _el(props, SPIFF, "property", name="formJsonSchemaFilename", value=node.form)
        for key, value in node.properties.items():
            _el(props, SPIFF, "property", name=key, value=value)
    else:
        operator = _el(ext, SPIFF, "serviceTaskOperator", id=node.operator, resultVariable=node.result)
        params = _el(operator, SPIFF, "parameters")
        for key, value in node.params.items():
            kind = "int" if key.endswith("_vnd") else "str"
            _el(params, SPIFF, "parameter", id=key, type=kind, value=value)


def _process(root: etree._Element, builder: ProcessBuilder) -> None:
    process = _el(root, BPMN, "process", id=builder.process_id, name=builder.name_vi, isExecutable="true")
    lane_set = _el(process, BPMN, "laneSet", id=f"LaneSet_{builder.process_id}")
    for lane in builder.lanes:
        lane_el = _el(lane_set, BPMN, "lane", id=f"Lane_{lane.id}", name=lane.name)
        for node in builder.nodes.values():
            if node.lane == lane.id:
                _el(lane_el, BPMN, "flowNodeRef").text = node.id
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in builder.flows:
        outgoing.setdefault(flow.source, []).append(flow.id)
        incoming.setdefault(flow.target, []).append(flow.id)
    for node in builder.nodes.values():
        attrs = {"id": node.id, "name": node.name}
        if node.kind == "gateway" and node.default_flow:
            attrs["default"] = node.default_flow
        if node.kind == "timer_boundary":
            attrs.update(attachedToRef=node.attached_to, cancelActivity="false")
        element = _el(process, BPMN, TAGS[node.kind], **attrs)
        if node.documentation and node.kind != "user":
            _el(element, BPMN, "documentation").text = node.documentation
        _extensions(element, node)
        for flow_id in incoming.get(node.id, []):
            _el(element, BPMN, "incoming").text = flow_id
        for flow_id in outgoing.get(node.id, []):
            _el(element, BPMN, "outgoing").text = flow_id
        if node.kind == "message_catch":
            definition = _el(element, BPMN, "messageEventDefinition", id=f"MessageEventDefinition_{node.id}",
                             messageRef=_message_id(node.message))
            ext = _el(definition, BPMN, "extensionElements")
            _el(ext, SPIFF, "messageVariable").text = node.message_variable
            # Correlate on the case's own data (the engine puts case_id there at start), not on the
            # payload: a payment provider's confirmation need not echo our case id.
            correlation = _el(ext, SPIFF, "processVariableCorrelation")
            _el(correlation, SPIFF, "propertyId").text = CORRELATION_PROPERTY
            _el(correlation, SPIFF, "expression").text = CORRELATION_PROPERTY
        if node.kind == "end" and node.terminate:
            _el(element, BPMN, "terminateEventDefinition", id=f"TerminateEventDefinition_{node.id}")
        if node.kind == "timer_boundary":
            timer = _el(element, BPMN, "timerEventDefinition", id=f"TimerEventDefinition_{node.id}")
            duration = _el(timer, BPMN, "timeDuration")
            duration.set(f"{{{XSI}}}type", "bpmn:tFormalExpression")
            duration.text = f'"{node.timer}"'
    for flow in builder.flows:
        element = _el(process, BPMN, "sequenceFlow", id=flow.id, name=flow.name, sourceRef=flow.source,
                      targetRef=flow.target)
        if flow.condition is not None:
            condition = _el(element, BPMN, "conditionExpression")
            condition.set(f"{{{XSI}}}type", "bpmn:tFormalExpression")
            condition.text = flow.condition


def _bounds(parent: etree._Element, box: Box) -> None:
    _el(parent, DC, "Bounds", x=str(box.x), y=str(box.y), width=str(box.width), height=str(box.height))


def _diagram(root: etree._Element, builder: ProcessBuilder, collaboration_id: str, participant_id: str) -> None:
    layout = compute_layout(builder)
    diagram = _el(root, BPMNDI, "BPMNDiagram", id=f"BPMNDiagram_{builder.process_id}")
    plane = _el(diagram, BPMNDI, "BPMNPlane", id=f"BPMNPlane_{builder.process_id}", bpmnElement=collaboration_id)
    pool = _el(plane, BPMNDI, "BPMNShape", id=f"{participant_id}_di", bpmnElement=participant_id,
               isHorizontal="true")
    _bounds(pool, layout.pool)
    for lane in builder.lanes:
        shape = _el(plane, BPMNDI, "BPMNShape", id=f"Lane_{lane.id}_di", bpmnElement=f"Lane_{lane.id}",
                    isHorizontal="true")
        _bounds(shape, layout.lanes[lane.id])
    for node in builder.nodes.values():
        attrs = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "gateway":
            attrs["isMarkerVisible"] = "true"
        shape = _el(plane, BPMNDI, "BPMNShape", **attrs)
        _bounds(shape, layout.nodes[node.id])
    for flow in builder.flows:
        edge = _el(plane, BPMNDI, "BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in layout.edges[flow.id]:
            _el(edge, DI, "waypoint", x=str(x), y=str(y))


def to_bpmn(builder: ProcessBuilder) -> bytes:
    builder.check()
    root = etree.Element(f"{{{BPMN}}}definitions", nsmap=NSMAP, id=f"Definitions_{builder.process_id}",
                         targetNamespace="http://bpmn.io/schema/bpmn", exporter="quytrinh processes/_build",
                         exporterVersion="1")
    collaboration_id = f"Collaboration_{builder.process_id}"
    participant_id = f"Participant_{builder.process_id}"
    collaboration = _el(root, BPMN, "collaboration", id=collaboration_id)
    _el(collaboration, BPMN, "participant", id=participant_id, name=f"{builder.code} – {builder.name_vi}",
        processRef=builder.process_id)
    _process(root, builder)
    for message in sorted(builder.messages):
        _el(root, BPMN, "message", id=_message_id(message), name=message)
    _diagram(root, builder, collaboration_id, participant_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

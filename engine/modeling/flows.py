"""Structural checks SpiffWorkflow would also fail on, but reported all at once and precisely.

SpiffWorkflow stops at the first problem and sometimes names nothing useful ("Multiple outgoing flows
are not supported for tasks of type", a data association shown as ``<Element ... at 0x...>``). These
checks find every such spot in the running processes, with file, line and element id, and explain the
fix in the process owner's terms.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from .problems import Problem, problem
from .xml import BPMN_NS, NSMAP, SPIFF_NS, line_of, local_name

_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
_CONDITIONAL_GATEWAYS = {"exclusiveGateway", "inclusiveGateway"}


def _containers(process: etree._Element) -> list[etree._Element]:
    return [process] + [e for e in process.iter(f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction")]


def _has_condition(flow: etree._Element) -> bool:
    condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
    return condition is not None and bool((condition.text or "").strip())


def check_flows(path: str, process: etree._Element) -> list[Problem]:
    found: list[Problem] = []
    for container in _containers(process):
        outgoing: dict[str, list[etree._Element]] = defaultdict(list)
        nodes = {}
        for child in container:
            if not isinstance(child.tag, str):
                continue
            if child.tag == f"{{{BPMN_NS}}}sequenceFlow":
                outgoing[child.get("sourceRef")].append(child)
            elif child.get("id"):
                nodes[child.get("id")] = child
        for node_id, flows in outgoing.items():
            node = nodes.get(node_id)
            if node is None:
                continue
            kind = local_name(node)
            if kind in _CONDITIONAL_GATEWAYS and len(flows) > 1:
                default = node.get("default")
                for flow in flows:
                    if flow.get("id") != default and not _has_condition(flow):
                        found.append(_unconditioned(path, kind, node_id, flow))
            elif kind not in _GATEWAYS and len(flows) > 1:
                found.append(problem(
                    "implicit_split",
                    f"'{node_id}' (bpmn:{kind}) có {len(flows)} luồng ra; hãy tách nhánh bằng cổng song song "
                    "hoặc cổng loại trừ.",
                    f"'{node_id}' (bpmn:{kind}) has {len(flows)} outgoing flows; split with a parallel or "
                    "exclusive gateway instead.", file=path, line=line_of(node), element_id=node_id))
    found.extend(_subprocess_problems(path, process))
    found.extend(_multi_instance_problems(path, process))
    return found


def _unconditioned(path: str, kind: str, gateway_id: str, flow: etree._Element) -> Problem:
    flow_id = flow.get("id")
    label = flow.get("name")
    named = f" (“{label}”)" if label else ""
    return problem(
        "gateway_flow_without_condition",
        f"Luồng '{flow_id}'{named} ra khỏi cổng '{gateway_id}' không có điều kiện và không phải luồng mặc "
        "định; nhãn trên sơ đồ không phải điều kiện — hãy thêm conditionExpression hoặc đặt làm mặc định.",
        f"Flow '{flow_id}'{named} leaving {kind} '{gateway_id}' has no condition and is not the default flow; "
        "a label is not a condition: add a conditionExpression or make it the default.",
        file=path, line=line_of(flow), element_id=flow_id)


def _subprocess_problems(path: str, process: etree._Element) -> list[Problem]:
    found = []
    for sub in process.iter(f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction"):
        starts = sub.findall(f"{{{BPMN_NS}}}startEvent")
        if len(starts) != 1:
            sub_id = sub.get("id")
            found.append(problem(
                "subprocess_start_events",
                f"Tiểu trình '{sub_id}' phải có đúng một sự kiện bắt đầu bên trong (có {len(starts)}); tiểu "
                "trình thu gọn không có nội dung thì không chạy được.",
                f"Sub-process '{sub_id}' needs exactly one start event inside (found {len(starts)}); a "
                "collapsed sub-process with no content cannot run.",
                file=path, line=line_of(sub), element_id=sub_id))
    return found


def _multi_instance_problems(path: str, process: etree._Element) -> list[Problem]:
    found = []
    for loop in process.iter(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics"):
        has_cardinality = loop.find(f"{{{BPMN_NS}}}loopCardinality") is not None
        has_input = loop.find(f"{{{BPMN_NS}}}loopDataInputRef") is not None
        if not (has_cardinality or has_input):
            activity = loop.getparent()
            activity_id = activity.get("id")
            found.append(problem(
                "multi_instance_without_input",
                f"Hoạt động đa thể hiện '{activity_id}' cần loopCardinality hoặc loopDataInputRef (phần mở "
                "rộng riêng của công cụ vẽ không được đọc).",
                f"Multi-instance activity '{activity_id}' needs a loopCardinality or loopDataInputRef "
                "(vendor extensions are not read).", file=path, line=line_of(loop), element_id=activity_id))
    return found


def service_operator_problems(path: str, process: etree._Element,
                              known_operators: set[str] | None) -> list[Problem]:
    found = []
    for task in process.iter(f"{{{BPMN_NS}}}serviceTask"):
        task_id = task.get("id")
        operator = task.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}serviceTaskOperator")
        if operator is None or not operator.get("id"):
            found.append(problem(
                "service_task_without_operator",
                f"Tác vụ dịch vụ '{task_id}' không chỉ định thao tác (spiffworkflow:serviceTaskOperator).",
                f"Service task '{task_id}' names no operation (spiffworkflow:serviceTaskOperator).",
                file=path, line=line_of(task), element_id=task_id))
        elif known_operators is not None and operator.get("id") not in known_operators:
            name = operator.get("id")
            known = ", ".join(sorted(known_operators)) or "—"
            found.append(problem(
                "unknown_operator",
                f"Tác vụ dịch vụ '{task_id}' gọi thao tác '{name}' không có trong danh mục (có: {known}).",
                f"Service task '{task_id}' calls operation '{name}', which is not registered (known: {known}).",
                file=path, line=line_of(operator), element_id=task_id))
    return found


def lane_names(process: etree._Element) -> list[tuple[str | None, etree._Element]]:
    return [(lane.get("name"), lane) for lane in process.iter(f"{{{BPMN_NS}}}lane")]


def lane_problems(path: str, process: etree._Element, mapping: dict) -> list[Problem]:
    """Every lane that holds work needs a role: the runtime assigns tasks by lane."""
    found = []
    for name, lane in lane_names(process):
        lane_id = lane.get("id")
        if lane.find(f"{{{BPMN_NS}}}childLaneSet") is not None and lane.find(f"{{{BPMN_NS}}}flowNodeRef") is None:
            continue  # a parent lane: its children carry the work
        if not (name or "").strip():
            found.append(problem("lane_without_name", f"Lane '{lane_id}' không có tên nên không gán được vai trò.",
                                 f"Lane '{lane_id}' has no name, so no role can be mapped to it.",
                                 file=path, line=line_of(lane), element_id=lane_id))
        elif name not in mapping:
            found.append(problem(
                "lane_without_role",
                f"Lane '{name}' chưa được gán vai trò trong settings.json (mục \"lanes\").",
                f"Lane '{name}' has no role mapping in settings.json (\"lanes\").",
                file=path, line=line_of(lane), element_id=lane_id))
    return found


def user_tasks(process: etree._Element) -> list[etree._Element]:
    return list(process.iter(f"{{{BPMN_NS}}}userTask"))


def named_form(element: etree._Element) -> str | None:
    """The form file a task or start event names with ``formJsonSchemaFilename``."""
    values = element.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
        "[@name='formJsonSchemaFilename']/@value", namespaces=NSMAP)
    return values[0] if values else None


def top_start_events(process: etree._Element) -> list[etree._Element]:
    return process.findall(f"{{{BPMN_NS}}}startEvent")



def duplicate_id_problems(path: str, process: etree._Element) -> list[Problem]:
    """SpiffWorkflow indexes every ``@id`` under a process, extensions included, and the last one wins.

    So a service task with ``id="notify"`` calling operator ``notify`` (``serviceTaskOperator id="notify"``)
    is silently replaced by the operator element, and parsing fails with a message naming neither.
    Extension elements repeating ids among themselves (operator names, parameter ids) are harmless.
    """
    by_id: dict[str, list[etree._Element]] = defaultdict(list)
    for element in process.xpath(".//*[@id]"):
        by_id[element.get("id")].append(element)
    found = []
    for element_id, elements in by_id.items():
        bpmn = [e for e in elements if e.tag.startswith(f"{{{BPMN_NS}}}")]
        if len(elements) < 2 or not bpmn:
            continue  # extension elements (operator names, parameter ids) may repeat among themselves
        first = bpmn[0]
        other = next(e for e in elements if e is not first)
        found.append(problem(
            "duplicate_id",
            f"Id '{element_id}' được dùng cho cả {_describe(first)} và {_describe(other)}; SpiffWorkflow "
            "đánh chỉ mục mọi id trong process nên hãy đổi tên một trong hai.",
            f"Id '{element_id}' is used by both {_describe(first)} and {_describe(other)}; SpiffWorkflow "
            "indexes every id in a process, so rename one of them.",
            file=path, line=line_of(first), element_id=element_id))
    return found


def _describe(element: etree._Element) -> str:
    prefix = "bpmn" if element.tag.startswith(f"{{{BPMN_NS}}}") else "spiffworkflow" \
        if element.tag.startswith(f"{{{SPIFF_NS}}}") else etree.QName(element).namespace
    return f"{prefix}:{local_name(element)} (line {element.sourceline})"

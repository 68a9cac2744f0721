"""A small in-memory description of one procedure's BPMN process.

Procedures are written as Python (hand-tuned specs and the generic template both use this builder)
so that 99 models stay consistent and can be regenerated; ``bpmn_xml`` turns the result into BPMN 2.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALLOWED_OPERATORS = {
    "issue_document": ("template", "title"),
    "sign_document": ("role", "level"),
    "notify": ("to", "message"),
    "axis_send_status": ("status_code", "reason"),
    "axis_send_document": (),
    "payment_request": ("amount_vnd", "purpose"),
}
ROLES = {"admin", "process_owner", "clerk", "leader", "applicant", "auditor", "agency"}


@dataclass
class Lane:
    id: str
    name: str
    role: str
    unit: str | None
    unit_from: str | None = None


@dataclass
class Node:
    id: str
    kind: str  # start | end | user | service | gateway | parallel | message_catch | timer_boundary
    name: str
    lane: str
    form: str | None = None
    operator: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    result: str | None = None
    message: str | None = None
    message_variable: str | None = None
    timer: str | None = None
    attached_to: str | None = None
    documentation: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    default_flow: str | None = None
    terminate: bool = False


@dataclass
class Flow:
    id: str
    source: str
    target: str
    condition: str | None = None
    name: str | None = None


class ProcessBuilder:
    """Collects lanes, nodes, flows and forms; validates references as they are added."""

    def __init__(self, code: str, process_id: str, name_vi: str) -> None:
        self.code = code
        self.process_id = process_id
        self.name_vi = name_vi
        self.lanes: list[Lane] = []
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.forms: dict[str, dict] = {}
        self.messages: set[str] = set()

    # lanes -------------------------------------------------------------------------------------
    def lane(self, lane_id: str, name: str, role: str, unit: str | None, unit_from: str | None = None) -> str:
        """A lane; ``unit_from`` names the case-data field holding the unit when it is chosen at run time."""
        if role not in ROLES:
            raise ValueError(f"{self.code}: unknown role {role!r} for lane {name!r}")
        self.lanes.append(Lane(lane_id, name, role, unit, unit_from))
        return lane_id

    # nodes -------------------------------------------------------------------------------------
    def _add(self, node: Node) -> str:
        if node.id in self.nodes:
            raise ValueError(f"{self.code}: duplicate node id {node.id!r}")
        if node.lane not in {lane.id for lane in self.lanes}:
            raise ValueError(f"{self.code}: node {node.id!r} in unknown lane {node.lane!r}")
        self.nodes[node.id] = node
        return node.id

    def start(self, node_id: str, name: str, lane: str, form: dict) -> str:
        self.forms["start.json"] = form
        return self._add(Node(node_id, "start", name, lane, form="start.json"))

    def end(self, node_id: str, name: str, lane: str, terminate: bool = False) -> str:
        """An end event; ``terminate`` ends the whole case, cancelling the branches still waiting."""
        return self._add(Node(node_id, "end", name, lane, terminate=terminate))

    def user(self, node_id: str, name: str, lane: str, form: dict, documentation: str | None = None,
             properties: dict[str, str] | None = None) -> str:
        filename = f"{node_id}.json"
        self.forms[filename] = form
        return self._add(Node(node_id, "user", name, lane, form=filename, documentation=documentation,
                              properties=dict(properties or {})))

    def service(self, node_id: str, name: str, lane: str, operator: str, params: dict[str, str],
                result: str | None = None) -> str:
        expected = ALLOWED_OPERATORS.get(operator)
        if expected is None:
            raise ValueError(f"{self.code}: unknown service operator {operator!r}")
        missing = [p for p in expected if p not in params]
        if missing:
            raise ValueError(f"{self.code}: {operator} in {node_id} lacks parameters {missing}")
        return self._add(Node(node_id, "service", name, lane, operator=operator, params=dict(params),
                              result=result or f"{node_id}_result"))

    def gateway(self, node_id: str, name: str, lane: str) -> str:
        return self._add(Node(node_id, "gateway", name, lane))

    def parallel(self, node_id: str, name: str, lane: str) -> str:
        """A parallel split: every outgoing branch runs (e.g. the work, and a wait for a recall)."""
        return self._add(Node(node_id, "parallel", name, lane))

    def message_catch(self, node_id: str, name: str, lane: str, message: str, variable: str) -> str:
        """Wait for ``message``; its payload is stored in the case data under ``variable``."""
        self.messages.add(message)
        return self._add(Node(node_id, "message_catch", name, lane, message=message, message_variable=variable))

    def deadline(self, node_id: str, name: str, host: str, duration: str) -> str:
        """A non-interrupting boundary timer on ``host``: the deadline reminder, never a cancel."""
        if not duration.startswith("P"):
            raise ValueError(f"{self.code}: timer {node_id} needs an ISO 8601 duration, got {duration!r}")
        lane = self.nodes[host].lane
        return self._add(Node(node_id, "timer_boundary", name, lane, timer=duration, attached_to=host))

    # flows -------------------------------------------------------------------------------------
    def flow(self, source: str, target: str, condition: str | None = None, name: str | None = None,
             default: bool = False) -> str:
        for ref in (source, target):
            if ref not in self.nodes:
                raise ValueError(f"{self.code}: flow refers to unknown node {ref!r}")
        flow_id = f"Flow_{source}_to_{target}"
        self.flows.append(Flow(flow_id, source, target, condition, name))
        if default:
            self.nodes[source].default_flow = flow_id
        return flow_id

    def chain(self, *node_ids: str) -> None:
        for source, target in zip(node_ids, node_ids[1:], strict=False):
            self.flow(source, target)

    def check(self) -> None:
        """Every gateway branch is either conditional or the default; every node is connected."""
        outgoing: dict[str, list[Flow]] = {}
        incoming: dict[str, list[Flow]] = {}
        for flow in self.flows:
            outgoing.setdefault(flow.source, []).append(flow)
            incoming.setdefault(flow.target, []).append(flow)
        for node in self.nodes.values():
            if node.kind != "start" and node.kind != "timer_boundary" and not incoming.get(node.id):
                raise ValueError(f"{self.code}: node {node.id} has no incoming flow")
            if node.kind != "end" and not outgoing.get(node.id):
                raise ValueError(f"{self.code}: node {node.id} has no outgoing flow")
            if node.kind == "gateway" and len(outgoing.get(node.id, [])) > 1:
                for flow in outgoing[node.id]:
                    if flow.condition is None and flow.id != node.default_flow:
                        raise ValueError(f"{self.code}: gateway {node.id} branch {flow.id} has no condition")

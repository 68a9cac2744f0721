"""Automatic diagram layout: columns by longest path from the start, rows by lane.

The layout only has to make every model draw legibly in bpmn.io; it is not meant to be pretty.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ProcessBuilder

SIZES = {
    "start": (36, 36), "end": (36, 36), "message_catch": (36, 36), "timer_boundary": (36, 36),
    "gateway": (50, 50), "parallel": (50, 50), "user": (100, 80), "service": (100, 80),
}
COLUMN_WIDTH = 160
ROW_HEIGHT = 130
POOL_X = 120
LANE_X = 150
LANE_LABEL = 30
FIRST_COLUMN_X = LANE_X + LANE_LABEL + 40


@dataclass
class Box:
    x: int
    y: int
    width: int
    height: int

    @property
    def mid_y(self) -> int:
        return self.y + self.height // 2

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height


@dataclass
class Layout:
    nodes: dict[str, Box]
    lanes: dict[str, Box]
    pool: Box
    edges: dict[str, list[tuple[int, int]]]


def rank_nodes(builder: ProcessBuilder) -> dict[str, int]:
    """Longest-path rank of each node, ignoring the flows that close a loop."""
    successors: dict[str, list[str]] = {node_id: [] for node_id in builder.nodes}
    for flow in builder.flows:
        successors[flow.source].append(flow.target)
    for node in builder.nodes.values():
        if node.attached_to:
            successors[node.attached_to].append(node.id)
    back_edges: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(node_id: str) -> None:
        state[node_id] = 1
        for nxt in successors[node_id]:
            if state.get(nxt) == 1:
                back_edges.add((node_id, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node_id] = 2

    for node_id, node in builder.nodes.items():
        if node.kind == "start" and node_id not in state:
            visit(node_id)
    for node_id in builder.nodes:
        if node_id not in state:
            visit(node_id)
    rank = {node_id: 0 for node_id in builder.nodes}
    changed = True
    while changed:
        changed = False
        for source, targets in successors.items():
            for target in targets:
                if (source, target) in back_edges:
                    continue
                step = 0 if builder.nodes[target].attached_to == source else 1
                if rank[target] < rank[source] + step:
                    rank[target] = rank[source] + step
                    changed = True
    return rank


def _exception_paths(builder: ProcessBuilder) -> set[str]:
    """Nodes only reachable through a boundary event (reminders): drawn below the main path."""
    successors: dict[str, list[str]] = {node_id: [] for node_id in builder.nodes}
    for flow in builder.flows:
        successors[flow.source].append(flow.target)
    seen = {n.id for n in builder.nodes.values() if n.kind == "start"}
    todo = list(seen)
    while todo:
        for nxt in successors[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return set(builder.nodes) - seen


def compute_layout(builder: ProcessBuilder) -> Layout:
    rank = rank_nodes(builder)
    slots: dict[tuple[str, int], int] = {}
    sub_row: dict[str, int] = {}
    exceptions = _exception_paths(builder)
    order = list(builder.nodes)
    ordered = sorted(builder.nodes.values(), key=lambda n: (rank[n.id], n.id in exceptions, order.index(n.id)))
    for node in ordered:
        if node.kind == "timer_boundary":
            continue
        key = (node.lane, rank[node.id])
        sub_row[node.id] = slots.get(key, 0)
        slots[key] = sub_row[node.id] + 1
    rows_per_lane = {lane.id: 1 for lane in builder.lanes}
    for (lane_id, _), count in slots.items():
        rows_per_lane[lane_id] = max(rows_per_lane[lane_id], count)
    max_rank = max(rank.values()) if rank else 0
    lane_width = LANE_LABEL + 40 + (max_rank + 1) * COLUMN_WIDTH + 40
    lanes: dict[str, Box] = {}
    top = 80
    for lane in builder.lanes:
        height = rows_per_lane[lane.id] * ROW_HEIGHT
        lanes[lane.id] = Box(LANE_X, top, lane_width, height)
        top += height
    pool = Box(POOL_X, 80, lane_width + (LANE_X - POOL_X), top - 80)
    boxes: dict[str, Box] = {}
    for node in ordered:
        if node.kind == "timer_boundary":
            continue
        width, height = SIZES[node.kind]
        centre_x = FIRST_COLUMN_X + rank[node.id] * COLUMN_WIDTH + 50
        centre_y = lanes[node.lane].y + sub_row[node.id] * ROW_HEIGHT + ROW_HEIGHT // 2
        boxes[node.id] = Box(centre_x - width // 2, centre_y - height // 2, width, height)
    for node in ordered:
        if node.kind == "timer_boundary":
            host = boxes[node.attached_to]
            boxes[node.id] = Box(host.right - 28, host.bottom - 18, 36, 36)
    edges = {flow.id: _route(boxes[flow.source], boxes[flow.target], builder.nodes[flow.source].kind)
             for flow in builder.flows}
    return Layout(boxes, lanes, pool, edges)


def _route(source: Box, target: Box, source_kind: str) -> list[tuple[int, int]]:
    """Orthogonal route: right side out, left side in; loops go underneath both shapes."""
    if source_kind == "timer_boundary":
        start = (source.x + source.width // 2, source.bottom)
        if target.mid_y > source.bottom and target.x > start[0]:
            return [start, (start[0], target.mid_y), (target.x, target.mid_y)]
        below = source.bottom + 15
        turn = target.x - 20
        return [start, (start[0], below), (turn, below), (turn, target.mid_y), (target.x, target.mid_y)]
    if source_kind in ("gateway", "parallel") and target.x > source.right and target.mid_y != source.mid_y:
        # leave by the lower/upper corner so the branches of a decision do not share a segment
        centre_x = source.x + source.width // 2
        exit_y = source.bottom if target.mid_y > source.mid_y else source.y
        middle_x = source.right + (target.x - source.right) // 2
        return [(centre_x, exit_y), (centre_x, exit_y + (10 if exit_y == source.bottom else -10)),
                (middle_x, exit_y + (10 if exit_y == source.bottom else -10)), (middle_x, target.mid_y),
                (target.x, target.mid_y)]
    start = (source.right, source.mid_y)
    if target.x > source.right:
        end = (target.x, target.mid_y)
        if start[1] == end[1]:
            return [start, end]
        middle_x = source.right + (target.x - source.right) // 2
        return [start, (middle_x, start[1]), (middle_x, end[1]), end]
    below = max(source.bottom, target.bottom) + 20
    out = (source.x + source.width // 2, source.bottom)
    back = (target.x + target.width // 2, target.bottom)
    return [out, (out[0], below), (back[0], below), back]

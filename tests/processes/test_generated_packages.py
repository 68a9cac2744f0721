"""The packages are exactly what the generator writes, every node is on a start-to-end path, and the
diagrams have no overlapping shapes."""

from __future__ import annotations

import filecmp
import subprocess
import sys

import pytest
from lxml import etree
from model_runner import PROCESSES_DIR, package_dirs

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}
PACKAGES = package_dirs()
IDS = [p.name for p in PACKAGES]


def test_committed_packages_match_a_fresh_generation(tmp_path):
    subprocess.run([sys.executable, "-m", "processes._build.generate", "--out", str(tmp_path)],
                   cwd=PROCESSES_DIR.parent, check=True, capture_output=True)
    generated = sorted(p.name for p in tmp_path.iterdir())
    assert generated == [p.name for p in PACKAGES] and len(generated) == 99
    for name in generated:
        comparison = filecmp.dircmp(tmp_path / name, PROCESSES_DIR / name)
        stack = [comparison]
        while stack:
            current = stack.pop()
            assert not (current.left_only or current.right_only), f"{name}: files differ in presence"
            _, mismatch, errors = filecmp.cmpfiles(current.left, current.right, current.common_files, shallow=False)
            assert not mismatch and not errors, f"{name}: {mismatch} edited by hand or generator changed"
            stack.extend(current.subdirs.values())


def _graph(folder):
    tree = etree.parse(str(folder / f"{folder.name}.bpmn"))
    process = tree.find(".//bpmn:process", NS)
    nodes = {el.get("id"): etree.QName(el).localname for el in process
             if etree.QName(el).localname not in ("laneSet", "sequenceFlow")}
    edges: dict[str, set[str]] = {node: set() for node in nodes}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        edges[flow.get("sourceRef")].add(flow.get("targetRef"))
    for boundary in process.iterfind("bpmn:boundaryEvent", NS):
        edges[boundary.get("attachedToRef")].add(boundary.get("id"))
    return tree, nodes, edges


def _reach(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_every_node_lies_on_a_path_from_start_to_an_end(folder):
    _, nodes, edges = _graph(folder)
    starts = {n for n, kind in nodes.items() if kind == "startEvent"}
    ends = {n for n, kind in nodes.items() if kind == "endEvent"}
    assert len(starts) == 1
    assert _reach(starts, edges) == set(nodes), "unreachable nodes"
    reverse: dict[str, set[str]] = {n: set() for n in nodes}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    assert _reach(ends, reverse) == set(nodes), "nodes that can never reach an end"


@pytest.mark.parametrize("folder", PACKAGES, ids=IDS)
def test_diagram_shapes_do_not_overlap(folder):
    tree, nodes, _ = _graph(folder)
    boxes = {}
    for shape in tree.iterfind(".//bpmndi:BPMNShape", NS):
        if shape.get("bpmnElement") in nodes and nodes[shape.get("bpmnElement")] != "boundaryEvent":
            b = shape.find("dc:Bounds", NS)
            boxes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    items = sorted(boxes.items())
    for i, (a, (ax, ay, aw, ah)) in enumerate(items):
        for b, (bx, by, bw, bh) in items[i + 1:]:
            overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
            assert not overlap, f"{a} overlaps {b}"

"""Keeping executed history out of the state that every step loads and saves.

SpiffWorkflow never forgets a task: a case that looped 10,000 times carries 10,000 finished tasks in
its tree, and every step would deserialise, walk and serialise all of them (the step grows linearly,
and a tree deeper than 1,000 makes ``get_tasks()`` silently stop seeing the live tasks). What a step
needs is only the part of the tree where something can still happen, so after each step the tree of
every workflow (top level and each subprocess, which have trees of their own) is re-rooted just above
the lowest common ancestor of its live tasks, and everything outside the new root moves, serialised
once and never rewritten, to the ``task_history`` table.

What is kept, and why (checked against SpiffWorkflow 3.2.0):

- every task that is not COMPLETED or CANCELLED (READY, WAITING, STARTED, ERROR and predicted
  tasks), every ancestor of those up to the lowest common ancestor (LCA), and the LCA's parent:
  a waiting task re-inherits its parent's data on every update, and a boundary event's join looks
  for the ``BoundaryEventSplit`` above the task it is attached to;
- ``workflow.last_task`` (it is an anchor like a live task): the case data shown to people falls back
  to it, and a call activity copies its subprocess' last task when that subprocess completes;
- the whole split of a running parallel/inclusive gateway (the split is the LCA of its live branches,
  so the sibling join instances and their parents stay);
- above the new root, the nearest ancestor of each input of a merging parallel gateway, relinked into
  a short chain: the gateway's loop check walks up the tree looking for them (a gateway that both
  splits and closes a loop finds its first input at the very top);
- a subprocess while the task that started it is in the parent's tree (a running subprocess' parent
  task is STARTED, hence live); a subprocess whose parent task moved to history goes there whole,
  with the subprocesses it started;
- workflows whose start task is shared state are left alone: ad hoc subprocesses walk the children
  of ``task_tree`` and collaborations add tasks under it (``trigger_wf``).

The new root is written with its full data (SpiffWorkflow's task converter stores full data for a
task without parent and deltas for the others), so the saved state restores exactly as before.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Case, TaskHistory
from .state import serializer

HISTORY_FORMAT = "quytrinh-history-1"
TOP = "top"  # key of the top-level workflow in a history record; subprocesses use their parent task id
_DONE = TaskState.COMPLETED | TaskState.CANCELLED
#: Prune only once a case's state holds this many tasks: a short case (most procedures end within a
#: few dozen tasks) never pays for a history row, and a long one keeps its state below about this
#: size plus one step's worth of tasks.
PRUNE_AT = 64


@dataclass
class PrunedHistory:
    """What one step moved out of the case state: task dicts per workflow, and whole subprocesses."""

    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    subprocesses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def task_count(self) -> int:
        tasks = sum(len(w["tasks"]) for w in self.workflows.values())
        return tasks + sum(len(sp.get("tasks", {})) for sp in self.subprocesses.values())

    def __bool__(self) -> bool:
        return bool(self.workflows or self.subprocesses)

    def to_dict(self) -> dict[str, Any]:
        return {"format": HISTORY_FORMAT, "workflows": self.workflows, "subprocesses": self.subprocesses}


def prune(workflow: BpmnWorkflow, min_tasks: int | None = None) -> PrunedHistory:
    """Move finished tasks that no live task can reach any more out of ``workflow`` (in place).

    Nothing happens while the workflow and its subprocesses hold fewer than ``min_tasks`` tasks
    (``PRUNE_AT`` by default).
    """
    pruned = PrunedHistory()
    min_tasks = PRUNE_AT if min_tasks is None else min_tasks
    if len(workflow.tasks) + sum(len(sp.tasks) for sp in workflow.subprocesses.values()) < min_tasks:
        return pruned
    _prune_one(workflow, TOP, workflow, pruned)
    seen: set[UUID] = set()
    while True:  # a subprocess pruned away can take nested ones with it: repeat until nothing moves
        pending = [sp for key, sp in list(workflow.subprocesses.items()) if key not in seen]
        if not pending:
            break
        for sp in pending:
            seen.add(sp.parent_task_id)
            if sp.parent_task_id in workflow.subprocesses:
                _prune_one(sp, str(sp.parent_task_id), workflow, pruned)
    return pruned


def _prune_one(wf: Any, key: str, top: BpmnWorkflow, pruned: PrunedHistory) -> None:
    if not _can_prune(wf):
        return
    new_root = _new_root(wf)
    if new_root is None:
        return
    chain = _join_input_ancestors(wf, new_root) + [new_root]
    keep = set(_subtree_ids(new_root)) | {task.id for task in chain}
    moved = {tid: task for tid, task in wf.tasks.items() if tid not in keep}
    if not moved:
        return
    registry = serializer().registry
    # Serialise before relinking: each moved task is stored as a delta of its (also moved) parent.
    entry = pruned.workflows.setdefault(key, {"root": "", "tasks": {}})
    entry["tasks"].update({str(tid): registry.convert(task) for tid, task in moved.items()})
    entry["root"] = str(chain[0].id)
    chain[0]._parent = None
    for upper, lower in zip(chain, chain[1:], strict=False):
        upper._children = [lower.id]
        lower._parent = upper.id
    wf.task_tree = chain[0]
    for tid in moved:
        del wf.tasks[tid]
        top.event_manager.tasks.pop(tid, None)
    _move_orphaned_subprocesses(top, set(moved), pruned)


def _join_input_ancestors(wf: Any, new_root: Task) -> list[Task]:
    """Ancestors above ``new_root`` that a parallel gateway's loop check will look for, top first.

    ``ParallelGateway._check_threshold_unstructured`` walks up from later instances of itself until
    it meets a task of one of its inputs, possibly far above the live part of the tree (a gateway
    that both splits and merges a loop finds its first input at the top). Keeping the nearest
    ancestor of each such input spec, relinked into one short chain above the new root, gives the
    walk the same answer as the full tree.
    """
    wanted = _join_inputs(wf.spec)
    if not wanted:
        return []
    found: list[Task] = []
    node = new_root.parent
    while node is not None and wanted:
        if node.task_spec in wanted:
            wanted = wanted - {node.task_spec}
            found.append(node)
        node = node.parent
    found.reverse()
    return found


def _join_inputs(spec: Any) -> frozenset:
    cached = getattr(spec, "_quytrinh_join_inputs", None)
    if cached is None:
        cached = frozenset(inp for ts in spec.task_specs.values()
                           if isinstance(ts, ParallelGateway) and len(ts.inputs) > 1 for inp in ts.inputs)
        spec._quytrinh_join_inputs = cached
    return cached


def _move_orphaned_subprocesses(top: BpmnWorkflow, gone: set[UUID], pruned: PrunedHistory) -> None:
    registry = serializer().registry
    while gone:
        orphans = [tid for tid in top.subprocesses if tid in gone]
        gone = set()
        for tid in orphans:
            sp = top.subprocesses.pop(tid)
            pruned.subprocesses[str(tid)] = registry.convert(sp)
            gone.update(sp.tasks)
            for task_id in sp.tasks:
                top.event_manager.tasks.pop(task_id, None)


def _can_prune(wf: Any) -> bool:
    if getattr(wf.spec, "conditional_paths", None) is not None:  # ad hoc subprocess
        return False
    start = getattr(wf.spec, "start", None)
    return not getattr(start, "trigger_specs", None)


def _new_root(wf: Any) -> Task | None:
    """The parent of the lowest common ancestor of all live tasks and of ``last_task``."""
    anchors = [t for t in wf.tasks.values() if not t.has_state(_DONE)]
    if wf.last_task is not None and wf.last_task.id in wf.tasks:
        anchors.append(wf.last_task)
    if not anchors:
        return None
    path = _path_from_root(anchors[0])
    index = {task.id: i for i, task in enumerate(path)}
    deepest = len(path) - 1
    for task in anchors[1:]:
        node = task
        while node is not None and node.id not in index:
            node = node.parent
        if node is None:  # not under the same root: a detached task, prune nothing
            return None
        deepest = min(deepest, index[node.id])
        if deepest == 0:
            return wf.task_tree
    lca = path[deepest]
    return lca.parent or lca


def _path_from_root(task: Task) -> list[Task]:
    path = []
    node: Task | None = task
    while node is not None:
        path.append(node)
        node = node.parent
    path.reverse()
    return path


def _subtree_ids(root: Task) -> Iterator[UUID]:
    tasks = root.workflow.tasks
    stack = [root.id]
    while stack:
        tid = stack.pop()
        yield tid
        task = tasks.get(tid)
        if task is not None:
            stack.extend(task._children)


# -- the table ---------------------------------------------------------------------------------
def record(session: Session, case: Case, pruned: PrunedHistory) -> TaskHistory | None:
    """Append what one step pruned to the case's history (one row per step, never rewritten)."""
    if not pruned:
        return None
    body = json.dumps(pruned.to_dict(), default=str, ensure_ascii=False, separators=(",", ":"))
    row = TaskHistory(case_id=case.id, seq=case.lock_version or 0, task_count=pruned.task_count,
                      content=zlib.compress(body.encode("utf-8"), 1))
    session.add(row)
    return row


def prune_into_history(session: Session, case: Case, workflow: BpmnWorkflow, min_tasks: int | None = None) -> int:
    """Prune ``workflow`` and store what moved; returns how many tasks moved (the stepper's one call)."""
    pruned = prune(workflow, min_tasks)
    record(session, case, pruned)
    return pruned.task_count


def load_history(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Every pruned batch of a case, oldest first, as stored (see ``PrunedHistory.to_dict``)."""
    rows = session.scalars(select(TaskHistory).where(TaskHistory.case_id == case_id)
                           .order_by(TaskHistory.seq, TaskHistory.id))
    return [decode(row.content) for row in rows]


def decode(content: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(content).decode("utf-8"))


def executed_tasks(batches: Iterable[dict[str, Any]], state: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All task dicts of a case (history batches, then the live state), each tagged with its workflow.

    Reassembles what SpiffWorkflow would have kept without pruning, for audits and tests.
    """
    out: list[dict[str, Any]] = []

    def add(key: str, tasks: dict[str, Any]) -> None:
        out.extend({**task, "workflow": key} for task in tasks.values())

    for batch in batches:
        for key, wf in batch.get("workflows", {}).items():
            add(key, wf["tasks"])
        for key, sp in batch.get("subprocesses", {}).items():
            add(key, sp.get("tasks", {}))
    if state is not None:
        add(TOP, state.get("tasks", {}))
        for key, sp in state.get("subprocesses", {}).items():
            add(key, sp.get("tasks", {}))
    return out

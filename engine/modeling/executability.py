"""Which process of a package runs, judged from the raw ``isExecutable`` attribute.

SpiffWorkflow reads ``isExecutable`` with a default of ``"true"``, so a process without the attribute
counts as executable: Bizagi's empty extra pool then fails with "No start event found", and a file
whose processes are all ``isExecutable="false"`` "parses" while yielding nothing to run. Here only an
explicit ``isExecutable="true"`` makes a process startable, and a package with none is refused with
every process and its raw attribute listed. Processes reached through call activities may leave the
attribute out (they are never started on their own).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .xml import BPMN_NS, BpmnDocument, line_of


@dataclass(frozen=True)
class ProcessRef:
    process_id: str
    document: BpmnDocument
    element: etree._Element

    @property
    def raw_executable(self) -> str | None:
        return self.element.get("isExecutable")

    @property
    def explicitly_executable(self) -> bool:
        return self.raw_executable == "true"

    def describe(self) -> tuple[str, str]:
        """(vi, en) reading of the attribute for messages."""
        raw = self.raw_executable
        if raw is None:
            return (f"'{self.process_id}' không có thuộc tính isExecutable",
                    f"'{self.process_id}' has no isExecutable attribute")
        return (f"'{self.process_id}' có isExecutable=\"{raw}\"", f"'{self.process_id}' has isExecutable=\"{raw}\"")


def index_processes(documents: list[BpmnDocument]) -> dict[str, ProcessRef]:
    """Every ``bpmn:process`` of the package by id (the first wins; duplicates are reported by Spiff)."""
    found: dict[str, ProcessRef] = {}
    for document in documents:
        for element in document.processes():
            process_id = element.get("id")
            if process_id and process_id not in found:
                found[process_id] = ProcessRef(process_id, document, element)
    return found


def called_processes(process: etree._Element) -> set[str]:
    return {call.get("calledElement") for call in process.iter(f"{{{BPMN_NS}}}callActivity")
            if call.get("calledElement")}


def reachable_processes(main_id: str, processes: dict[str, ProcessRef]) -> list[str]:
    """The main process and everything it calls, transitively, that exists in the package."""
    order, pending = [], [main_id]
    while pending:
        current = pending.pop(0)
        if current in order or current not in processes:
            continue
        order.append(current)
        pending.extend(sorted(called_processes(processes[current].element)))
    return order


@dataclass(frozen=True)
class Choice:
    """The outcome: the main process id, or (vi, en, file, line) explaining why there is none."""

    main_id: str | None
    code: str = ""
    message_vi: str = ""
    message_en: str = ""
    file: str | None = None
    line: int | None = None
    element_id: str | None = None


def choose_main_process(processes: dict[str, ProcessRef], requested: str | None) -> Choice:
    if not processes:
        return Choice(None, "no_process", "Gói không có bpmn:process nào.", "The package has no bpmn:process.")
    if requested:
        ref = processes.get(requested)
        if ref is None:
            known = ", ".join(sorted(processes))
            return Choice(None, "process_not_found",
                          f"settings.json chỉ định process_id '{requested}' nhưng không có process này "
                          f"(có: {known}).",
                          f"settings.json names process_id '{requested}' but no such process exists "
                          f"(found: {known}).", file="settings.json")
        if not ref.explicitly_executable:
            vi, en = ref.describe()
            return Choice(None, "process_not_executable",
                          f"Process chính {vi}; hãy đặt isExecutable=\"true\".",
                          f"The main process {en}; set isExecutable=\"true\".",
                          file=ref.document.path, line=line_of(ref.element), element_id=requested)
        return Choice(requested)
    executable = [ref for ref in processes.values() if ref.explicitly_executable]
    if not executable:
        described = [ref.describe() for ref in processes.values()]
        first = next(iter(processes.values()))
        return Choice(None, "no_executable_process",
                      "Không có process nào được đánh dấu chạy được (isExecutable=\"true\"): "
                      + "; ".join(vi for vi, _ in described)
                      + ". Tệp này chỉ là sơ đồ mô tả, không có gì để chạy.",
                      "No process is marked executable (isExecutable=\"true\"): "
                      + "; ".join(en for _, en in described)
                      + ". The file is a descriptive diagram with nothing to run.",
                      file=first.document.path, line=line_of(first.element), element_id=first.process_id)
    called = set().union(*(called_processes(ref.element) for ref in executable))
    roots = [ref for ref in executable if ref.process_id not in called]
    if len(roots) == 1:
        return Choice(roots[0].process_id)
    names = ", ".join(ref.process_id for ref in (roots or executable))
    return Choice(None, "ambiguous_main_process",
                  f"Có nhiều process chạy được ({names}); hãy chọn process chính bằng process_id trong "
                  "settings.json.",
                  f"Several executable processes ({names}); name the main one with process_id in settings.json.",
                  file=executable[0].document.path)

"""``load_model``: from package bytes to a validated, runnable model, or a precise refusal.

Order matters. First what can be judged without trusting the XML (sizes, DTDs, well-formedness),
then what the engine needs that BPMN leaves open (which process runs, who works in each lane), then
everything our own checks can find in one pass (unsupported elements, gateways without conditions,
timers, unsafe code, unknown operators), and only then SpiffWorkflow's parser, whose first error is
translated into the same located, bilingual form. Every problem found before SpiffWorkflow runs is
reported together, so the owner fixes the model in one round.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .elements import check_elements, root_scopes
from .executability import called_processes, choose_main_process, index_processes, reachable_processes
from .expressions import check_snippets, collect_snippets, timer_snippets
from .flows import (
    check_flows,
    duplicate_id_problems,
    lane_names,
    lane_problems,
    named_form,
    service_operator_problems,
    top_start_events,
    user_tasks,
)
from .loaded import LoadedModel
from .package import FORMS_FOLDER, ModelPackage, PackageLimits, read_package
from .problems import InvalidModel, Problem, problem, raise_if_errors, warning
from .settings import form_path, read_description, read_form, read_settings, unused_lane_warnings
from .spiff_errors import translate
from .timers import normalise_timers
from .xml import BPMN_NS, DEFAULT_MAX_BYTES, BpmnDocument, line_of, parse_bpmn

_SCHEMA_LOCK = threading.Lock()  # one XMLSchema object is shared; lxml validators are not re-entrant


class _LockedValidator:
    def validate(self, bpmn: etree._Element, filename: str | None = None) -> None:
        with _SCHEMA_LOCK:
            VALIDATOR.validate(bpmn, filename)


def load_model(package: ModelPackage | str | Path | Mapping[str, bytes] | bytes, *,
               known_operators: set[str] | None = None, max_file_bytes: int = DEFAULT_MAX_BYTES,
               package_limits: PackageLimits | None = None) -> LoadedModel:
    """Validate a package and build its specs; raise ``InvalidModel`` (a ``ModelRejected``) otherwise.

    ``known_operators``: the service operations the registry provides; ``None`` skips that check.
    """
    if not isinstance(package, ModelPackage):
        package = read_package(package, package_limits or PackageLimits(max_file_bytes=max_file_bytes))
    problems: list[Problem] = []
    settings, found = read_settings(package)
    problems += found
    description, found = read_description(package)
    problems += found
    documents = _parse_documents(package, max_file_bytes, problems)
    raise_if_errors(problems)

    processes = index_processes(documents)
    choice = choose_main_process(processes, settings.get("process_id"))
    if choice.main_id is None:
        raise InvalidModel([problem(choice.code, choice.message_vi, choice.message_en, file=choice.file,
                                    line=choice.line, element_id=choice.element_id)])
    main_id = choice.main_id
    running = reachable_processes(main_id, processes)
    warnings: list[Problem] = []
    lanes_mapping: dict[str, Any] = dict(settings.get("lanes") or {})
    used_lanes: set[str] = set()

    for document in documents:
        problems += check_elements(document.path, root_scopes(document.root, set(running)))
        for correlation in document.root.iter(f"{{{BPMN_NS}}}correlationProperty"):
            problems += check_snippets(collect_snippets(document.path, correlation))
    for process_id in running:
        ref = processes[process_id]
        path, element = ref.document.path, ref.element
        problems += _missing_called_processes(path, element, processes)
        problems += check_flows(path, element)
        problems += duplicate_id_problems(path, element)
        problems += service_operator_problems(path, element, known_operators)
        problems += lane_problems(path, element, lanes_mapping)
        used_lanes |= {name for name, _ in lane_names(element) if name}
        timers, found = normalise_timers(path, element)
        problems += found
        problems += check_snippets(chain(collect_snippets(path, element), timer_snippets(path, timers)))
    forms, found = _collect_forms(package, processes, running, main_id)
    problems += [p for p in found if p.severity == "error"]
    warnings += [p for p in found if p.severity == "warning"]
    raise_if_errors(problems)

    spec, subprocess_specs = _parse_with_spiff(documents, main_id)
    warnings += _unreached_executable_warnings(processes, running)
    if settings:
        warnings += unused_lane_warnings(lanes_mapping, used_lanes)
    warnings += [warning("file_ignored", f"Tệp '{name}' không thuộc định dạng gói nên bị bỏ qua.",
                         f"File '{name}' is not part of the package format and was ignored.", file=name)
                 for name in package.ignored]
    code = str(settings.get("code") or PurePosixPath(package.bpmn_paths[0]).stem)
    return LoadedModel(code=code, content_hash=package.content_hash, process_id=main_id, spec=spec,
                       subprocess_specs=subprocess_specs, forms=forms, lanes=lanes_mapping,
                       settings=settings, description=description, warnings=tuple(warnings),
                       files=dict(package.files))


def _parse_documents(package: ModelPackage, max_bytes: int, problems: list[Problem]) -> list[BpmnDocument]:
    if not package.bpmn_paths:
        problems.append(problem("no_bpmn_file", "Gói không có tệp .bpmn nào.", "The package holds no .bpmn file."))
    documents = []
    for path in package.bpmn_paths:
        parsed = parse_bpmn(path, package.files[path], max_bytes=max_bytes)
        if isinstance(parsed, Problem):
            problems.append(parsed)
        else:
            documents.append(parsed)
    return documents


def _missing_called_processes(path: str, process: etree._Element, processes: dict) -> list[Problem]:
    found = []
    for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
        target = call.get("calledElement")
        if not target or target not in processes:
            call_id = call.get("id")
            found.append(problem(
                "called_process_missing",
                f"Call activity '{call_id}' gọi process '{target}' không có trong gói.",
                f"Call activity '{call_id}' calls process '{target}', which is not in the package.",
                file=path, line=line_of(call), element_id=call_id))
    return found


def _collect_forms(package: ModelPackage, processes: dict, running: list[str],
                   main_id: str) -> tuple[dict[str, dict], list[Problem]]:
    forms: dict[str, dict] = {}
    found: list[Problem] = []

    def load(key: str, element: etree._Element, path: str, convention: str | None) -> bool:
        named = named_form(element)
        location = form_path(package, named) if named else (convention if package.get(convention or "") else None)
        if named and location is None:
            element_id = element.get("id")
            found.append(problem("form_missing",
                                 f"'{element_id}' dùng biểu mẫu '{named}' nhưng gói không có tệp này "
                                 f"(tìm ở {FORMS_FOLDER}/{named}).",
                                 f"'{element_id}' names form '{named}' but the package has no such file "
                                 f"(looked in {FORMS_FOLDER}/{named}).", file=path, line=line_of(element),
                                 element_id=element_id))
            return True
        if location is None:
            return False
        schema, broken = read_form(package, location)
        if broken:
            found.append(broken)
        else:
            forms[key] = schema
        return True

    main = processes[main_id]
    for index, start in enumerate(top_start_events(main.element)):
        key = "start" if index == 0 else start.get("id")
        load(key, start, main.document.path, f"{FORMS_FOLDER}/start.json" if index == 0 else None)
    for process_id in running:
        ref = processes[process_id]
        for task in user_tasks(ref.element):
            task_id = task.get("id")
            if not load(task_id, task, ref.document.path, f"{FORMS_FOLDER}/{task_id}.json"):
                found.append(warning(
                    "user_task_without_form",
                    f"Tác vụ người dùng '{task_id}' không có biểu mẫu (thêm {FORMS_FOLDER}/{task_id}.json hoặc "
                    "thuộc tính formJsonSchemaFilename); người xử lý chỉ có thể bấm hoàn thành.",
                    f"User task '{task_id}' has no form (add {FORMS_FOLDER}/{task_id}.json or a "
                    "formJsonSchemaFilename property); the assignee can only press complete.",
                    file=ref.document.path, line=line_of(task), element_id=task_id))
    return forms, found


def _parse_with_spiff(documents: list[BpmnDocument], main_id: str):
    parser = SpiffBpmnParser(validator=_LockedValidator())
    current_file = None
    try:
        for document in documents:
            current_file = document.path
            parser.add_bpmn_xml(document.root, filename=document.path)
        current_file = None
        spec = parser.get_spec(main_id)
        subprocess_specs = parser.get_subprocess_specs(main_id)
    except ValidationException as exc:
        raise InvalidModel([translate(exc, documents, current_file)]) from None
    except Exception as exc:  # SpiffWorkflow bugs must not become a 500 on upload
        raise InvalidModel([problem(
            "spiff_internal_error",
            f"SpiffWorkflow gặp lỗi nội bộ khi đọc mô hình: {exc.__class__.__name__}: {exc}",
            f"SpiffWorkflow failed internally while reading the model: {exc.__class__.__name__}: {exc}",
            file=current_file)]) from None
    return spec, subprocess_specs


def _unreached_executable_warnings(processes: dict, running: list[str]) -> list[Problem]:
    called = set().union(*(called_processes(ref.element) for ref in processes.values()))
    return [warning("executable_process_not_run",
                    f"Process '{pid}' được đánh dấu chạy được nhưng không phải process chính và không được gọi.",
                    f"Process '{pid}' is marked executable but is neither the main process nor called.",
                    file=ref.document.path, line=line_of(ref.element), element_id=pid)
            for pid, ref in processes.items()
            if ref.explicitly_executable and pid not in running and pid not in called]

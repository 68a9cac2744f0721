"""Turning SpiffWorkflow's ``ValidationException`` into a located, bilingual :class:`Problem`.

SpiffWorkflow's messages are terse and English-only, some name no element (the data-association one
embeds an lxml repr with a memory address), and ``line_number`` is usually empty because lxml calls it
``sourceline``. The file, line and id are filled in from our own index of the documents.
"""

from __future__ import annotations

import re

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from .problems import Problem, problem
from .xml import BpmnDocument, line_of

_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>")
_BPMN_QNAME = re.compile(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}")
_SPIFF_QNAME = re.compile(r"\{http://spiffworkflow\.org/bpmn/schema/1\.0/core\}")

# message prefix -> (code, Vietnamese explanation, English explanation)
_KNOWN = [
    ("Non-default exclusive outgoing sequence flow without condition", "gateway_flow_without_condition",
     "luồng ra khỏi cổng không có điều kiện và không phải luồng mặc định",
     "a flow leaving the gateway has no condition and is not the default flow"),
    ("Multiple outgoing flows are not supported", "implicit_split",
     "phần tử có nhiều luồng ra; hãy tách nhánh bằng cổng", "the element has several outgoing flows; "
     "split with a gateway"),
    ("Exactly one start event is required in a SubWorkflow", "subprocess_start_events",
     "tiểu trình phải có đúng một sự kiện bắt đầu", "a sub-process needs exactly one start event"),
    ("No start event found", "no_start_event", "process không có sự kiện bắt đầu",
     "the process has no start event"),
    ("A Service Task must have an operator", "service_task_without_operator",
     "tác vụ dịch vụ không chỉ định thao tác", "the service task names no operation"),
    ("Time Specification Error", "timer_invalid", "bộ hẹn giờ không hợp lệ", "the timer is invalid"),
    ("Cannot resolve", "unresolved_data_association",
     "liên kết dữ liệu trỏ tới dataInput/dataOutput của process; chỉ hỗ trợ dataObjectReference",
     "a data association points at a process dataInput/dataOutput; only dataObjectReference is supported"),
    ("A multiinstance task must specify", "multi_instance_without_input",
     "hoạt động đa thể hiện cần loopCardinality hoặc loopDataInputRef",
     "a multi-instance activity needs a loopCardinality or loopDataInputRef"),
    ("Data Store with name", "unsupported_element", "kho dữ liệu không được hỗ trợ",
     "data stores are not supported"),
    ("Duplicate process ID", "duplicate_process_id", "trùng id process giữa các tệp",
     "the same process id appears twice"),
    ("The process '", "process_not_found", "không tìm thấy process được gọi",
     "a called process was not found"),
    ("is not executable", "process_not_executable", "process được gọi không chạy được (isExecutable=\"false\")",
     "a called process is not executable (isExecutable=\"false\")"),
    ("Element '", "bpmn_schema_invalid", "tệp không đúng lược đồ BPMN 2.0 (XSD)",
     "the file does not follow the BPMN 2.0 schema (XSD)"),
    ("There is no support implemented for this task type", "unsupported_element",
     "loại tác vụ này không được hỗ trợ", "this task type is not supported"),
]


def _clean(message: str) -> str:
    message = _ELEMENT_REPR.sub(lambda m: f"<{m.group(1)}>", message)
    message = _SPIFF_QNAME.sub("spiffworkflow:", _BPMN_QNAME.sub("bpmn:", message))
    return message.strip()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def translate(exc: ValidationException, documents: list[BpmnDocument],
              fallback_file: str | None = None) -> Problem:
    """A Problem naming the file, line and element SpiffWorkflow complained about."""
    original = _clean(str(exc.args[0]) if exc.args else str(exc))
    element_id = getattr(exc, "id", "") or None
    file = getattr(exc, "file_name", "") or fallback_file
    line = getattr(exc, "line_number", "") or None
    if element_id:
        for document in documents:
            if (file is None or document.path == file) and element_id in document.by_id:
                file = document.path
                line = line or line_of(document.by_id[element_id])
                break
    code, vi, en = "spiff_validation", "SpiffWorkflow từ chối mô hình", "SpiffWorkflow refused the model"
    for prefix, known_code, known_vi, known_en in _KNOWN:
        if prefix in original:
            code, vi, en = known_code, known_vi, known_en
            break
    tag = getattr(exc, "tag", "") or ""
    where = f"{tag} '{element_id}': " if element_id else ""
    return problem(code, f"{where}{vi if where else _sentence(vi)} ({original}).",
                   f"{where}{en if where else _sentence(en)} ({original}).",
                   file=file, line=int(line) if line else None, element_id=element_id)

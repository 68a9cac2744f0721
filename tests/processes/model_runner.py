"""Run a procedure package in memory with SpiffWorkflow: parse, fill forms with sample data, finish.

Service tasks return a fixed JSON answer (the real operators belong to the engine); everything else
is the real SpiffWorkflow 3.2.0 parser and runtime, with XSD validation of the BPMN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"
OPERATORS = {
    "issue_document": {"template", "title"},
    "sign_document": {"role", "level"},
    "notify": {"to", "message"},
    "axis_send_status": {"status_code", "reason"},
    "axis_send_document": set(),
    "payment_request": {"amount_vnd", "purpose"},
}
#: The templates app/documents renders (TEMPLATES there); issue_document may ask for no other.
DOCUMENT_TEMPLATES = {"transcript", "decision", "certificate", "notice", "official_letter", "minutes", "receipt"}


def package_dirs() -> list[Path]:
    return sorted(p for p in PROCESSES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def load_settings(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "settings.json").read_text(encoding="utf-8"))


def load_form(folder: Path, filename: str) -> dict[str, Any]:
    return json.loads((folder / "forms" / filename).read_text(encoding="utf-8"))


def parse(folder: Path):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(folder / f"{folder.name}.bpmn"))
    process_id = load_settings(folder)["process_id"]
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


class RecordingServiceEngine(PythonScriptEngine):
    """Answers every service call with a fixed JSON value and records the operator and parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.completed_roles: set[str] = set()
        self.completed_tasks: list[str] = []

    def call_service(self, task, **kwargs):
        name = kwargs["operation_name"]
        params = {key: value["value"] for key, value in kwargs["operation_params"].items()}
        if name not in OPERATORS:
            raise AssertionError(f"{task.task_spec.name}: unknown operator {name}")
        missing = OPERATORS[name] - params.keys()
        if missing:
            raise AssertionError(f"{task.task_spec.name}: {name} lacks {sorted(missing)}")
        if name == "issue_document" and params["template"] not in DOCUMENT_TEMPLATES:
            raise AssertionError(f"{task.task_spec.name}: unknown document template {params['template']!r}")
        if name == "sign_document" and params["role"] == "leader" and "leader" not in self.completed_roles:
            raise AssertionError(f"{task.task_spec.name}: leader signature before any leader task was completed")
        if name == "sign_document" and params["role"] == "seal" and (
                not self.completed_tasks or params.get("applied_by_task") != self.completed_tasks[-1]):
            raise AssertionError(f"{task.task_spec.name}: the seal must follow the văn thư task it names "
                                 f"(applied_by_task={params.get('applied_by_task')!r}, last task "
                                 f"{self.completed_tasks[-1:]})")
        self.calls.append((name, params))
        return json.dumps({"ok": True, "operator": name, "document_id": "doc-1"})


def sample_value(schema: dict[str, Any]) -> Any:
    if "default" in schema:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "oneOf" in schema:
        return schema["oneOf"][0]["const"]
    kind = schema.get("type")
    if kind == "object":
        return sample_data(schema)
    return {"string": "mẫu", "integer": 1, "number": 1.0, "boolean": True, "array": []}[kind]


def sample_data(schema: dict[str, Any]) -> dict[str, Any]:
    """Fill every field of a form from its default/examples: the first choice is the usual answer."""
    return {name: sample_value(field_schema) for name, field_schema in schema.get("properties", {}).items()}


def alternative_answers(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    """One (task, answer) per decision in the user-task forms, choosing the unusual branch.

    Booleans are inverted, approve/reject decisions become 'reject' (with a comment), other closed
    lists take their second choice. Used once, on the task's first visit, so loops end.
    """
    found = []
    for form_file in sorted((folder / "forms").glob("*.json")):
        if form_file.name == "start.json":
            continue
        schema = load_form(folder, form_file.name)
        for name, field_schema in schema.get("properties", {}).items():
            if "const" in field_schema:
                continue  # a confirmation (the clerk's seal step), not a branch
            if field_schema.get("type") == "boolean":
                found.append((form_file.stem, {name: not sample_value(field_schema)}))
            elif len(field_schema.get("oneOf", [])) > 1:
                answer = {name: field_schema["oneOf"][1]["const"]}
                if name.endswith("_decision"):
                    answer[name.removesuffix("_decision") + "_comment"] = "Chưa đạt, đề nghị bổ sung."
                found.append((form_file.stem, answer))
    return found


@dataclass
class CaseRun:
    workflow: BpmnWorkflow
    engine: RecordingServiceEngine
    completed_user_tasks: list[str] = field(default_factory=list)
    messages_sent: list[str] = field(default_factory=list)

    @property
    def operators(self) -> list[str]:
        return [name for name, _ in self.engine.calls]

    @property
    def data(self) -> dict[str, Any]:
        return self.workflow.data if self.workflow.data else self.workflow.last_task.data


SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def save_and_restore(workflow: BpmnWorkflow, engine: RecordingServiceEngine) -> BpmnWorkflow:
    """What a host does between requests: JSON out, JSON in, script engine set again."""
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    restored.script_engine = engine
    return restored


def run_case(folder: Path, answers: dict[str, Any] | None = None, max_steps: int = 200,
             restore_at_each_wait: bool = False) -> CaseRun:
    """Run one case to its end; ``answers`` overrides sample form data per user-task id ("start" too).

    A list of dicts as an answer is used one item per visit of that task (for loops).
    """
    answers = {key: list(value) if isinstance(value, list) else value for key, value in (answers or {}).items()}
    spec, subprocess_specs = parse(folder)
    engine = RecordingServiceEngine()
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
    start_data = sample_data(load_form(folder, "start.json"))
    start_data.update(answers.get("start", {}))
    start_data["case_id"] = f"case-{folder.name}"
    workflow.get_tasks(state=TaskState.READY)[0].set_data(**start_data)
    run = CaseRun(workflow, engine)
    for _ in range(max_steps):
        workflow.do_engine_steps()
        if workflow.completed:
            return run
        if restore_at_each_wait:
            workflow = run.workflow = save_and_restore(workflow, engine)
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if ready:
            task = ready[0]
            form_file = task.task_spec.extensions["properties"]["formJsonSchemaFilename"]
            data = sample_data(load_form(folder, form_file))
            answer = answers.get(task.task_spec.name, {})
            data.update((answer.pop(0) if answer else {}) if isinstance(answer, list) else answer)
            Draft202012Validator(load_form(folder, form_file)).validate(data)
            task.set_data(**data)
            task.run()
            lane = task.task_spec.lane
            engine.completed_roles.add(load_settings(folder)["lanes"][lane]["role"])
            run.completed_user_tasks.append(task.task_spec.name)
            engine.completed_tasks.append(task.task_spec.name)
            continue
        waiting = [t for t in workflow.get_tasks(state=TaskState.WAITING)
                   if getattr(t.task_spec, "event_definition", None) is not None
                   and t.task_spec.event_definition.__class__.__name__ == "MessageEventDefinition"]
        if not waiting:
            raise AssertionError(f"{folder.name}: stuck with no ready or message-waiting task")
        definition = waiting[0].task_spec.event_definition
        # like a payment provider's callback: it does not echo the case id (the engine routes by case)
        payload = {"amount_vnd": 10000, "payment_reference": "PAY-0001"}
        workflow.send_event(BpmnEvent(definition, payload, dict(workflow.correlations)))
        run.messages_sent.append(definition.name)
    raise AssertionError(f"{folder.name}: not finished after {max_steps} steps")

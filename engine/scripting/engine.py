"""``SafeScriptEngine``: SpiffWorkflow's script engine with the sandboxed environment.

It differs from ``PythonScriptEngine`` in three ways: code runs in :class:`SandboxEnvironment`;
a sandbox refusal surfaces as ``engine.errors.ScriptBlocked`` carrying the BPMN element id (never
wrapped into a ``WorkflowTaskException``) so the runtime can record an incident; and service tasks are
delegated to a host-provided caller, with errors reported properly (SpiffWorkflow 3.2.0's own
``call_service`` turns any service error into ``NameError: 'script'``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import EngineError, ScriptBlocked

from .budget import SandboxLimits
from .compiler import check_source
from .environment import SandboxEnvironment, ServiceCaller


def _element_id(task: Any) -> str | None:
    spec = getattr(task, "task_spec", None)
    return getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)


def _locate(blocked: ScriptBlocked, task: Any) -> ScriptBlocked:
    """Add the element id (and task id) to a refusal raised below the task level."""
    element_id = _element_id(task)
    details = dict(blocked.details or {})
    if details.get("element_id") is None and element_id:
        details["element_id"] = element_id
        located = ScriptBlocked(f"{blocked.message_vi} (phần tử {element_id})",
                                f"{blocked.message_en} (element {element_id})", details=details)
    else:
        located = ScriptBlocked(blocked.message_vi, blocked.message_en, details=details)
    if getattr(task, "id", None) is not None:
        located.details["task_id"] = str(task.id)
    return located


class SafeScriptEngine(PythonScriptEngine):
    """Script engine for untrusted models. Pass it to ``BpmnWorkflow`` (and again after loading)."""

    def __init__(self, limits: SandboxLimits | None = None, *,
                 service_caller: ServiceCaller | None = None,
                 extra_helpers: Mapping[str, Any] | None = None) -> None:
        super().__init__(environment=SandboxEnvironment(limits, service_caller=service_caller,
                                                        extra_helpers=extra_helpers))

    @property
    def limits(self) -> SandboxLimits:
        return self.environment.limits

    def validate(self, expression: str) -> None:
        """Used by the DMN engine: refuse what the sandbox would refuse, as a SyntaxError."""
        errors = check_source(expression, "eval")
        if errors:
            raise SyntaxError("; ".join(errors))

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptBlocked as blocked:
            raise _locate(blocked, task) from None
        except SpiffWorkflowException as se:
            se.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as exc:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task,
                                        exception=exc) from exc

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ScriptBlocked as blocked:
            raise _locate(blocked, task) from None
        except Exception as exc:
            raise self.create_task_exec_exception(task, script, exc) from exc

    def call_service(self, task: Any, **kwargs: Any) -> str:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except ScriptBlocked as blocked:
            raise _locate(blocked, task) from None
        except EngineError:
            raise
        except Exception as exc:
            operation = kwargs.get("operation_name", "?")
            raise WorkflowTaskException(f"Service '{operation}' failed: {exc.__class__.__name__}: {exc}",
                                        task=task, exception=exc) from exc

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        # Spiff concatenates ``err.args[0]`` to a str, which itself fails for KeyError(1) and friends.
        if not isinstance(err, SpiffWorkflowException) and err.args and not isinstance(err.args[0], str):
            err.args = (str(err.args[0]), *err.args[1:])
        return super().create_task_exec_exception(task, script, err)

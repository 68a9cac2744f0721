"""The sandboxed replacement for SpiffWorkflow's ``TaskDataEnvironment``.

SpiffWorkflow calls the environment directly in a few places (process completion conditions, message
correlation), not only through the script engine, so the sandbox lives here: every evaluation and
execution goes through the restricted compiler, the guards and the budget whichever path calls it.
Semantics follow ``TaskDataEnvironment``: expressions see external context then task data; scripts run
with the task data as their globals, and functions they define are removed afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import violations
from .budget import SandboxLimits, running
from .compiler import compile_source
from .guards import build_builtins, weigh
from .violations import SandboxViolation, to_script_blocked

ServiceCaller = Callable[[str, dict, dict], Any]


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts under RestrictedPython with time and size budgets."""

    def __init__(self, limits: SandboxLimits | None = None, *,
                 service_caller: ServiceCaller | None = None,
                 extra_helpers: Mapping[str, Any] | None = None) -> None:
        super().__init__({})
        self.limits = limits or SandboxLimits()
        self.service_caller = service_caller
        self.builtins = build_builtins(extra_helpers)

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        namespace = dict(external_context or {})
        namespace.update(context)
        namespace["__builtins__"] = self.builtins
        return self._run(expression, "eval", namespace)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        external = external_context or {}
        injected = [key for key in external if key not in context]
        context.update(external)
        context["__builtins__"] = self.builtins
        try:
            self._run(script, "exec", context)
        finally:
            context.pop("__builtins__", None)
            for key in injected:
                context.pop(key, None)
            for key in [k for k, v in context.items() if callable(v)]:
                context.pop(key)
        with running(self.limits):
            try:
                weigh(context)
            except SandboxViolation as stop:
                raise to_script_blocked(stop.violation, source=script) from None
        ensure_json_data(context, source=script)
        return True

    def call_service(self, context: dict, operation_name: str = "", operation_params: dict | None = None,
                     **kwargs: Any) -> str:
        """Delegate to the host's caller with plain parameter values; Spiff expects a JSON string back."""
        if self.service_caller is None:
            raise to_script_blocked(violations.service_unavailable(operation_name))
        params = {name: (p.get("value") if isinstance(p, dict) else p)
                  for name, p in (operation_params or {}).items()}
        result = self.service_caller(operation_name, params, json.loads(json.dumps(context, default=str)))
        return json.dumps(result)

    def _run(self, source: str, mode: str, namespace: dict) -> Any:
        with running(self.limits) as budget:
            try:
                code = compile_source(source, mode)  # type: ignore[arg-type]
                if mode == "eval":
                    result = eval(code, namespace)  # noqa: S307 - restricted code, guarded namespace
                else:
                    exec(code, namespace)  # noqa: S102 - restricted code, guarded namespace
                    result = None
            except SandboxViolation as stop:
                raise to_script_blocked(stop.violation, source=source) from None
            except BaseException:
                if budget.violation is not None:
                    raise to_script_blocked(budget.violation, source=source) from None
                raise
            # A script may swallow a guard's refusal with a bare ``except:``; it still counts.
            if budget.violation is not None:
                raise to_script_blocked(budget.violation, source=source)
            return result


def ensure_json_data(data: dict, *, source: str | None = None) -> None:
    """Task data is stored as JSON: refuse a script that leaves anything else in it."""
    try:
        json.dumps(data, allow_nan=False)
        return
    except (TypeError, ValueError):
        pass
    for key, value in data.items():
        try:
            json.dumps({key: value}, allow_nan=False)
        except (TypeError, ValueError):
            raise to_script_blocked(violations.not_json(str(key), type(value).__name__),
                                    source=source) from None

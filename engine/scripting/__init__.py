"""The script sandbox: what a BPMN model's Python may do, and for how long.

Process models come from process owners' drawing tools, so their scripts, gateway conditions, timer,
multi-instance and correlation expressions are untrusted code. SpiffWorkflow would run them with plain
``exec``/``eval``; here they run under RestrictedPython with our policy (no imports, no private or
internal attributes, no ``str.format``, no class or generator definitions, a short list of helpers),
size guards on the operations that can build huge values in one step, and a per-run time budget that
also works in worker threads.

Public API:

- :class:`SafeScriptEngine` — give it to ``BpmnWorkflow(..., script_engine=...)``; it takes
  ``limits`` (:class:`SandboxLimits`) and ``service_caller(operation_name, params, task_data)``.
- :class:`SandboxLimits` — time limit (default 1 s) and size limits.
- :func:`check_source` — the reasons the sandbox would refuse a piece of code (deploy-time check).
- :func:`describe_refusal` — the same reasons as one Vietnamese + English :class:`Violation`.
- :data:`HELPERS` — the names scripts may use besides their task data.

A refusal at run time raises ``engine.errors.ScriptBlocked`` with ``details = {"reason": code,
"element_id": ..., "source": ...}``.
"""

from .budget import SandboxLimits
from .compiler import check_source
from .engine import SafeScriptEngine
from .environment import SandboxEnvironment, ServiceCaller, ensure_json_data
from .guards import HELPERS
from .violations import Violation
from .violations import compile_refusal as describe_refusal

__all__ = [
    "HELPERS",
    "SafeScriptEngine",
    "SandboxEnvironment",
    "SandboxLimits",
    "ServiceCaller",
    "Violation",
    "check_source",
    "describe_refusal",
    "ensure_json_data",
]

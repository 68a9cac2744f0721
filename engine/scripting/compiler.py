"""Compiling scripts and expressions under the sandbox policy, cached by source text.

The same conditions and scripts run for every case of a model, so the compiled code (or the list of
reasons it was refused) is cached per (source, mode). ``check_source`` is what deploy-time validation
calls: it runs the same compiler, so a model that deploys never meets a compile refusal at run time.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from types import CodeType
from typing import Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec

from .policy import ProcedureScriptPolicy
from .violations import SandboxViolation, compile_refusal

Mode = Literal["exec", "eval"]
#: Spiff's error reporting looks for frames of this file name to find the failing script line.
SCRIPT_FILENAME = "<string>"


def normalise(source: str, mode: Mode) -> str:
    """Expressions often carry the XML's indentation and newlines; scripts may be indented as a block."""
    return source.strip() if mode == "eval" else textwrap.dedent(source)


@lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> tuple[CodeType | None, tuple[str, ...]]:
    text = normalise(source, mode)
    if mode == "eval":
        if not text:
            return None, ("Line 1: SyntaxError: the expression is empty",)
        result = compile_restricted_eval(text, SCRIPT_FILENAME, policy=ProcedureScriptPolicy)
    elif mode == "exec":
        result = compile_restricted_exec(text, SCRIPT_FILENAME, policy=ProcedureScriptPolicy)
    else:
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    return result.code, tuple(result.errors)


def check_source(code: str, mode: Mode = "exec") -> list[str]:
    """Reasons the sandbox would refuse ``code`` (empty list: it compiles). Used at deploy time."""
    return list(_compile(code, mode)[1])


def compile_source(code: str, mode: Mode) -> CodeType:
    """The compiled code, or :class:`SandboxViolation` listing why it was refused."""
    compiled, errors = _compile(code, mode)
    if errors or compiled is None:
        raise SandboxViolation(compile_refusal(errors))
    return compiled

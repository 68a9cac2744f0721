"""Loading process model packages safely and validating them before anything runs.

A package (a folder, a single ``.bpmn``, an upload mapping or a zip) is read with path, size and
zip-bomb limits; its BPMN is parsed without DTDs or entities; then the model is checked for what this
engine can run (explicitly executable main process, supported elements, conditions on gateway flows,
timers with a valid expression, lanes mapped to roles, known service operations, sandbox-safe code)
before SpiffWorkflow builds the specs. Problems come back together, each with file, line, element id,
a stable code and Vietnamese + English messages.

Public API:

- :func:`load_model` (package, ``known_operators=``) → :class:`LoadedModel`, or raises
  :class:`InvalidModel` (an ``engine.errors.ModelRejected`` whose ``details`` are :class:`Problem`).
- :func:`read_package`, :class:`ModelPackage`, :class:`PackageLimits`, :func:`content_hash`.
- :func:`is_bare_iso8601` — the timer rewrite rule, for tools that want to show it.
- :data:`SUPPORTED` / :data:`REFUSED` — the element policy, for documentation pages.
"""

from .elements import REFUSED, SUPPORTED
from .loaded import LoadedModel
from .package import ModelPackage, PackageLimits, content_hash, read_package
from .problems import InvalidModel, Problem
from .settings import ROLES
from .timers import is_bare_iso8601
from .validate import load_model

__all__ = [
    "REFUSED",
    "ROLES",
    "SUPPORTED",
    "InvalidModel",
    "LoadedModel",
    "ModelPackage",
    "PackageLimits",
    "Problem",
    "content_hash",
    "is_bare_iso8601",
    "load_model",
    "read_package",
]

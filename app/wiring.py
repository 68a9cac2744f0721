"""The service-task operators the application gives the engine.

Each module in ``app/operators/`` defines ``register(registry, container)``; signing, payment and
the exchange connector add their operators there without touching this file. The engine only
sees names.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from engine import ServiceRegistry

from . import operators

if TYPE_CHECKING:
    from .container import Container


def build_registry(container: Container) -> ServiceRegistry:
    registry = ServiceRegistry()
    for info in sorted(pkgutil.iter_modules(operators.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{operators.__name__}.{info.name}")
        module.register(registry, container)
    return registry

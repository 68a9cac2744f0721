"""API views, one module per resource; importing them registers their routes on the blueprint."""

from . import accounts, cases, operations, procedures, system, tasks

__all__ = ["accounts", "cases", "operations", "procedures", "system", "tasks"]

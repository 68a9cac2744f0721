"""Problems found in a process model, and the error that carries them.

A process owner fixes a model in a drawing tool, so every problem says where to look: the file, the
line in that file and the BPMN element id, plus a stable code the interface can key help texts on.
Warnings use the same shape and are shown to the owner without blocking the deployment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from engine.errors import ModelRejected

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about a model, located as precisely as we can."""

    code: str
    message_vi: str
    message_en: str
    file: str | None = None
    line: int | None = None
    element_id: str | None = None
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        """``file:line [element]`` for logs and the CLI."""
        place = self.file or "<package>"
        if self.line:
            place += f":{self.line}"
        if self.element_id:
            place += f" [{self.element_id}]"
        return place

    def __str__(self) -> str:
        return f"{self.where()} {self.code}: {self.message_en}"


def problem(code: str, message_vi: str, message_en: str, *, file: str | None = None,
            line: int | None = None, element_id: str | None = None) -> Problem:
    """Shorthand for an error-level problem."""
    return Problem(code, message_vi, message_en, file=file, line=line, element_id=element_id)


def warning(code: str, message_vi: str, message_en: str, *, file: str | None = None,
            line: int | None = None, element_id: str | None = None) -> Problem:
    """Shorthand for a warning: the model deploys, the owner is told."""
    return Problem(code, message_vi, message_en, file=file, line=line, element_id=element_id,
                   severity="warning")


class InvalidModel(ModelRejected):
    """``ModelRejected`` whose ``details`` is the list of :class:`Problem` found.

    Catch ``engine.errors.ModelRejected``; this subclass only adds a JSON-ready ``to_dict`` and the
    ``problems`` accessor.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        found = list(problems)
        first = found[0] if found else None
        count = len(found)
        vi = f"Mô hình quy trình bị từ chối ({count} lỗi)."
        en = f"Process model rejected ({count} problem{'s' if count != 1 else ''})."
        if first is not None:
            vi += f" {first.where()}: {first.message_vi}"
            en += f" {first.where()}: {first.message_en}"
        super().__init__(vi, en, details=found)

    @property
    def problems(self) -> list[Problem]:
        return list(self.details)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["details"] = [p.to_dict() for p in self.details]
        return data


def raise_if_errors(problems: Iterable[Problem]) -> None:
    """Raise :class:`InvalidModel` when any problem is an error (warnings pass)."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InvalidModel(errors)

"""Who is acting. Passed into every engine call explicitly, never read from a request global."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "process_owner", "clerk", "leader", "applicant", "auditor", "agency")


@dataclass(frozen=True)
class Actor:
    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    units: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def has_any(self, *roles: str) -> bool:
        return self.is_admin or any(r in self.roles for r in roles)


SYSTEM = Actor("system", frozenset({"admin"}), frozenset(), "Hệ thống")

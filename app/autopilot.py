"""Drive a case to its end with sample data: the demo, and tests that run every procedure through.

Each open task is worked by a user holding its lane's role in its unit (created on the fly), with
form data made from the task's JSON Schema (its ``examples``, ``default``, first ``enum`` value —
preferring an approving choice — or a plain value of the right type). Messages the case waits for
are sent as their sender would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine import Actor
from engine.models import Job

from .container import Container

APPROVING = ("approve", "approved", "accept", "accepted", "yes", "dong_y", "đồng ý", "online", "vi")
SAMPLE_PASSWORD = "mau-mat-khau-dai"


def sample_value(schema: dict[str, Any], name: str = "") -> Any:
    if "const" in schema:
        return schema["const"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        for choice in schema["enum"]:
            if str(choice).lower() in APPROVING:
                return choice
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "boolean":
        return not any(word in name for word in ("reject", "tu_choi"))
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "array":
        item = schema.get("items", {})
        return [sample_value(item, name)] * int(schema.get("minItems", 0))
    if kind == "object":
        return sample_form(schema)
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-11-20"
    if fmt == "date-time":
        return "2026-11-20T09:00:00+07:00"
    if fmt == "email":
        return "nguoidung@ctu.edu.vn"
    text = "Nội dung mẫu"
    return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")


def sample_form(schema: dict[str, Any] | None) -> dict[str, Any]:
    if not schema:
        return {}
    props = schema.get("properties", {})
    return {name: sample_value(sub, name) for name, sub in props.items()}


class Autopilot:
    def __init__(self, container: Container, say: Callable[[str], None] = lambda _m: None) -> None:
        self.c = container
        self.say = say
        self.made: dict[tuple[str, str | None], Actor] = {}

    def person(self, role: str, unit: str | None) -> Actor:
        """An existing account holding ``role`` in ``unit`` (the demo's people), else a sample one."""
        key = (role, unit)
        if key not in self.made:
            from .accounts.models import UserRole

            with self.c.sessions() as s:
                q = select(UserRole.user_id).where(UserRole.role == role)
                q = q.where(UserRole.unit == unit) if unit else q.where(UserRole.unit.is_(None))
                existing = s.scalars(q.order_by(UserRole.user_id).limit(1)).first()
            if existing is not None:
                self.made[key] = self.c.accounts.actor(existing)
                return self.made[key]
            login = f"mau.{role}.{(unit or 'chung').lower()}"
            if not self.c.accounts.exists(login):
                self.c.accounts.create_user(login, SAMPLE_PASSWORD, [(role, unit)], full_name=f"{role}@{unit or '-'}")
            self.made[key] = self.c.accounts.actor(login)
        return self.made[key]

    def start(self, code: str, applicant: Actor | None = None, data: dict | None = None) -> int:
        proc = self.c.engine.procedure(code)
        form = proc.settings.get("start_form") or self.c.engine.form(proc.id, "start")
        who = applicant or self.person("applicant", None)
        case = self.c.engine.start(code, data or sample_form(form), who)
        self.say(f"[{who.user_id}] nộp hồ sơ {code} → hồ sơ số {case.id} ({case.status})")
        return case.id

    def run(self, case_id: int, max_steps: int = 200) -> str:
        eng = self.c.engine
        for _ in range(max_steps):
            case = eng.case(case_id, self.auditor())
            if case.status in ("completed", "incident"):
                return case.status
            open_tasks = [t for t in case.tasks if t["status"] in ("ready", "claimed")]
            if open_tasks:
                self._work(case_id, open_tasks[0])
                continue
            if not self._send_awaited_message(case_id):
                return case.status
        return "stalled"

    def auditor(self) -> Actor:
        return self.person("auditor", None)

    def _work(self, case_id: int, task: dict[str, Any]) -> None:
        role = task["role"] or "clerk"
        who = self.person(role, task["unit"]) if role != "applicant" else self.c.accounts.actor(
            self.c.engine.case(case_id, self.auditor()).started_by)
        view = self.c.engine.task(task["id"], who)
        data = sample_form(view.form)
        self.c.engine.complete(task["id"], data, who)
        self.say(f"[{who.user_id}] {task['name']} → {data}")

    def _send_awaited_message(self, case_id: int) -> bool:
        with self.c.sessions() as s:
            waiting = s.scalars(select(Job).where(Job.case_id == case_id, Job.kind == "receive",
                                                  Job.status == "pending")).first()
        if waiting is None:
            ran = self.c.engine.run_due_jobs()
            if ran:
                self.say(f"[worker] {ran} việc đến hạn đã chạy")
            return bool(ran)
        payload = {"paid": True, "case_id": case_id, "reference": f"DEMO-{case_id}"}
        out = self.c.engine.send_message(waiting.message_name, str(case_id), payload)
        self.say(f"[hệ thống] thông điệp '{waiting.message_name}' → {out['status']}")
        return out["status"] == "delivered"

"""Shared pieces of the hand-tuned specs of procedures with public-source details."""

from __future__ import annotations

from typing import Any

from .. import catalogue, forms, patterns
from ..generic import unit_names
from ..model import ProcessBuilder
from ..package import Procedure


def clerk_lane(b: ProcessBuilder, unit: str, title: str | None = None) -> str:
    return b.lane(f"clerk_{unit.lower()}", title or f"Chuyên viên {unit_names()[unit]}", "clerk", unit)


def head_lane(b: ProcessBuilder, unit: str, title: str | None = None) -> str:
    return b.lane(f"head_{unit.lower()}", title or f"Lãnh đạo {unit_names()[unit]}", "leader", unit)


def rectorate_lane(b: ProcessBuilder) -> str:
    return b.lane("rectorate", "Ban Giám hiệu (Hiệu trưởng/Phó Hiệu trưởng)", "leader", "BGH")


def registry_lane(b: ProcessBuilder) -> str:
    return b.lane("registry", "Văn thư Trường", "clerk", "PHCTH")


def check_task(b: ProcessBuilder, node_id: str, name: str, lane: str, description: str, ok_field: str,
               ok_title: str, extra_fields: dict[str, dict] | None = None, deadline: str | None = None,
               optional_fields: dict[str, dict] | None = None) -> str:
    """A yes/no check with notes; the reason ``<node_id>_reason`` is required when the answer is no."""
    fields = {ok_field: forms.yes_no(ok_title)}
    fields.update(extra_fields or {})
    fields.update(optional_fields or {})
    fields[f"{node_id}_notes"] = forms.optional_text("Ghi chú (Notes)", "Đã kiểm tra.")
    fields[f"{node_id}_reason"] = forms.optional_text("Lý do nếu không đạt (Reason if not)", "")
    required = [ok_field] + list(extra_fields or {})
    schema = forms.form(name, description, fields, required)
    schema["allOf"] = [forms.when_equals(ok_field, False, [f"{node_id}_reason"])]
    task = b.user(node_id, name, lane, schema, documentation=description)
    if deadline:
        b.deadline(f"{node_id}_overdue", "Quá hạn xử lý", task, deadline)
        note = patterns.notify(b, f"{node_id}_notify_overdue", "Nhắc việc quá hạn", lane, "leader",
                               f"'Quá hạn: {name}'")
        b.chain(f"{node_id}_overdue", note, b.end(f"{node_id}_end_reminded", "Đã nhắc việc", lane))
    return task


def form_task(b: ProcessBuilder, node_id: str, name: str, lane: str, description: str,
              fields: dict[str, dict], required: list[str] | None = None) -> str:
    return b.user(node_id, name, lane, forms.form(name, description, fields, required), documentation=description)


def decision_task(b: ProcessBuilder, node_id: str, name: str, lane: str, description: str,
                  approve: str = "Đồng ý", reject: str = "Không đồng ý",
                  extra_fields: dict[str, dict] | None = None) -> str:
    """Approve/reject by a council or leader: fields ``<node_id>_decision`` and ``<node_id>_comment``."""
    schema = forms.decision_form(name, description, node_id, approve, reject, extra_fields)
    return b.user(node_id, name, lane, schema, documentation=description)


def signed_result(b: ProcessBuilder, prefix: str, clerk: str, leader: str, registry: str | None, template: str,
                  title: str, level: str, on_reject: str, leader_title: str) -> tuple[str, str]:
    """issue_document → leader review/sign → sign_document leader → (seal). Returns (first, last)."""
    issued = patterns.issue(b, f"{prefix}_issue", clerk, template, title, patterns.authority_lines(leader_title))
    review, last = patterns.sign_steps(b, prefix, leader, registry, title.lower(), level, on_reject,
                                       leader_title=leader_title)
    b.flow(issued, review)
    return issued, last


def rejection(b: ProcessBuilder, prefix: str, lane: str, reason_expr: str, what: str) -> str:
    return patterns.reject_to_applicant(b, prefix, lane, reason_expr, what)


def applicant_fields(kind: str) -> dict[str, dict]:
    from ..generic import start_fields
    return start_fields(kind)


def detail_procedure(code: str, b: ProcessBuilder, name_en: str, purpose_vi: str, scope_vi: str, summary_en: str,
                     result_documents: list[dict[str, Any]], started_by: str = "applicant",
                     notes_vi: list[str] | None = None, fee_vnd: int | None | str = "detail",
                     deadline: int | None | str = "detail", dossier_vi: list[str] | None = None) -> Procedure:
    """A Procedure whose sources, confidence, dossier, legal basis, fee and time limit come from the detail."""
    detail = catalogue.details()[code]
    notes = list(notes_vi or [])
    if detail.get("notes"):
        notes.append(f"Ghi chú của nguồn (tiếng Anh): {detail['notes']}")
    return Procedure(
        builder=b, name_en=name_en, level_2023=catalogue.level_2023(code), confidence=detail["confidence"],
        purpose_vi=purpose_vi, scope_vi=scope_vi,
        dossier_vi=dossier_vi if dossier_vi is not None else list(detail["dossier"]),
        legal_vi=list(detail["legal_basis"]), summary_en=summary_en,
        fee_vnd=detail["fee_vnd"] if fee_vnd == "detail" else fee_vnd,
        deadline_working_days=detail["time_limit_working_days"] if deadline == "detail" else deadline,
        sources=catalogue.sources(code), result_documents=result_documents, started_by=started_by,
        notes_vi=notes, inferred_steps=detail["confidence"] == "inferred",
    )


def result(name_vi: str, template: str | None, signed_by_vi: list[str], seal: bool = True,
           level: str = patterns.LEVEL_LONG_TERM) -> dict[str, Any]:
    signed = (["leader"] + (["seal"] if seal else [])) if signed_by_vi else []
    doc: dict[str, Any] = {"name_vi": name_vi, "template": template, "signed_by": signed,
                           "signed_by_vi": signed_by_vi + (["Chữ ký số của Trường (văn thư)"] if seal and signed else [])}
    if signed:
        doc["signature_level"] = level
    return doc

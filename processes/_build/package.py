"""Write one procedure package folder: settings.json, description.md, <code>.bpmn, forms/*.json."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bpmn_xml import to_bpmn
from .layout import rank_nodes
from .model import ProcessBuilder

CONFIDENCE = {"official", "university-published", "inferred"}


@dataclass
class Procedure:
    builder: ProcessBuilder
    name_en: str
    level_2023: int
    confidence: str
    purpose_vi: str
    scope_vi: str
    dossier_vi: list[str]
    legal_vi: list[str]
    summary_en: str
    fee_vnd: int | None = None
    deadline_working_days: int | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    result_documents: list[dict[str, Any]] = field(default_factory=list)
    started_by: str = "applicant"
    notes_vi: list[str] = field(default_factory=list)
    inferred_steps: bool = False
    fee_note_vi: str | None = None

    def settings(self) -> dict[str, Any]:
        if self.confidence not in CONFIDENCE:
            raise ValueError(f"{self.builder.code}: confidence {self.confidence!r}")
        return {
            "code": self.builder.code,
            "name_vi": self.builder.name_vi,
            "name_en": self.name_en,
            "process_id": self.builder.process_id,
            "lanes": {lane.name: {"role": lane.role, "unit": lane.unit,
                                  **({"unit_from": lane.unit_from} if lane.unit_from else {})}
                      for lane in self.builder.lanes},
            "fee_vnd": self.fee_vnd,
            "deadline_working_days": self.deadline_working_days,
            "level_2023": self.level_2023,
            "level_target": 4,
            "confidence": self.confidence,
            "steps_inferred": self.inferred_steps,
            "started_by": self.started_by,
            "sources": self.sources,
            "result_documents": self.result_documents,
        }


def _steps(builder: ProcessBuilder) -> list[str]:
    """The model's activities in drawing order, so the description never drifts from the BPMN."""
    ranks = rank_nodes(builder)
    lanes = {lane.id: lane.name for lane in builder.lanes}
    order = sorted(builder.nodes.values(), key=lambda n: (ranks[n.id], list(builder.nodes).index(n.id)))
    lines = []
    for node in order:
        if node.kind in ("user", "service", "message_catch", "timer_boundary"):
            kind = {"user": "người thực hiện", "service": "tự động", "message_catch": "chờ sự kiện",
                    "timer_boundary": "hẹn giờ"}[node.kind]
            lines.append(f"{node.name} — *{lanes[node.lane]}* ({kind}, `{node.id}`)")
    return lines


def _fee_text(fee: int | None) -> str:
    if fee is None:
        return "Chưa xác định (không tìm thấy trong nguồn công bố)."
    if fee == 0:
        return "Không thu lệ phí."
    return f"{fee:,} đồng".replace(",", ".") + " (thanh toán trực tuyến trong quy trình)."


def description(proc: Procedure) -> str:
    b = proc.builder
    deadline = (f"{proc.deadline_working_days} ngày làm việc" if proc.deadline_working_days is not None
                else "Chưa xác định (không tìm thấy trong nguồn công bố).")
    results = proc.result_documents or []
    out = [f"# {b.code} – {b.name_vi}", ""]
    if proc.inferred_steps:
        out += ["> **Lưu ý:** các bước của quy trình này được **suy luận** theo cách làm thông thường của một "
                "trường đại học Việt Nam; chưa đọc được văn bản quy trình gốc của Trường. Cần đối chiếu với "
                "quy trình ban hành chính thức trước khi áp dụng.", ""]
    out += ["## Mục đích", proc.purpose_vi, "", "## Phạm vi áp dụng", proc.scope_vi, "", "## Hồ sơ"]
    out += [f"- {item}" for item in proc.dossier_vi] or ["- Đơn/phiếu đề nghị theo biểu mẫu trực tuyến."]
    out += ["", "## Các bước (theo mô hình BPMN)"]
    out += [f"{i}. {line}" for i, line in enumerate(_steps(b), 1)]
    out += ["", "## Thời hạn giải quyết", deadline, "", "## Lệ phí", proc.fee_note_vi or _fee_text(proc.fee_vnd), "", "## Kết quả"]
    if results:
        for doc in results:
            signers = ", ".join(doc.get("signed_by_vi") or doc.get("signed_by") or []) or "không ký số"
            out.append(f"- {doc['name_vi']} — ký: {signers}")
    else:
        out.append("- Không phát hành văn bản kết quả ký số; kết quả xử lý được thông báo trực tuyến (trạng thái "
                   "của hồ sơ).")
    out += ["", "## Căn cứ pháp lý"]
    out += [f"- {item}" for item in proc.legal_vi] or ["- Chưa xác định trong nguồn đã đọc."]
    out += ["", "## Nguồn và độ tin cậy", f"Độ tin cậy: **{proc.confidence}**. Mức dịch vụ công trực tuyến năm "
            f"2023 (theo Bảng 5, bản trích xuất): mức {proc.level_2023}; mục tiêu: mức 4 (toàn trình)."]
    for src in proc.sources:
        label = src.get("title") or src.get("ref") or ""
        link = src.get("url")
        out.append(f"- {label}" + (f" — <{link}>" if link else ""))
    for note in proc.notes_vi:
        out.append(f"- {note}")
    out += ["", "## English summary", f"**{b.code} – {proc.name_en}.** {proc.summary_en}"]
    if proc.inferred_steps:
        out.append("The steps are inferred (typical Vietnamese university practice); no source procedure was read.")
    out.append("")
    return "\n".join(out)


def write_package(proc: Procedure, root: Path) -> Path:
    bpmn = to_bpmn(proc.builder)  # validates the model before anything on disk is touched
    folder = root / proc.builder.code
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "forms").mkdir(parents=True)
    (folder / f"{proc.builder.code}.bpmn").write_bytes(bpmn)
    (folder / "settings.json").write_text(json.dumps(proc.settings(), ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    (folder / "description.md").write_text(description(proc), encoding="utf-8")
    for filename, schema in sorted(proc.builder.forms.items()):
        (folder / "forms" / filename).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    return folder

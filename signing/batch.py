"""Signing a folder of PDFs, resumable after an interruption without signing anything twice.

Why a journal plus atomic renames: a batch of 60,000 school records runs for a long time and may be
killed (power cut, token pulled out). Each output is written to a temporary file and renamed into
place, then recorded in an append-only journal in the output folder. On restart, files in the journal
are skipped; an output that exists without a journal line (killed between rename and journal write)
is recognised as ours because it starts with the exact input bytes (signing is an incremental update).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidDocumentError, SignatureFieldError, SigningError
from .keys.base import KeySource
from .pades import sign_pdf
from .services import SigningServices
from .settings import SignatureRequest

JOURNAL_NAME = ".quytrinh-sign-journal.jsonl"
Progress = Callable[[int, int, str, str], None]  # (done, total, file name, status)


@dataclass
class BatchReport:
    signed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, dict] = field(default_factory=dict)
    stopped_by: SigningError | None = None

    def to_dict(self) -> dict:
        return {"signed": len(self.signed), "skipped": len(self.skipped), "failed": self.failed,
                "stopped_by": self.stopped_by.to_dict() if self.stopped_by else None}


def _journal_entries(journal: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if journal.exists():
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash: that file will be rechecked against its output
            done[entry["file"]] = entry
    return done


def _append(journal: Path, entry: dict) -> None:
    with journal.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sign_folder(input_dir: Path, output_dir: Path, key_source: KeySource, request: SignatureRequest,
                services: SigningServices, progress: Progress | None = None) -> BatchReport:
    """Sign every ``*.pdf`` of ``input_dir`` into ``output_dir`` (same names). Inputs are never modified.

    Document problems (broken PDF, field already signed) are recorded and the batch goes on; problems of
    the key or of the services (token removed, TSA down) stop the batch, to be resumed later.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    journal = output_dir / JOURNAL_NAME
    done = _journal_entries(journal)
    files = sorted(p for p in input_dir.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    report = BatchReport()
    for index, path in enumerate(files, start=1):
        target = output_dir / path.name
        if path.name in done and done[path.name].get("status") == "signed" and target.exists():
            report.skipped.append(path.name)
            _notify(progress, index, len(files), path.name, "skipped")
            continue
        data = path.read_bytes()
        if target.exists() and target.stat().st_size > len(data) and target.read_bytes().startswith(data):
            _append(journal, {"file": path.name, "status": "signed", "recovered": True})
            report.skipped.append(path.name)
            _notify(progress, index, len(files), path.name, "skipped")
            continue
        try:
            result = sign_pdf(data, key_source, request, services)
        except (InvalidDocumentError, SignatureFieldError) as exc:
            report.failed[path.name] = exc.to_dict()
            _notify(progress, index, len(files), path.name, "failed")
            continue
        except SigningError as exc:
            report.stopped_by = exc
            _notify(progress, index, len(files), path.name, "stopped")
            break
        _write_atomically(target, result.pdf_bytes)
        _append(journal, {"file": path.name, "status": "signed", **result.info.to_dict()})
        report.signed.append(path.name)
        _notify(progress, index, len(files), path.name, "signed")
    return report


def _notify(progress: Progress | None, done: int, total: int, name: str, status: str) -> None:
    if progress is not None:
        progress(done, total, name, status)

"""Signing a folder of PDFs, resumable after an interruption without signing anything twice.

Why a journal plus atomic renames: a batch of 60,000 school records runs for a long time and may be
killed (power cut, token pulled out). Each output is written to a temporary file and renamed into
place, then recorded in an append-only journal in the output folder. On restart, files in the journal
are skipped; an output that exists without a journal line (killed between rename and journal write)
is recognised as ours because it starts with the exact input bytes (signing is an incremental update).

Why worker processes (``workers=N``): one-page B-T signing is CPU-bound Python (PDF writing, CMS
assembly) plus one RSA signature, so one process uses one core; 60,000 records in under 15 minutes
needs every core. Workers are forked from the parent, so they inherit the loaded key and the
services (no key is pickled or re-read), sign and write their outputs atomically, and report back;
only the parent writes the journal, so its semantics are those of the one-process loop. Keys that
cannot be shared by forked processes (PKCS#11 tokens: one session, one device; remote services)
are always used by one worker, the parent itself.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from . import errors as signing_errors
from .certcheck import check_signer_certificate
from .errors import InvalidDocumentError, SignatureFieldError, SigningError
from .keys.base import KeySource
from .keys.memory import InMemoryKeySource
from .pades import sign_pdf
from .services import SigningServices
from .settings import SignatureRequest, SignedResult

T = TypeVar("T")
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
                services: SigningServices, progress: Progress | None = None, workers: int = 1) -> BatchReport:
    """Sign every ``*.pdf`` of ``input_dir`` into ``output_dir`` (same names). Inputs are never modified.

    Document problems (broken PDF, field already signed) are recorded and the batch goes on; problems of
    the key or of the services (token removed, TSA down) stop the batch, to be resumed later.
    ``workers`` > 1 signs in that many forked processes when the key allows it (see the module notes):
    one per core when the TSA is near (one-page B-T costs ~5 ms of CPU); a distant TSA leaves each
    worker waiting for its round trip, so use several per core then (benchmarks/signing.py
    ``--batch N --tsa-delay-ms 50`` shows the effect).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    for stale in output_dir.glob(".partial-*.pdf"):  # left by a run killed mid-write; never a finished output
        stale.unlink(missing_ok=True)
    journal = output_dir / JOURNAL_NAME
    done = _journal_entries(journal)
    files = sorted(p for p in input_dir.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    report = BatchReport()
    pending: list[tuple[int, Path]] = []
    for index, path in enumerate(files, start=1):
        if _already_signed(path, output_dir / path.name, done, journal):
            report.skipped.append(path.name)
            _notify(progress, index, len(files), path.name, "skipped")
        else:
            pending.append((index, path))
    if workers > 1 and len(pending) > 1 and can_share_key(key_source):
        _sign_in_workers(pending, len(files), output_dir, journal, (key_source, request, services), workers,
                         report, progress)
    else:
        for index, path in pending:
            outcome = _sign_one(path, output_dir / path.name, key_source, request, services)
            if not _record(outcome, path.name, index, len(files), journal, report, progress):
                break
    return report


def can_share_key(key_source: KeySource) -> bool:
    """Whether forked workers may each use a copy of this key (an in-memory key: PKCS#12 or loaded)."""
    return isinstance(key_source, InMemoryKeySource) and "fork" in multiprocessing.get_all_start_methods()


def _already_signed(path: Path, target: Path, done: dict[str, dict], journal: Path) -> bool:
    if path.name in done and done[path.name].get("status") == "signed" and target.exists():
        return True
    if target.exists():
        size = path.stat().st_size
        if target.stat().st_size > size and target.read_bytes().startswith(path.read_bytes()):
            _append(journal, {"file": path.name, "status": "signed", "recovered": True})
            return True
    return False


Outcome = tuple[str, Any]  # ("signed", info dict) | ("failed", error dict) | ("stopped", (class name, error dict))


def _sign_one(path: Path, target: Path, key_source: KeySource, request: SignatureRequest,
              services: SigningServices) -> Outcome:
    """Sign one file into ``target``; the outcome is plain data so it can come back from a worker."""
    try:
        result = sign_pdf(path.read_bytes(), key_source, request, services)
    except (InvalidDocumentError, SignatureFieldError) as exc:
        return "failed", exc.to_dict()
    except SigningError as exc:
        return "stopped", (type(exc).__name__, exc.to_dict())
    _write_atomically(target, result.pdf_bytes)
    return "signed", result.info.to_dict()


def _record(outcome: Outcome, name: str, index: int, total: int, journal: Path, report: BatchReport,
            progress: Progress | None) -> bool:
    """Journal and report one outcome (parent process only); False when the batch must stop."""
    status, payload = outcome
    if status == "signed":
        _append(journal, {"file": name, "status": "signed", **payload})
        report.signed.append(name)
    elif status == "failed":
        report.failed[name] = payload
    elif report.stopped_by is None:
        report.stopped_by = _error_from(*payload)
    _notify(progress, index, total, name, status)
    return status != "stopped"


def _error_from(class_name: str, data: dict) -> SigningError:
    cls = getattr(signing_errors, class_name, SigningError)
    if not (isinstance(cls, type) and issubclass(cls, SigningError)):
        cls = SigningError
    return cls(data["message"], data["message_en"], code=data["code"], details=data["details"])


# -- worker processes ----------------------------------------------------------------------------
Job = tuple[KeySource, SignatureRequest, SigningServices]
_JOBS: dict[int, Job] = {}  # read by forked workers: they inherit this dict, nothing is pickled
_job_numbers = itertools.count(1)


def _sign_in_worker(job: int, source: str, target: str) -> Outcome:
    key_source, request, services = _JOBS[job]
    return _sign_one(Path(source), Path(target), key_source, request, services)


def _sign_bytes_in_worker(job: int, data: bytes) -> Outcome:
    key_source, request, services = _JOBS[job]
    try:
        return "signed", sign_pdf(data, key_source, request, services)
    except SigningError as exc:
        return "error", (type(exc).__name__, exc.to_dict())


def _completed_in_workers(job: Job, work: Callable[..., Outcome], items: Iterable[tuple[T, tuple]], workers: int,
                          keep_feeding: Callable[[], bool]) -> Iterator[tuple[T, Outcome]]:
    """Run ``work(job number, *args)`` for each ``(tag, args)`` in forked processes; yield ``(tag, outcome)``.

    A bounded number of items is handed out at a time (so stopping is quick and memory stays flat);
    ``keep_feeding`` is asked before each hand-out. Items handed out before a stop still come back.
    Closing the generator (or an exception in the consumer) waits for running items and drops the rest.
    """
    number = next(_job_numbers)
    _JOBS[number] = job
    queue = iter(items)
    in_flight: dict[Future, T] = {}
    exhausted = False
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        while True:
            while not exhausted and len(in_flight) < workers * 4 and keep_feeding():
                item = next(queue, None)
                if item is None:
                    exhausted = True
                else:
                    in_flight[executor.submit(work, number, *item[1])] = item[0]
            if not in_flight:
                return
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                yield in_flight.pop(future), future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        del _JOBS[number]


def _sign_in_workers(pending: list[tuple[int, Path]], total: int, output_dir: Path, journal: Path, job: Job,
                     workers: int, report: BatchReport, progress: Progress | None) -> None:
    """The folder loop of :func:`sign_folder` with the signing done by workers; the journal stays here.

    Outputs a worker finished but the parent never journaled (interrupted) are recognised on resume.
    """
    key_source, _request, services = job
    try:  # checked once here so the workers inherit a fresh check (and a revoked key stops nothing mid-way)
        check_signer_certificate(key_source, services)
    except SigningError as exc:
        report.stopped_by = exc
        return
    items = ((item, (str(item[1]), str(output_dir / item[1].name))) for item in pending)
    with closing(_completed_in_workers(job, _sign_in_worker, items, workers,
                                       lambda: report.stopped_by is None)) as results:
        for (index, path), outcome in results:
            _record(outcome, path.name, index, total, journal, report, progress)


def sign_documents(documents: Iterable[tuple[T, bytes]], key_source: KeySource, request: SignatureRequest,
                   services: SigningServices, workers: int = 1) -> Iterator[tuple[T, SignedResult | SigningError]]:
    """Sign many PDFs given as bytes, in ``workers`` forked processes; yield ``(tag, result or error)``.

    For callers that keep their own records (the engine's bulk signing writes documents and audit
    events to its database): they consume results in the one process that owns the database, while
    the signing runs on every core. Results come in completion order. Document errors
    (:class:`InvalidDocumentError`, :class:`SignatureFieldError`) are yielded and the rest goes on; the
    first other error (key gone, TSA down) is yielded too, and then only documents already handed out
    come back: the remaining ones are not signed and not yielded, for the caller to retry later.
    Keys that cannot be shared (see :func:`can_share_key`) sign here, one document at a time.
    """
    job: Job = (key_source, request, services)
    stopped = False
    if workers <= 1 or not can_share_key(key_source):
        for tag, data in documents:
            try:
                yield tag, sign_pdf(data, key_source, request, services)
            except (InvalidDocumentError, SignatureFieldError) as exc:
                yield tag, exc
            except SigningError as exc:
                yield tag, exc
                return
        return
    try:
        check_signer_certificate(key_source, services)
    except SigningError as exc:
        # nothing can be signed: report it against the first document, as the one-process loop would
        for tag, _data in documents:
            yield tag, exc
            return
        return
    items = ((tag, (data,)) for tag, data in documents)
    with closing(_completed_in_workers(job, _sign_bytes_in_worker, items, workers, lambda: not stopped)) as results:
        for tag, (status, payload) in results:
            if status == "signed":
                yield tag, payload
                continue
            error = _error_from(*payload)
            stopped = stopped or not isinstance(error, InvalidDocumentError | SignatureFieldError)
            yield tag, error


def _notify(progress: Progress | None, done: int, total: int, name: str, status: str) -> None:
    if progress is not None:
        progress(done, total, name, status)

"""Sign the latest result document of many cases, once each, resumably (see the package docstring)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine import Actor, OperatorError, audit
from engine.models import Case
from engine.runtime import outputs
from signing.batch import sign_documents
from signing.errors import SigningError
from signing.pades import sign_pdf
from signing.settings import SignatureLevel

from ..keystore import ORGANISATION, Keystore, KeystoreError
from ..operators.signing_ops import SignaturePlan, SigningOperators, latest_result, signing_failed
from .staged import StagedCase, case_documents, load_content, signature_events

if TYPE_CHECKING:
    from ..container import Container

ROLES = ("leader", "seal")
#: The unit whose clerks are the registry (văn thư) and may apply the organisation's seal.
REGISTRY_UNIT = "PHCTH"

Progress = Callable[[int, int, int, str], None]  # done, total, case id, "signed" | "skipped" | "failed"


class BulkSigningError(Exception):
    """The run cannot start (wrong role, no key) or had to stop (TSA unreachable): code + vi + en."""

    def __init__(self, message_vi: str, message_en: str, code: str) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en, self.code = message_vi, message_en, code


@dataclass
class BulkReport:
    batch: str
    signed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    failed: dict[int, dict[str, str]] = field(default_factory=dict)
    stopped_by: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "signed": self.signed, "skipped": {str(k): v for k, v in self.skipped.items()},
                "failed": {str(k): v for k, v in self.failed.items()}, "stopped_by": self.stopped_by}


def previous_signature(events: list[dict[str, Any]], latest_sha: str, role: str, signer: str) -> dict | None:
    """The event by which ``role``/``signer`` already signed the document ``latest_sha`` came from, if any.

    Follows the chain of versions back (each ``signature_applied`` turns ``sha256_before`` into
    ``sha256_after``), so a case signed by an interrupted run, or by the procedure itself, is found.
    """
    produced = {e.get("sha256_after"): e for e in events}
    sha, seen = latest_sha, set()
    while sha in produced and sha not in seen:
        seen.add(sha)
        event = produced[sha]
        if event.get("role") == role and event.get("signer") == signer:
            return event
        sha = event.get("sha256_before")
    return next((e for e in events if e.get("sha256_before") == latest_sha
                 and e.get("role") == role and e.get("signer") == signer), None)


class BulkSigner:
    """One run: ``role`` 'leader' signs with the acting user's key, 'seal' with the organisation's key
    applied by the acting văn thư (a clerk of the registry unit)."""

    def __init__(self, container: Container, actor: Actor, role: str, level: SignatureLevel,
                 batch: str | None = None) -> None:
        self.c, self.actor, self.role, self.level = container, actor, role, level
        self.batch = batch or uuid.uuid4().hex[:12]
        self.ops = SigningOperators(container.settings, Keystore(container.settings))
        self.owner = ORGANISATION if role == "seal" else actor.user_id
        self._check_who()

    def _check_who(self) -> None:
        if self.role not in ROLES:
            raise BulkSigningError(f"Vai trò ký không hợp lệ: {self.role} (cần leader hoặc seal)",
                                   f"Unknown signing role {self.role!r} (expected leader or seal)", "bad_role")
        if self.role == "leader" and "leader" not in self.actor.roles:
            raise BulkSigningError(f"{self.actor.user_id} không có vai trò lãnh đạo nên không ký thay lãnh đạo được",
                                   f"{self.actor.user_id} does not hold the leader role", "not_a_leader")
        if self.role == "seal" and not ("clerk" in self.actor.roles and REGISTRY_UNIT in self.actor.units):
            raise BulkSigningError(
                f"Chỉ văn thư (chuyên viên {REGISTRY_UNIT}) được đóng dấu số; {self.actor.user_id} không phải văn thư",
                f"Only the registry clerks ({REGISTRY_UNIT}) apply the seal; {self.actor.user_id} is not one",
                "not_the_registry")
        try:
            self.ops.keystore.key_for(self.owner)
        except KeystoreError as exc:
            raise BulkSigningError(exc.message_vi, exc.message_en, exc.code) from None

    def run(self, case_ids: list[int], progress: Progress | None = None, workers: int = 1) -> BulkReport:
        """Sign each case; an exception from ``progress`` stops the run after a finished case.

        With ``workers`` > 1 the signing of a few cases at a time runs in forked processes
        (:func:`signing.batch.sign_documents`); reading and writing the cases stays in this process.
        """
        report = BulkReport(self.batch)
        counter = iter(range(1, len(case_ids) + 1))

        def note(case_id: int, status: str, detail: Any) -> None:
            if status == "signed":
                report.signed.append(case_id)
            elif status == "skipped":
                report.skipped[case_id] = str(detail)
            else:
                report.failed[case_id] = detail
            if progress is not None:
                progress(next(counter), len(case_ids), case_id, status)

        size = workers * 16 if workers > 1 else 1  # one process pool per chunk: forking costs
        for start in range(0, len(case_ids), size):
            plans: dict[int, tuple[StagedCase, SignaturePlan]] = {}
            for case_id in case_ids[start:start + size]:
                try:
                    prepared = self._prepare(case_id)
                except OperatorError as exc:
                    if exc.retryable:
                        report.stopped_by = _error(exc)
                        return report
                    note(case_id, "failed", _error(exc))
                    continue
                if isinstance(prepared[0], str):
                    note(case_id, *prepared)  # type: ignore[arg-type]
                else:
                    plans[case_id] = prepared  # type: ignore[assignment]
            if self._sign_plans(plans, workers, note, report):
                return report
        return report

    def sign_case(self, case_id: int) -> tuple[str, Any]:
        """("signed", result) | ("skipped", reason) | ("failed", error) for one case, in this process."""
        prepared = self._prepare(case_id)
        if isinstance(prepared[0], str):
            return prepared  # type: ignore[return-value]
        staged, plan = prepared  # type: ignore[misc]
        try:
            result = sign_pdf(plan.before, plan.key, plan.request, plan.services)
        except SigningError as exc:
            raise signing_failed(self.role, exc) from None
        return self._complete(staged, plan, result)

    def _prepare(self, case_id: int) -> tuple[str, Any] | tuple[StagedCase, SignaturePlan]:
        with self.c.readers() as session:
            staged = StagedCase.load(session, case_id)
            document = self._latest(staged.listed)
            if document is None:
                return "failed", {"code": "no_document", "message": "Hồ sơ chưa có văn bản kết quả để ký",
                                  "message_en": "The case has no result document to sign"}
            if previous_signature(staged.events, document["sha256"], self.role, self.owner) is not None:
                return "skipped", "đã ký / already signed"
            staged.contents[document["sha256"]] = load_content(session, document["sha256"])
        staged.actor = self.actor.user_id
        plan = self.ops.prepare_signature(staged, self.role, self.level, self.owner,
                                          self.ops.fallback_level({}, self.level))
        return staged, plan

    def _sign_plans(self, plans: dict[int, tuple[StagedCase, SignaturePlan]], workers: int,
                    note: Callable[[int, str, Any], None], report: BulkReport) -> bool:
        """Sign the prepared cases, grouped by identical request; True when the run must stop."""
        groups: list[tuple[SignaturePlan, list[int]]] = []
        for case_id, (_staged, plan) in plans.items():
            group = next((g for g in groups if g[0].request == plan.request), None)
            if group is None:
                groups.append((plan, [case_id]))
            else:
                group[1].append(case_id)
        stop = False
        for first, members in groups:
            if stop:
                break
            documents = ((case_id, plans[case_id][1].before) for case_id in members)
            with closing(sign_documents(documents, first.key, first.request, first.services, workers)) as signed:
                for case_id, outcome in signed:
                    if isinstance(outcome, SigningError):
                        error = signing_failed(self.role, outcome)
                        if error.retryable:
                            report.stopped_by, stop = _error(error), True
                        else:
                            note(case_id, "failed", _error(error))
                        continue
                    note(case_id, *self._complete(*plans[case_id], outcome))
        return stop

    def _complete(self, staged: StagedCase, plan: SignaturePlan, result: Any) -> tuple[str, Any]:
        done = self.ops.finish_signature(staged, plan, result,
                                         applied_by=self.actor.user_id if self.role == "seal" else None,
                                         extra={"batch": self.batch})
        return self._write(staged, plan.document["sha256"], done)

    def _write(self, staged: StagedCase, signed_sha: str, result: dict[str, Any]) -> tuple[str, Any]:
        with self.c.sessions() as session, session.begin():
            case = session.scalars(select(Case).where(Case.id == staged.case_id).with_for_update()).one()
            current = self._latest(case_documents(session, staged.case_id))
            if current is None or current["sha256"] != signed_sha:
                return "skipped", "văn bản đã thay đổi trong lúc ký / the document changed while signing"
            if previous_signature(signature_events(session, staged.case_id), signed_sha, self.role,
                                  self.owner) is not None:
                return "skipped", "đã ký / already signed"
            for content, name, media_type, role in staged.new_documents:
                outputs.store_document(session, staged.case_id, content, name, media_type, role)
            for kind, payload in staged.new_events:
                audit.append(session, case, kind, self.actor.user_id, payload)
        return "signed", result

    @staticmethod
    def _latest(listed: list[dict[str, Any]]) -> dict[str, Any] | None:
        try:
            return latest_result(_Listing(listed))  # type: ignore[arg-type]
        except OperatorError:
            return None


def _error(exc: OperatorError) -> dict[str, str]:
    return {"code": exc.code, "message": exc.message_vi, "message_en": exc.message_en}


class _Listing:
    def __init__(self, listed: list[dict[str, Any]]) -> None:
        self.listed = listed

    def documents(self) -> list[dict[str, Any]]:
        return self.listed

"""Signing inside procedures: ``issue_document`` renders the result document, ``sign_document`` signs it.

``issue_document`` (params ``template``, ``title``, optional ``signer_title``) renders the template with
the case's data (:mod:`app.documents`) and stores the PDF as a new result document of the case.

``sign_document`` (params ``role`` 'leader' | 'seal' | another staff role, ``level`` 'B-B'..'B-LTA',
optional ``fallback_level``) signs the case's latest result document and stores the signed PDF as a
new document — documents are content-addressed and never overwritten, so the unsigned and each
intermediate version stay in the case. The person signs with the key of the user who completed the
case's last task of that role (the leader who approved), the seal with the organisation's key, both with
the Decree 30 appearance: the person's signature in the box the template left, the red seal over its
left third. Every signature appends ``signature_applied`` to the audit trail; for the seal it names the
registry clerk (văn thư) who completed the task given by ``applied_by_task`` (``applied_by``) and the
``register_number`` they recorded, while ``signer`` stays the organisation whose key signed.

Why fail rather than downgrade: a B-LTA document signed at B-B looks the same to its reader but
cannot be verified in twenty years. Without a TSA the step fails with a Vietnamese message (an
incident the administrator sees and retries after configuring one) unless the model or the
installation names a ``fallback_level``; a downgrade is then recorded in the audit event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from engine import OperatorContext, OperatorError, ServiceRegistry
from signing.errors import SigningError
from signing.pades import sign_pdf
from signing.settings import Appearance, AppearanceKind, Box, SignatureLevel, SignatureRequest

from ..documents import PERSON_BOX, DocumentRequest, Issuer, UnknownTemplate, render_document
from ..documents.labels import labels_from_forms
from ..keystore import ORGANISATION, Keystore, KeystoreError

if TYPE_CHECKING:
    from ..config import Settings
    from ..container import Container

PDF = "application/pdf"
FIELD_PREFIX = {"leader": "LanhDao", "seal": "DongDau"}
REASONS = {"leader": "Ký duyệt văn bản kết quả", "seal": "Ký số của cơ quan (đóng dấu)"}
RETRYABLE_CODES = {"timestamp_unavailable", "revocation_unavailable", "validation_data_unavailable"}
# Where the seal goes when nobody signed before it: centred on the person's box (36 mm seal + its text).
LONE_SEAL_BOX = Box(PERSON_BOX.x1 - 5, PERSON_BOX.y1 - 45, PERSON_BOX.x2 + 5, PERSON_BOX.y2 + 19)


def _issuer(settings: Settings) -> Issuer:
    extra = settings.extra.get("documents") or {}
    return Issuer(organisation=settings.agency_name, parent_org=extra.get("parent_org", "Bộ Giáo dục và Đào tạo"),
                  place=extra.get("place", "Cần Thơ"), abbreviation=extra.get("abbreviation", ""))


class SigningOperators:
    """The two operators, bound to one installation's settings and keystore."""

    def __init__(self, settings: Settings, keystore: Keystore) -> None:
        self.settings = settings
        self.keystore = keystore

    # -- issue_document ---------------------------------------------------------------------------
    def issue_document(self, params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
        template = str(params.get("template") or "").strip()
        title = str(params.get("title") or template)
        request = DocumentRequest(template=template, title=title, data=dict(ctx.data), case_id=ctx.case_id,
                                  issuer=_issuer(self.settings), signer_title=str(params.get("signer_title") or ""),
                                  labels=form_labels(ctx))
        try:
            rendered = render_document(request)
        except UnknownTemplate as exc:
            raise OperatorError(exc.message_vi, exc.message_en, code="unknown_template", retryable=False) from None
        digest = store_result(ctx, rendered.pdf, rendered.file_name)
        ctx.audit("document_issued", {"template": template, "title": title, "sha256": digest,
                                      "name": rendered.file_name, "number": rendered.number, "pages": rendered.pages})
        return {"sha256": digest, "name": rendered.file_name, "number": rendered.number, "template": template}

    # -- sign_document ----------------------------------------------------------------------------
    def sign_document(self, params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
        role = str(params.get("role") or "leader")
        level = _level(params.get("level") or "B-T")
        owner, substitute = self._signer_for(role, ctx)
        applied_by = seal_applier(params, ctx) if role == "seal" else None
        return self.apply_signature(ctx, role, level, owner, fallback=self.fallback_level(params, level),
                                    substitute=substitute, applied_by=applied_by,
                                    register_number=_text(params.get("register_number")))

    def apply_signature(self, ctx: OperatorContext, role: str, level: SignatureLevel, owner: str, *,
                        fallback: SignatureLevel | None = None, substitute: str | None = None,
                        applied_by: str | None = None, register_number: str = "",
                        extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sign the case's latest result document with ``owner``'s key, store it, audit it.

        Shared by the procedure step and bulk signing (app/bulk), which chooses the owner itself;
        ``extra`` adds keys to the ``signature_applied`` event (e.g. the batch it belongs to).
        """
        plan = self.prepare_signature(ctx, role, level, owner, fallback)
        try:
            result = sign_pdf(plan.before, plan.key, plan.request, plan.services)
        except SigningError as exc:
            raise signing_failed(role, exc) from None
        return self.finish_signature(ctx, plan, result, substitute=substitute, applied_by=applied_by,
                                     register_number=register_number, extra=extra)

    def prepare_signature(self, ctx: OperatorContext, role: str, level: SignatureLevel, owner: str,
                          fallback: SignatureLevel | None = None) -> SignaturePlan:
        """Everything but the signing itself: the document, the key, the field, the appearance, the services.

        Split out so bulk signing can sign many plans with the same request in worker processes.
        """
        document = latest_result(ctx)
        before = ctx.get_document(document["sha256"])
        key = self._key(owner, role)
        fields, pages = _signature_fields(before), _page_count(before)
        field_name = _next_field(FIELD_PREFIX.get(role, "ChuKy"), fields)
        if role == "seal":
            person = [f for f in fields if not f.startswith(FIELD_PREFIX["seal"])]
            appearance = Appearance(AppearanceKind.SEAL, image_png=self.keystore.image_for(ORGANISATION),
                                    overlap_field=person[-1] if person else None)
            box = None if person else LONE_SEAL_BOX
        else:
            appearance = Appearance(AppearanceKind.PERSON, image_png=self.keystore.image_for(owner))
            box = Box(*PERSON_BOX.as_tuple())
        request = SignatureRequest(level=level, field_name=field_name, appearance=appearance, page=pages, box=box,
                                   reason=REASONS.get(role, REASONS["leader"]), location=_issuer(self.settings).place,
                                   allow_fallback_level=fallback)
        services = self._services()
        if level.needs_timestamp and services.make_timestamper() is None and (
                fallback is None or fallback.needs_timestamp):
            raise OperatorError(
                f"Không ký số được văn bản ({_role_vi(role)}): chưa cấu hình máy chủ cấp dấu thời gian (TSA) "
                f"cho mức chữ ký {level.value}. Quản trị viên cần đặt QUYTRINH_TSA_URL (hoặc extra.signing.tsa_url) "
                "rồi chạy lại bước này.",
                f"Could not sign the document ({role}): no timestamp authority (TSA) configured for level "
                f"{level.value}; set QUYTRINH_TSA_URL (or extra.signing.tsa_url) and retry this step.",
                code="no_tsa", retryable=False)
        return SignaturePlan(role, owner, document, before, key, request, services, len(fields))

    def finish_signature(self, ctx: OperatorContext, plan: SignaturePlan, result: Any, *,
                         substitute: str | None = None, applied_by: str | None = None, register_number: str = "",
                         extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store the signed PDF as a new result document and append ``signature_applied``."""
        name = _signed_name(plan.document["name"], plan.existing_signatures + 1)
        after = store_result(ctx, result.pdf_bytes, name)
        info = result.info
        ctx.audit("signature_applied", {
            "role": plan.role, "signer": plan.owner, "substitute_for": substitute,
            "signer_subject": info.signer_subject, "applied_by": applied_by, "register_number": register_number,
            "level": info.level.value, "requested_level": info.requested_level.value, "downgraded": info.downgraded,
            "fallback_reason": info.fallback_reason, "field": info.field_name, "document": name,
            "sha256_before": plan.document["sha256"], "sha256_after": after,
            "certificate_fingerprint_sha256": info.signer_fingerprint_sha256,
            "signing_time": info.signing_time.isoformat(), "warnings": list(result.warnings), **(extra or {})})
        return {"sha256": after, "signer": plan.owner, "applied_by": applied_by, "level": info.level.value,
                "field": info.field_name, "name": name}

    def _services(self):  # type: ignore[no-untyped-def]
        try:
            return self.keystore.services()
        except KeystoreError as exc:
            raise OperatorError(exc.message_vi, exc.message_en, code=exc.code, retryable=False) from None

    def fallback_level(self, params: dict[str, Any], level: SignatureLevel) -> SignatureLevel | None:
        """The model's ``fallback_level`` or the installation's, when lower than ``level``."""
        raw = params.get("fallback_level")
        fallback = _level(raw) if raw else self.keystore.setup.fallback_level
        return fallback if fallback is not None and fallback.rank < level.rank else None

    def _signer_for(self, role: str, ctx: OperatorContext) -> tuple[str, str | None]:
        """(key owner, the user they stand in for when the demo's fallback leader key is used)."""
        if role == "seal":
            return ORGANISATION, None
        person = completed_by_role(ctx, role)
        if person is None:
            raise OperatorError(
                f"Không xác định được người ký ({_role_vi(role)}): hồ sơ chưa có bước nào của vai trò này hoàn thành.",
                f"Cannot tell who signs as {role}: no task of that role was completed in this case.",
                code="signer_unknown", retryable=False)
        fallback = self.keystore.setup.fallback_leader
        if not self.keystore.has_key(person) and fallback and fallback != person and self.keystore.has_key(fallback):
            return fallback, person
        return person, None

    def _key(self, owner: str, role: str):  # type: ignore[no-untyped-def]
        try:
            return self.keystore.key_for(owner)
        except KeystoreError as exc:
            raise OperatorError(f"Không ký số được văn bản ({_role_vi(role)}): {exc.message_vi}",
                                f"Could not sign the document ({role}): {exc.message_en}", code=exc.code,
                                retryable=False) from None


def completed_by_role(ctx: OperatorContext, role: str) -> str | None:
    """The user who completed this case's latest task of ``role`` (e.g. the leader who approved).

    Read from the inbox table inside the step's own transaction (the approval being processed is not
    committed yet); an operator context without a session falls back to the acting user.
    """
    from engine.models import HumanTask

    session = getattr(ctx, "session", None)
    if session is not None:
        row = session.scalars(select(HumanTask).where(
            HumanTask.case_id == ctx.case_id, HumanTask.role == role, HumanTask.status == "completed",
            HumanTask.completed_by.is_not(None)).order_by(HumanTask.completed_at.desc())).first()
        if row is not None:
            return row.completed_by
    actor = getattr(ctx, "actor", None)
    return actor if isinstance(actor, str) and actor not in ("", "system") else None


@dataclass(frozen=True)
class SignaturePlan:
    """One signature ready to be made: what :meth:`SigningOperators.prepare_signature` worked out."""

    role: str
    owner: str
    document: dict[str, Any]
    before: bytes
    key: Any
    request: SignatureRequest
    services: Any
    existing_signatures: int


def signing_failed(role: str, exc: SigningError) -> OperatorError:
    """A signing error as the operator reports it (retryable when the TSA or a revocation source is down)."""
    return OperatorError(f"Không ký số được văn bản ({_role_vi(role)}): {exc.message_vi}",
                         f"Could not sign the document ({role}): {exc.message_en}", code=exc.code,
                         retryable=exc.code in RETRYABLE_CODES)


def seal_applier(params: dict[str, Any], ctx: OperatorContext) -> str | None:
    """The registry clerk who applied the organisation's seal: who completed ``applied_by_task``.

    Why: the seal's key belongs to the organisation, so the certificate cannot say which person applied
    it; Decree 30 makes the văn thư accountable, so the audit event names them. Models from before the
    clerk's task (no ``applied_by_task``) record ``None``: the seal was applied automatically.
    """
    task = _text(params.get("applied_by_task"))
    if not task:
        return None
    from engine.models import HumanTask

    session = getattr(ctx, "session", None)
    if session is None:
        actor = getattr(ctx, "actor", None)
        return actor if isinstance(actor, str) and actor not in ("", "system") else None
    person = session.scalars(select(HumanTask.completed_by).where(
        HumanTask.case_id == ctx.case_id, HumanTask.bpmn_id == task, HumanTask.status == "completed",
        HumanTask.completed_by.is_not(None)).order_by(HumanTask.completed_at.desc())).first()
    if person is None:
        raise OperatorError(
            f"Không đóng dấu số được: bước văn thư “{task}” chưa được ai hoàn thành trong hồ sơ này.",
            f"Cannot apply the seal: the registry task {task!r} has not been completed in this case.",
            code="seal_applier_unknown", retryable=False)
    return person


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def store_result(ctx: OperatorContext, content: bytes, name: str) -> str:
    """``ctx.put_document`` as a result PDF, with the content row written first.

    Why: the engine's ``store_document`` adds the document and its link to the case in one flush, and
    without an ORM relationship between them SQLAlchemy may insert the link first, which a foreign key
    refuses (seen on SQLite). Writing the content row ahead is harmless once the engine orders it.
    """
    import hashlib

    from engine.models import Document

    session = getattr(ctx, "session", None)
    if session is not None:
        digest = hashlib.sha256(content).hexdigest()
        if session.get(Document, digest) is None:
            session.add(Document(sha256=digest, media_type=PDF, size=len(content), content=content))
            session.flush()
    return ctx.put_document(content, name, PDF, role="result")


def form_labels(ctx: OperatorContext) -> dict[str, tuple[str, str]]:
    """Field labels from the forms of the case's procedure version (empty outside the engine)."""
    from engine.models import Case, ProcessVersion

    session = getattr(ctx, "session", None)
    if session is None:
        return {}
    case = session.get(Case, ctx.case_id)
    version = session.get(ProcessVersion, case.version_id) if case is not None else None
    return labels_from_forms(version.forms or {}) if version is not None else {}


def _role_vi(role: str) -> str:
    return {"leader": "lãnh đạo", "seal": "con dấu cơ quan"}.get(role, role)


def _level(value: Any) -> SignatureLevel:
    try:
        return SignatureLevel.parse(str(value))
    except ValueError:
        raise OperatorError(f"Mức chữ ký không hợp lệ: {value!r} (cần B-B, B-T, B-LT hoặc B-LTA)",
                            f"Invalid signature level {value!r} (expected B-B, B-T, B-LT or B-LTA)",
                            code="bad_level", retryable=False) from None


def latest_result(ctx: OperatorContext) -> dict[str, Any]:
    results = [d for d in ctx.documents() if d.get("role") == "result" and str(d.get("name", "")).endswith(".pdf")]
    if not results:
        raise OperatorError("Hồ sơ chưa có văn bản kết quả để ký (cần bước tạo văn bản trước bước ký).",
                            "The case has no result document to sign (issue one before signing).",
                            code="no_document", retryable=False)
    return results[-1]


def _signature_fields(pdf: bytes) -> list[str]:
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return [s.field_name for s in reader.embedded_signatures if s.sig_object.get("/Type") != "/DocTimeStamp"]


def _page_count(pdf: bytes) -> int:
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return int(reader.root["/Pages"]["/Count"])


def _next_field(prefix: str, existing: list[str]) -> str:
    if prefix not in existing:
        return prefix
    n = 2
    while f"{prefix}_{n}" in existing:
        n += 1
    return f"{prefix}_{n}"


def _signed_name(name: str, count: int) -> str:
    """``12-bang-diem.pdf`` → ``12-bang-diem.ky-so-1.pdf`` → ``12-bang-diem.ky-so-2.pdf``."""
    stem = re.sub(r"(\.ky-so-\d+)?\.pdf$", "", name)
    return f"{stem}.ky-so-{count}.pdf"


def register(registry: ServiceRegistry, container: Container) -> None:
    ops = SigningOperators(container.settings, Keystore(container.settings))
    registry.register("issue_document", ops.issue_document)
    registry.register("sign_document", ops.sign_document)

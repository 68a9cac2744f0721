"""Validate every signature of a PDF: the public entry point of ``signing.validation``.

Bad input (not a PDF, encrypted, too big, unparsable) raises :class:`ValidationInputError` with a
clear reason; anything wrong *inside* a signature becomes that signature's verdict instead.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing.trust import TrustStore, default_trust_store
from signing.validation.context import DocumentPOE, RunContext
from signing.validation.describe import chain_report, signer_name
from signing.validation.errors import ValidationInputError
from signing.validation.material import read_document_material
from signing.validation.policy import ValidationPolicy, load_policy
from signing.validation.report import DocumentReport, SignatureReport, TimestampReport
from signing.validation.running import run
from signing.validation.signature import format_failure, validate_signature
from signing.validation.timestamps import TSA_EKU


def validate_pdf(pdf: bytes, *, trust_store: TrustStore | None = None, at: datetime | None = None,
                 policy: ValidationPolicy | str | Path = "strict", offline: bool = False) -> DocumentReport:
    """Validate all signatures in ``pdf`` at time ``at`` (default: now) under ``policy``.

    ``offline=True`` never touches the network: declared revocation sources count as unreachable.
    Runs on the calling thread's own event loop (see ``running``); like ``asyncio.run``, not from
    inside a running loop (use :func:`async_validate_pdf` there).
    """
    return run(async_validate_pdf(pdf, trust_store=trust_store, at=at, policy=policy, offline=offline))


async def async_validate_pdf(pdf: bytes, *, trust_store: TrustStore | None = None, at: datetime | None = None,
                             policy: ValidationPolicy | str | Path = "strict",
                             offline: bool = False) -> DocumentReport:
    chosen = policy if isinstance(policy, ValidationPolicy) else load_policy(policy)
    at = (at or datetime.now(UTC)).astimezone(UTC)
    reader = open_pdf(pdf, chosen)
    store = trust_store if trust_store is not None else default_trust_store()
    material = read_document_material(reader)
    ctx = RunContext(store=store, policy=chosen, at=at, offline=offline, document_certs=list(material.certs),
                     document_revinfo=material.revinfo)
    embedded, broken = _enumerate_signatures(reader)
    doc_timestamps = [s for s in embedded if _is_doc_timestamp(s)]
    signatures = [s for s in embedded if not _is_doc_timestamp(s)]
    report = DocumentReport(sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), validation_time=at,
                            policy=chosen.name, signatures=[], revisions=reader.xrefs.total_revisions)
    for doc_ts in doc_timestamps:
        ts_report = await _document_timestamp(doc_ts, ctx)
        report.document_timestamps.append(ts_report)
        if ts_report.trusted:
            ctx.document_poes.append(DocumentPOE(ts_report.time, doc_ts.signed_revision))
    for sig in signatures:
        report.signatures.append(await validate_signature(sig, ctx))
    report.signatures.extend(broken)
    return report


def _enumerate_signatures(reader: PdfFileReader) -> tuple[list[EmbeddedPdfSignature], list[SignatureReport]]:
    """Every filled signature field; one that cannot even be parsed becomes a FAILED report.

    (pyHanko's own ``embedded_signatures`` gives up on the whole document, or silently skips
    fields with an unknown sub-filter: neither is acceptable for a validator.)
    """
    good, broken = [], []
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # noqa: BLE001 - broken AcroForm/field trees in hostile files
        raise _unreadable(f"signature fields unreadable: {exc}") from exc
    for name, _sig_obj, field_ref in fields:
        try:
            sig = EmbeddedPdfSignature(reader, field_ref, name)
            _ = sig.signed_data, sig.signer_info, sig.byte_range  # force parsing now
            sub_filter = str(sig.sig_object.get("/SubFilter"))
            if not _is_doc_timestamp(sig) and sub_filter not in KNOWN_SUBFILTERS:
                raise ValueError(f"unsupported /SubFilter {sub_filter}")
            good.append(sig)
        except Exception as exc:  # noqa: BLE001 - any malformed /Contents, /ByteRange, CMS
            broken.append(format_failure(str(name), str(exc)))
    good.sort(key=lambda s: s.signed_revision)
    return good, broken


KNOWN_SUBFILTERS = {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161"}


def _is_doc_timestamp(sig) -> bool:
    try:
        return str(sig.sig_object_type) == "/DocTimeStamp"
    except Exception:  # noqa: BLE001
        return False


async def _document_timestamp(doc_ts, ctx: RunContext) -> TimestampReport:
    try:
        status = await async_validate_pdf_timestamp(doc_ts, validation_context=ctx.crypto_only_context())
        tsa = status.signing_cert
    except Exception as exc:  # noqa: BLE001 - malformed token
        return TimestampReport(time=ctx.at, authority="?", intact=False, trusted=False, chain=None,
                               digest_algorithm="?", problem=f"FORMAT: {str(exc)[:200]}")
    report = TimestampReport(time=status.timestamp, authority=signer_name(tsa), intact=bool(status.intact and status.valid),
                             trusted=False, chain=None, digest_algorithm=status.md_algorithm)
    if not report.intact:
        report.problem = "TOKEN_INVALID"
        return report
    outcome = await ctx.chain(tsa, moment=ctx.at, embedded=list(doc_ts.other_embedded_certs),
                              revinfo=ctx.document_revinfo, hard_fail=ctx.policy.strict_revocation, eku=TSA_EKU)
    report.trusted, report.chain, report.problem = outcome.trusted, chain_report(outcome), outcome.problem
    return report


def open_pdf(pdf: bytes, policy: ValidationPolicy) -> PdfFileReader:
    if len(pdf) > policy.max_pdf_bytes:
        raise ValidationInputError(
            f"Tệp quá lớn ({len(pdf)} byte, giới hạn {policy.max_pdf_bytes}).",
            f"File too large ({len(pdf)} bytes, limit {policy.max_pdf_bytes}).",
            code="pdf_too_large", details={"size": len(pdf), "limit": policy.max_pdf_bytes})
    if b"%PDF-" not in pdf[:1024]:
        raise ValidationInputError("Tệp không phải là PDF.", "The file is not a PDF.", code="not_a_pdf",
                                   details={"first_bytes": pdf[:16].hex()})
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:  # noqa: BLE001 - the PDF parser raises many types on hostile input
        raise _unreadable(str(exc)) from exc
    if reader.encrypted:
        raise ValidationInputError(
            "Tệp PDF được mã hóa; hãy cung cấp bản không mã hóa để kiểm tra chữ ký.",
            "The PDF is encrypted; provide an unencrypted copy to validate its signatures.",
            code="pdf_encrypted")
    return reader


def _unreadable(reason: str) -> ValidationInputError:
    return ValidationInputError("Không đọc được tệp PDF.", "The PDF could not be read.", code="pdf_unreadable",
                                details={"reason": reason[:300]})

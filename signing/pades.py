"""PAdES signing: bytes and a request in, signed bytes and a description out.

Why this shape: callers (CLI, engine service tasks, REST API) all do the same thing — sign one PDF with
one key at one PAdES level — and must never get a silently weaker result: if the timestamp authority
is down, signing fails unless the request names the lowest level it accepts, and then the result says
what was done. The original bytes are never modified (a new bytes object is returned).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from io import BytesIO

import requests
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields as pdf_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from . import appearance as appearances
from .certcheck import check_signer_certificate, translate_validation_error, validation_context
from .errors import SignatureFieldError, SigningError, SigningFailedError, TimestampUnavailableError
from .fields import existing_signature_fields, field_lock_spec, next_field_name
from .keys.base import KeySource
from .ltv import add_document_timestamp, add_validation_data_for_all
from .pdfinput import open_for_signing, page_count
from .services import SigningServices
from .settings import SignatureInfo, SignatureLevel, SignatureRequest, SignedResult

VN_TZ = dt.timezone(dt.timedelta(hours=7), "+07:00")


def sign_pdf(pdf_bytes: bytes, key_source: KeySource, request: SignatureRequest,
             services: SigningServices | None = None) -> SignedResult:
    """Sign ``pdf_bytes`` at ``request.level``; raise a :class:`SigningError` subclass on any refusal."""
    services = services or SigningServices()
    writer = open_for_signing(pdf_bytes, services.max_document_bytes)  # validate before touching the key
    warnings = check_signer_certificate(key_source, services)
    try:
        return _sign_at(writer, key_source, request, services, request.level, None, warnings)
    except TimestampUnavailableError as exc:
        fallback = request.allow_fallback_level
        if fallback is None or fallback.needs_timestamp:
            raise
        reason = f"{exc.message_vi} / {exc.message_en}"
        writer = open_for_signing(pdf_bytes, services.max_document_bytes)  # the first writer is spent
        return _sign_at(writer, key_source, request, services, fallback, reason,
                        [*warnings, f"Đã hạ mức chữ ký xuống {fallback.value} / downgraded to {fallback.value}"])


def _sign_at(writer: IncrementalPdfFileWriter, key_source: KeySource, request: SignatureRequest,
             services: SigningServices, level: SignatureLevel, fallback_reason: str | None,
             warnings: list[str]) -> SignedResult:
    existing = existing_signature_fields(writer)
    field_name = request.field_name or next_field_name(existing)
    signing_time = dt.datetime.now(VN_TZ)
    new_field_spec = _field_spec(writer, request, field_name, existing)
    drawn = appearances.build(request, key_source, writer, existing, field_name, signing_time)
    if new_field_spec is not None and drawn.box is not None:
        new_field_spec = _with_box(new_field_spec, drawn.box.as_tuple())

    timestamper = services.make_timestamper() if level.needs_timestamp else None
    if level.needs_timestamp and timestamper is None:
        raise TimestampUnavailableError(
            "Chưa cấu hình máy chủ cấp dấu thời gian (TSA) cho mức chữ ký " + level.value + ".",
            f"No timestamp authority configured for level {level.value}.", code="no_tsa",
            details={"level": level.value})
    context = validation_context(key_source, services) if level.needs_validation_data else None
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm=request.md_algorithm, reason=request.reason,
        location=request.location, contact_info=request.contact_info,
        subfilter=pdf_fields.SigSeedSubFilter.PADES, certify=request.certify,
        docmdp_permissions=pdf_fields.MDPPerm(request.docmdp.value),
        embed_validation_info=level.needs_validation_data, validation_context=context,
        use_pades_lta=False, signer_key_usage={"digital_signature"},
    )
    output = BytesIO()
    try:
        signer = key_source.pyhanko_signer(prefer_pss=request.rsa_pss)
        mechanism = signer.get_signature_mechanism_for_digest(request.md_algorithm)["algorithm"].native
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=drawn.style,
                                       new_field_spec=new_field_spec)
        pdf_signer.sign_pdf(writer, output=output, bytes_reserved=_reserve(key_source, level),
                            appearance_text_params=drawn.text_params or None)
    except SigningError:
        raise
    except TimestampRequestError as exc:
        raise _tsa_error(services, exc) from None
    except (PathBuildingError, PathValidationError) as exc:
        raise translate_validation_error(exc, key_source) from None
    except PyHankoSigningError as exc:
        raise _library_error(exc) from None
    except Exception as exc:
        mapped = key_source.translate_error(exc)
        if mapped is not None:
            raise mapped from None
        if _is_network_error(exc):
            raise _tsa_error(services, exc) from None
        if isinstance(exc, OSError | ValueError):
            raise _library_error(exc) from None
        raise
    signed = output.getvalue()
    if level.needs_validation_data:
        signed = add_validation_data_for_all(signed, key_source, services, skip_field=field_name)
    if level == SignatureLevel.B_LTA:
        signed = add_document_timestamp(signed, key_source, services)
    info = SignatureInfo(
        field_name=field_name, requested_level=request.level, level=level, fallback_reason=fallback_reason,
        signer_subject=key_source.certificate.subject.human_friendly,
        signer_serial=key_source.certificate.serial_number,
        signer_fingerprint_sha256=hashlib.sha256(key_source.certificate.dump()).hexdigest(),
        signing_time=signing_time, md_algorithm=request.md_algorithm,
        signature_mechanism=mechanism,
        certified=request.certify, size_bytes=len(signed),
    )
    return SignedResult(pdf_bytes=signed, info=info, warnings=tuple(warnings))


def _field_spec(writer: IncrementalPdfFileWriter, request: SignatureRequest, field_name: str,
                existing: dict) -> pdf_fields.SigFieldSpec | None:
    if field_name in existing:
        if existing[field_name].signed:
            raise SignatureFieldError(
                f"Ô chữ ký “{field_name}” đã được ký; không thể ký đè.",
                f"Signature field {field_name!r} is already signed.", code="field_already_signed",
                details={"field": field_name})
        return None  # sign into the empty field prepared earlier
    pages = page_count(writer)
    if request.page > pages:
        raise SignatureFieldError(
            f"Tài liệu chỉ có {pages} trang, không có trang {request.page}.",
            f"The document has {pages} pages, not page {request.page}.", code="no_such_page",
            details={"page": request.page, "pages": pages})
    return pdf_fields.SigFieldSpec(
        sig_field_name=field_name, on_page=request.page - 1,
        box=request.box.as_tuple() if request.box else None,
        field_mdp_spec=field_lock_spec(request.lock_fields, request.lock_all_except),
    )


def _with_box(spec: pdf_fields.SigFieldSpec, box: tuple[float, float, float, float]) -> pdf_fields.SigFieldSpec:
    return replace(spec, box=tuple(int(round(v)) for v in box))


def _reserve(key_source: KeySource, level: SignatureLevel) -> int:
    """Space (hex digits, as pyHanko counts) for the CMS blob, so pyHanko need not sign twice to measure it."""
    certs = sum(len(c.dump()) for c in [key_source.certificate, *key_source.chain])
    size = 1536 + certs
    if level.needs_timestamp:
        size += 6144  # timestamp token with the TSA's chain
    return 2 * size


def _is_network_error(exc: BaseException) -> bool:
    return isinstance(exc, requests.RequestException | ConnectionError | TimeoutError)


def _tsa_error(services: SigningServices, exc: BaseException) -> TimestampUnavailableError:
    return TimestampUnavailableError(
        "Không kết nối được máy chủ cấp dấu thời gian (TSA); tài liệu chưa được ký.",
        f"The timestamp authority could not be reached; the document was not signed ({type(exc).__name__}: {exc}).",
        details={"tsa_url": services.tsa_url, "reason": str(exc)},
    )


def _library_error(exc: BaseException) -> SigningError:
    message = str(exc)
    if "lock" in message.lower() or "mdp" in message.lower():
        return SignatureFieldError(
            "Tài liệu không cho phép thêm chữ ký này (đã chứng nhận hoặc ô chữ ký bị khóa).",
            f"The document does not allow this signature (certified or locked field): {message}",
            code="signature_not_allowed", details={"reason": message})
    return SigningFailedError("Ký số thất bại do lỗi xử lý tài liệu PDF.", f"Signing failed: {message}",
                              details={"reason": message, "type": type(exc).__name__})

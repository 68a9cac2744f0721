"""Long-term validation data (B-LT) and document timestamps (B-LTA).

Why for every signature: a document signed by a teacher at B-T and then by the principal at B-LT must
still be verifiable in twenty years for *both* signatures, so certificates and OCSP/CRL answers of all
signatures (and of their timestamps) go into the document security store, then a document timestamp
seals them (B-LTA). ``extend_to_lta`` does the same for a PDF someone else signed; it is the one
implementation (``signing.validation.extend`` and ``quytrinh sign --extend``/``quytrinh extend`` call it).
"""

from __future__ import annotations

from io import BytesIO

import requests
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from .errors import (
    InvalidDocumentError,
    RevocationCheckError,
    SigningError,
    SigningFailedError,
    TimestampUnavailableError,
)
from .keys.base import KeySource
from .pdfinput import open_for_signing
from .services import SigningServices
from .settings import SignatureLevel


def _context(services: SigningServices, other_certs: list[asn1_x509.Certificate]) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(services.trust_roots), other_certs=[*services.other_certs, *other_certs], allow_fetching=True,
        revocation_mode="require" if services.check_revocation else "soft-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=services.network_timeout),
    )


def add_validation_data_for_all(pdf_bytes: bytes, key_source: KeySource | None, services: SigningServices,
                                skip_field: str | None = None) -> bytes:
    """Add DSS entries (certificates, OCSP, CRLs) for every signature except ``skip_field``."""
    other = key_source.chain if key_source is not None else []
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    names = [sig.field_name for sig in reader.embedded_signatures if sig.field_name != skip_field]
    for name in names:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        embedded = next(s for s in reader.embedded_signatures if s.field_name == name)
        if embedded.sig_object.get("/Type") == "/DocTimeStamp":
            continue
        try:
            output = add_validation_info(embedded, _context(services, other), output=BytesIO())
        except SigningError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure means the data could not be gathered
            raise RevocationCheckError(
                f"Không thu thập được dữ liệu kiểm tra dài hạn (OCSP/CRL) cho chữ ký “{name}”.",
                f"Could not collect long-term validation data (OCSP/CRL) for signature {name!r}: {exc}",
                code="validation_data_unavailable", details={"field": name, "reason": str(exc)},
            ) from None
        pdf_bytes = output.getvalue()
    return pdf_bytes


def add_document_timestamp(pdf_bytes: bytes, key_source: KeySource | None, services: SigningServices) -> bytes:
    """Append an RFC 3161 document timestamp (with the TSA's own validation data in the DSS)."""
    timestamper = services.make_timestamper()
    if timestamper is None:
        raise TimestampUnavailableError(
            "Chưa cấu hình máy chủ cấp dấu thời gian (TSA) cho mức B-LTA.",
            "No timestamp authority configured for B-LTA.", code="no_tsa")
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    other = key_source.chain if key_source is not None else []
    output = BytesIO()
    try:
        signers.PdfTimeStamper(timestamper).timestamp_pdf(
            writer, "sha256", validation_context=_context(services, other), output=output,
            bytes_reserved=12288,
        )
    except SigningError:
        raise
    except (TimestampRequestError, requests.RequestException, OSError) as exc:
        raise TimestampUnavailableError(
            "Không kết nối được máy chủ cấp dấu thời gian (TSA) để đóng dấu thời gian tài liệu.",
            f"The timestamp authority could not be reached for the document timestamp: {exc}",
            details={"tsa_url": services.tsa_url, "reason": str(exc)}) from None
    except Exception as exc:  # noqa: BLE001 - PDF or TSA-answer problems: nothing was written
        raise SigningFailedError(
            "Không đóng được dấu thời gian tài liệu (B-LTA).",
            f"The document timestamp could not be added: {type(exc).__name__}: {exc}",
            code="document_timestamp_failed", details={"reason": str(exc)[:300]}) from None
    return output.getvalue()


def extend_to_lta(pdf_bytes: bytes, services: SigningServices, level: SignatureLevel = SignatureLevel.B_LTA) -> bytes:
    """Bring an already-signed PDF to B-LTA (or only B-LT): validation data for every signature, then
    (B-LTA) a document timestamp. The signed bytes are kept: everything is an incremental update."""
    if level not in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
        raise ValueError(f"extension goes to B-LT or B-LTA, not {level.value}")
    writer = open_for_signing(pdf_bytes, services.max_document_bytes)
    if not writer.prev.embedded_regular_signatures:
        raise InvalidDocumentError("Tài liệu chưa có chữ ký nào để gia hạn.",
                                   "The document has no signature to extend.", code="not_signed")
    if level == SignatureLevel.B_LTA and services.make_timestamper() is None:  # fail before any network work
        raise TimestampUnavailableError(
            "Chưa cấu hình máy chủ cấp dấu thời gian (TSA) cho mức B-LTA.",
            "No timestamp authority configured for B-LTA.", code="no_tsa")
    extended = add_validation_data_for_all(pdf_bytes, None, services)
    return add_document_timestamp(extended, None, services) if level == SignatureLevel.B_LTA else extended

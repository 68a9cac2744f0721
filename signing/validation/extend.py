"""Long-term archiving: extend already-signed PDFs to PAdES B-LTA without touching their signatures.

Adds, in incremental updates, the validation data (certificates, CRLs/OCSP responses that can be
fetched now) of every signature to the DSS, then a document timestamp over all of it. Later
validations then find a proof of existence for each signature and the revocation data from then.
"""

from __future__ import annotations

import asyncio
import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import async_add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from signing.trust import TrustStore, default_trust_store
from signing.validation.errors import ValidationInputError


def extend_to_lta(pdf: bytes, *, tsa_url: str | None = None, timestamper: TimeStamper | None = None,
                  trust_store: TrustStore | None = None, fetch_timeout: float = 5.0) -> bytes:
    """Return ``pdf`` with DSS validation data for each signature and a document timestamp appended."""
    return asyncio.run(async_extend_to_lta(pdf, tsa_url=tsa_url, timestamper=timestamper,
                                           trust_store=trust_store, fetch_timeout=fetch_timeout))


async def async_extend_to_lta(pdf: bytes, *, tsa_url: str | None = None, timestamper: TimeStamper | None = None,
                              trust_store: TrustStore | None = None, fetch_timeout: float = 5.0) -> bytes:
    if timestamper is None:
        if not tsa_url:
            raise ValidationInputError("Cần địa chỉ máy chủ dấu thời gian (TSA).", "A timestamp authority URL is needed.",
                                       code="tsa_missing")
        timestamper = HTTPTimeStamper(tsa_url, timeout=int(fetch_timeout) or 1)
    store = trust_store if trust_store is not None else default_trust_store()

    def context() -> ValidationContext:
        return ValidationContext(
            trust_roots=store.anchor_certificates(), other_certs=store.helper_certificates(),
            allow_fetching=True, fetcher_backend=RequestsFetcherBackend(per_request_timeout=fetch_timeout),
            revocation_mode="soft-fail")

    current = pdf
    try:
        count = len(PdfFileReader(io.BytesIO(current), strict=False).embedded_regular_signatures)
        if count == 0:
            raise ValidationInputError("Tệp PDF chưa có chữ ký nào để gia hạn.", "The PDF has no signature to extend.",
                                       code="no_signature")
        for index in range(count):
            reader = PdfFileReader(io.BytesIO(current), strict=False)
            signature = reader.embedded_regular_signatures[index]
            out = io.BytesIO()
            await async_add_validation_info(signature, context(), output=out)
            current = out.getvalue()
        out = io.BytesIO()
        writer = IncrementalPdfFileWriter(io.BytesIO(current), strict=False)
        await PdfTimeStamper(timestamper).async_timestamp_pdf(writer, "sha256", validation_context=context(),
                                                              output=out)
    except ValidationInputError:
        raise
    except Exception as exc:  # noqa: BLE001 - network, TSA and PDF errors all mean "not extended"
        raise ValidationInputError("Không gia hạn được chữ ký lên PAdES B-LTA.",
                                   "Could not extend the signatures to PAdES B-LTA.",
                                   code="extend_failed", details={"reason": str(exc)[:300]}) from exc
    return out.getvalue()

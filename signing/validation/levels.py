"""Which PAdES baseline level a signature reaches (ETSI EN 319 142-1): B-B, B-T, B-LT, B-LTA.

Structural reading, not a verdict: a level is reported even when the signature does not validate.
Signatures with the legacy ``adbe.pkcs7.detached`` sub-filter are plain CMS, not PAdES (None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing.validation.report import TimestampReport

if TYPE_CHECKING:
    from signing.validation.context import RunContext

SIGNING_CERT_ATTRS = {"signing_certificate", "signing_certificate_v2"}


def pades_level(sig: EmbeddedPdfSignature, timestamp: TimestampReport | None, covered_by_doc_ts: bool,
                ctx: RunContext) -> str | None:
    if str(sig.sig_object.get("/SubFilter")) != "/ETSI.CAdES.detached":
        return None
    attrs = {a["type"].native for a in sig.signer_info["signed_attrs"] or []}
    if not attrs & SIGNING_CERT_ATTRS:
        return None
    level = "B-B"
    if (timestamp is not None and timestamp.intact) or covered_by_doc_ts:
        level = "B-T"
    else:
        return level
    has_lt_data = bool(ctx.document_revinfo.crls or ctx.document_revinfo.ocsps) or bool(ctx.document_certs)
    if not has_lt_data:
        return level
    level = "B-LT"
    if any(p.revision > sig.signed_revision for p in ctx.document_poes) and _doc_ts_after_dss(sig, ctx):
        level = "B-LTA"
    return level


def _doc_ts_after_dss(sig: EmbeddedPdfSignature, ctx: RunContext) -> bool:
    """B-LTA needs a document timestamp over the validation data: the DSS must predate the timestamp."""
    introduced = dss_introduced_revision(sig)
    return introduced is not None and any(p.revision >= introduced for p in ctx.document_poes)


def dss_introduced_revision(sig: EmbeddedPdfSignature) -> int | None:
    reader = sig.reader
    try:
        dss_ref = reader.root.raw_get("/DSS")
        return reader.xrefs.get_introducing_revision(dss_ref.reference)
    except (KeyError, AttributeError):
        return None

"""Turning certificates and chains into report lines."""

from __future__ import annotations

from asn1crypto import x509

from signing.trust.certificates import summarise
from signing.validation.chain import ChainOutcome
from signing.validation.report import CertificateLine, ChainReport


def signer_name(cert: x509.Certificate) -> str:
    """The signer as written in the certificate: its common name, else the whole subject."""
    native = cert.subject.native
    return native.get("common_name") or cert.subject.human_friendly


def key_label(cert: x509.Certificate) -> str:
    algo = cert.public_key.algorithm
    kind = "ec" if algo == "ec" else algo
    return f"{kind}-{cert.public_key.bit_size}"


def chain_report(outcome: ChainOutcome) -> ChainReport | None:
    if not outcome.path or outcome.anchor is None:
        return None
    lines = []
    for cert in outcome.path:
        summary = summarise(cert)
        lines.append(CertificateLine(summary.subject, summary.sha256, summary.not_before, summary.not_after))
    anchor = outcome.anchor
    return ChainReport(
        certificates=lines, anchor_subject=anchor.summary.subject, anchor_sha256=anchor.fingerprint,
        hierarchy=anchor.hierarchy, hierarchy_vi=anchor.hierarchy_label("vi"),
        hierarchy_en=anchor.hierarchy_label("en"), validated_at=outcome.moment,
    )

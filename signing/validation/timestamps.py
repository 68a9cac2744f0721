"""Is a signature timestamp a proof of existence (POE)? Its token must verify and its TSA be trusted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, x509
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.status import TimestampSignatureStatus

from signing.validation import chain as chain_mod
from signing.validation.context import RunContext
from signing.validation.describe import chain_report, signer_name
from signing.validation.report import TimestampReport

TSA_EKU = {"time_stamping"}


@dataclass
class TimestampOutcome:
    report: TimestampReport
    poe: datetime | None = None
    unconfirmed_poe: datetime | None = None  # TSA trusted except that its revocation could not be checked
    problem: str | None = None


def token_certificates(signer_info: cms.SignerInfo) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for signed_data in extract_tst_data_iter(signer_info, signed=False):
        certs.extend(c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate")
    return certs


async def evaluate_timestamp(status: TimestampSignatureStatus, embedded: list[x509.Certificate],
                             ctx: RunContext, covered_revision: int) -> TimestampOutcome:
    tsa = status.signing_cert
    report = TimestampReport(time=status.timestamp, authority=signer_name(tsa) if tsa else "?",
                             intact=bool(status.intact and status.valid), trusted=False, chain=None,
                             digest_algorithm=status.md_algorithm)
    outcome = TimestampOutcome(report)
    if not report.intact or tsa is None:
        report.problem = outcome.problem = "TOKEN_INVALID"
        return outcome
    revinfo = ctx.document_revinfo
    now = await ctx.chain(tsa, moment=ctx.at, embedded=embedded, revinfo=revinfo,
                          hard_fail=ctx.policy.strict_revocation, eku=TSA_EKU)
    if now.trusted:
        report.trusted, report.chain, outcome.poe = True, chain_report(now), status.timestamp
        return outcome
    outcome.problem = report.problem = now.problem
    if now.problem == chain_mod.REVOCATION_UNAVAILABLE:
        relaxed = await ctx.chain(tsa, moment=ctx.at, embedded=embedded, revinfo=revinfo, hard_fail=False,
                                  eku=TSA_EKU, probe=False)
        if relaxed.trusted:
            report.chain, outcome.unconfirmed_poe = chain_report(relaxed), status.timestamp
            return outcome
    later_poe = ctx.poe_for_revision(covered_revision)
    if later_poe is not None and now.problem != chain_mod.NO_CHAIN:
        past = await ctx.chain(tsa, moment=later_poe, embedded=embedded, revinfo=revinfo,
                               hard_fail=ctx.policy.past_validation_requires_revocation_data, eku=TSA_EKU)
        if past.trusted:
            report.trusted, report.chain, outcome.poe = True, chain_report(past), status.timestamp
            outcome.problem = report.problem = None
    return outcome

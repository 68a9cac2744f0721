"""The verdict for one PDF signature, in the spirit of ETSI EN 319 102-1.

Order of the checks (the first that decides wins, and its rule is named in the report):
structure → integrity → modifications after signing → chain/revocation at the validation time,
or at the proven time (trusted timestamp) for certificates no longer valid now → algorithm cut-offs.
pyHanko gives the cryptographic facts (integrity, timestamp token, difference analysis); trust,
time and policy are decided here.
"""

from __future__ import annotations

from datetime import datetime

from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing.validation import chain as chain_mod
from signing.validation.context import RunContext
from signing.validation.describe import chain_report, key_label, signer_name
from signing.validation.levels import pades_level
from signing.validation.material import merge, signature_revinfo
from signing.validation.modifications import judge_modifications
from signing.validation.report import Indication, RevocationReport, SignatureReport
from signing.validation.rules import rule_text
from signing.validation.timestamps import evaluate_timestamp, token_certificates

FAILED, INDETERMINATE, PASSED = Indication.FAILED, Indication.INDETERMINATE, Indication.PASSED


def _decide(report: SignatureReport, indication: Indication, sub: str | None, rule: str) -> SignatureReport:
    report.indication, report.sub_indication, report.rule = indication, sub, rule
    report.rule_vi, report.rule_en = rule_text(rule)
    return report


def _blank(field_name: str) -> SignatureReport:
    return SignatureReport(field_name=field_name, indication=INDETERMINATE, sub_indication=None,
                           rule="", rule_vi="", rule_en="")


def format_failure(field_name: str, reason: str) -> SignatureReport:
    report = _blank(field_name)
    report.note("FORMAT", "Không đọc được chữ ký (Contents/ByteRange/CMS hỏng).",
                f"Unreadable signature (broken Contents/ByteRange/CMS): {reason[:200]}")
    return _decide(report, FAILED, "FORMAT_FAILURE", "FORMAT")


async def validate_signature(sig: EmbeddedPdfSignature, ctx: RunContext) -> SignatureReport:
    try:
        field_name = str(sig.field_name)
    except Exception:  # a signature dictionary can be broken in many ways
        field_name = "?"
    report = _blank(field_name)
    try:
        signer = sig.signer_cert
        embedded = list(sig.other_embedded_certs)
        report.subfilter = str(sig.sig_object.get("/SubFilter"))
        report.signer, report.signer_dn = signer_name(signer), signer.subject.human_friendly
        report.signer_sha256 = signer.sha256.hex()
        report.key = key_label(signer)
        report.claimed_signing_time = sig.self_reported_timestamp
    except Exception as exc:  # noqa: BLE001 - any parse error of attacker-controlled data is a FORMAT_FAILURE
        report.note("FORMAT", "Không đọc được chữ ký.", f"Unreadable signature: {str(exc)[:200]}")
        return _decide(report, FAILED, "FORMAT_FAILURE", "FORMAT")
    if len(embedded) + 1 > ctx.policy.max_embedded_certificates:
        report.note("LIMITS", f"Chữ ký nhúng {len(embedded) + 1} chứng thư.",
                    f"The signature embeds {len(embedded) + 1} certificates.")
        return _decide(report, INDETERMINATE, "CHAIN_CONSTRAINTS_FAILURE", "LIMITS")
    try:
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=ctx.crypto_only_context(),
            ts_validation_context=ctx.crypto_only_context())
    except Exception as exc:  # noqa: BLE001 - same: malformed ByteRange/Contents/CMS
        report.note("FORMAT", "Cấu trúc chữ ký không hợp lệ.", f"Invalid signature structure: {str(exc)[:200]}")
        return _decide(report, FAILED, "FORMAT_FAILURE", "FORMAT")

    report.intact, report.crypto_valid = status.intact, status.valid
    report.digest_algorithm, report.signature_algorithm = status.md_algorithm, status.pkcs7_signature_mechanism
    if not status.intact:
        return _decide(report, FAILED, "HASH_FAILURE", "INTEGRITY")
    if not status.valid:
        return _decide(report, FAILED, "SIG_CRYPTO_FAILURE", "INTEGRITY")
    report.modifications = judge_modifications(status, ctx.policy)
    if not report.modifications.allowed:
        return _decide(report, FAILED, "MODIFIED_AFTER_SIGNING", "MODIFICATIONS")

    revinfo = merge(ctx.document_revinfo, signature_revinfo(sig))
    poe, unconfirmed_poe = None, None
    if status.timestamp_validity is not None:
        ts = await evaluate_timestamp(status.timestamp_validity, token_certificates(sig.signer_info), ctx,
                                      sig.signed_revision)
        report.timestamp, poe, unconfirmed_poe = ts.report, ts.poe, ts.unconfirmed_poe
        if ts.problem:
            report.note("TIMESTAMP_NOT_TRUSTED", "Dấu thời gian của chữ ký chưa được xác nhận là tin cậy.",
                        f"The signature timestamp is not trusted ({ts.problem}).")
    doc_poe = ctx.poe_for_revision(sig.signed_revision)
    if doc_poe is not None and (poe is None or doc_poe < poe):
        poe = doc_poe if poe is None else poe
    report.proof_of_existence = poe
    report.pades_level = pades_level(sig, report.timestamp, doc_poe is not None, ctx)

    decided = await _decide_chain(report, sig, ctx, embedded, revinfo, poe, unconfirmed_poe)
    _judge_algorithms(report, ctx, poe)
    return decided


async def _decide_chain(report, sig, ctx: RunContext, embedded, revinfo, poe, unconfirmed_poe) -> SignatureReport:
    signer = sig.signer_cert
    sources = chain_mod.declared_revocation_sources(signer)
    now = await ctx.chain(signer, moment=ctx.at, embedded=embedded, revinfo=revinfo,
                          hard_fail=ctx.policy.strict_revocation)
    if now.trusted:
        _record_revocation(report, now, sources)
        report.chain = chain_report(now)
        return _decide(report, PASSED, None, "VALID_AT_VALIDATION_TIME")
    if now.problem == chain_mod.NO_CHAIN:
        report.note("CHAIN", "Không tìm thấy chuỗi tới chứng thư gốc tin cậy.", now.message[:300])
        return _decide(report, INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_TO_ANCHOR")
    if now.problem == chain_mod.WEAK_CERT_ALGORITHM:
        report.note("CERT_ALGORITHM", "Chứng thư trong chuỗi dùng thuật toán yếu.", now.message[:300])
        return _decide(report, INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE", "ALGORITHM_CUTOFF")
    if now.problem == chain_mod.REVOKED:
        report.revocation = RevocationReport("revoked", sources, now.revoked_at, now.message[:300])
        if poe is None or (now.revoked_at is not None and poe >= now.revoked_at):
            claimed = report.claimed_signing_time
            if poe is None and claimed and now.revoked_at and claimed < now.revoked_at:
                return _decide(report, INDETERMINATE, "REVOKED_NO_POE", "REVOKED_NO_POE")
            return _decide(report, FAILED, "REVOKED", "REVOKED")
    if poe is not None and poe < ctx.at:
        return await _past_validation(report, signer, ctx, embedded, revinfo, poe, sources)
    if unconfirmed_poe is not None and now.problem in (chain_mod.EXPIRED, chain_mod.REVOCATION_UNAVAILABLE):
        report.note("TSA_REVOCATION", "Không kiểm tra được tình trạng thu hồi của chứng thư máy chủ dấu thời gian.",
                    "The revocation status of the timestamp authority could not be checked.")
        past = await _past_validation(report, signer, ctx, embedded, revinfo, unconfirmed_poe, sources)
        if past.indication is PASSED:  # would pass, but the time it rests on is not confirmed
            return _decide(report, INDETERMINATE, "NO_REVOCATION_DATA", "REVOCATION_DECLARED_CHECKED")
        return past
    if now.problem == chain_mod.REVOCATION_UNAVAILABLE:
        report.revocation = RevocationReport("unavailable", sources, None, now.message[:300])
        return _decide(report, INDETERMINATE, "NO_REVOCATION_DATA", "REVOCATION_DECLARED_CHECKED")
    if now.problem in (chain_mod.EXPIRED, chain_mod.NOT_YET_VALID):
        await _note_claimed_time(report, signer, ctx, embedded, revinfo)
        sub = "OUT_OF_BOUNDS_NO_POE" if now.problem == chain_mod.EXPIRED else "NOT_YET_VALID"
        return _decide(report, INDETERMINATE, sub, "OUT_OF_BOUNDS_NO_POE")
    report.note("CHAIN", "Lỗi chuỗi chứng thư.", now.message[:300])
    sub = "CHAIN_CONSTRAINTS_FAILURE" if now.problem == chain_mod.CHAIN_CONSTRAINTS else \
        "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    return _decide(report, INDETERMINATE, sub, "CHAIN_TO_ANCHOR")


async def _past_validation(report, signer, ctx: RunContext, embedded, revinfo, poe: datetime,
                           sources) -> SignatureReport:
    strict_past = ctx.policy.past_validation_requires_revocation_data
    past = await ctx.chain(signer, moment=poe, embedded=embedded, revinfo=revinfo, hard_fail=strict_past)
    report.chain = chain_report(past)
    if past.trusted:
        _record_revocation(report, past, sources)
        if not strict_past and sources:
            report.revocation = RevocationReport("not_required", sources, None,
                                                 "lenient policy: no revocation data required at the proven time")
            report.note("PAST_REVOCATION_NOT_REQUIRED",
                        "Chính sách nới lỏng: không yêu cầu dữ liệu thu hồi tại thời điểm đã chứng minh.",
                        "Lenient policy: no revocation data required at the proven time.")
        return _decide(report, PASSED, None, "PAST_VALIDATION_POE")
    if past.problem == chain_mod.REVOKED:
        report.revocation = RevocationReport("revoked", sources, past.revoked_at, past.message[:300])
        return _decide(report, FAILED, "REVOKED", "REVOKED")
    if past.problem == chain_mod.REVOCATION_UNAVAILABLE:
        report.revocation = RevocationReport("unavailable", sources, None, past.message[:300])
        return _decide(report, INDETERMINATE, "NO_REVOCATION_DATA", "PAST_REVOCATION_REQUIRED")
    if past.problem == chain_mod.NO_CHAIN:
        return _decide(report, INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_TO_ANCHOR")
    report.note("CHAIN", "Chứng thư không hợp lệ ngay cả tại thời điểm đã chứng minh.", past.message[:300])
    return _decide(report, INDETERMINATE, "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NO_POE")


def _record_revocation(report: SignatureReport, outcome: chain_mod.ChainOutcome, sources: list[str]) -> None:
    if not sources:
        report.revocation = RevocationReport("none_declared")
        report.note("NO_REVOCATION_SOURCE", "Chứng thư không khai báo nguồn thu hồi nào; chấp nhận, không kiểm tra.",
                    "The certificate names no revocation source; accepted without a check.")
    elif outcome.soft_failures:
        report.revocation = RevocationReport("unavailable", sources, None, "; ".join(outcome.soft_failures)[:300])
        report.note("REVOCATION_UNREACHABLE", "Không truy cập được nguồn thu hồi; chính sách cho phép bỏ qua.",
                    "Revocation source unreachable; the policy lets it pass with this note.")
    else:
        report.revocation = RevocationReport("good", sources)


async def _note_claimed_time(report, signer, ctx: RunContext, embedded, revinfo) -> None:
    """Informational only: would the certificate have been valid at the time the signer *claims*?"""
    claimed = report.claimed_signing_time
    if claimed is None:
        return
    then = await ctx.chain(signer, moment=claimed, embedded=embedded, revinfo=revinfo, hard_fail=False,
                           probe=False)  # only "was it valid then" is reported, not what soft-fail let pass
    if then.trusted:
        report.chain = chain_report(then)
        report.note("VALID_AT_CLAIMED_TIME",
                    f"Chứng thư có hiệu lực tại thời điểm ký tự khai {claimed.isoformat()} (chưa được chứng minh).",
                    f"The certificate was valid at the claimed signing time {claimed.isoformat()} (not proven).")


def _judge_algorithms(report: SignatureReport, ctx: RunContext, poe: datetime | None) -> None:
    moment = poe or ctx.at
    ts = report.timestamp
    if poe is None and ts is not None and ts.intact:
        unproven = [j for j in (ctx.policy.algorithms.judge_digest(report.digest_algorithm or "", ts.time),)
                    if j.acceptable and j.cutoff is not None and j.cutoff <= ctx.at]
        for j in unproven:
            report.note("LEGACY_ALGORITHM_UNPROVEN",
                        f"{j.algorithm}: dấu thời gian (nguyên vẹn, nhưng chưa tin cậy được hôm nay) ghi thời điểm "
                        f"{ts.time.isoformat()}, trước ngày ngừng {j.cutoff.date()}; chưa phải bằng chứng.",
                        f"{j.algorithm}: an intact timestamp (not trusted today) dates the signature "
                        f"{ts.time.isoformat()}, before the {j.cutoff.date()} cut-off; not a proof.")
    table = ctx.policy.algorithms
    judgements = []
    if report.digest_algorithm:
        judgements.append(table.judge_digest(report.digest_algorithm, moment))
    if report.key:
        kind, _, bits = report.key.rpartition("-")
        judgements.append(table.judge_key("rsa" if kind.startswith("rsa") else kind, int(bits), moment))
    report.algorithms = [j.to_dict() for j in judgements]
    for judgement in judgements:
        if judgement.acceptable and judgement.cutoff is not None and judgement.cutoff <= ctx.at:
            report.note("LEGACY_ALGORITHM",
                        f"{judgement.algorithm}: chấp nhận vì chữ ký được chứng minh tồn tại trước "
                        f"{judgement.cutoff.date()} ({judgement.source}).",
                        f"{judgement.algorithm}: accepted because the signature is proven to exist before "
                        f"{judgement.cutoff.date()} ({judgement.source}).")
        if judgement.acceptable or report.indication is FAILED:
            continue
        report.note("ALGORITHM", f"{judgement.algorithm} không còn được chấp nhận ({judgement.source}).",
                    f"{judgement.algorithm} is no longer acceptable ({judgement.source}).")
        if report.indication is PASSED:
            sub = "CRYPTO_CONSTRAINTS_FAILURE" if poe else "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
            _decide(report, INDETERMINATE, sub, "ALGORITHM_CUTOFF")


__all__ = ["validate_signature"]

"""Human-readable reports, Vietnamese first (default) or English."""

from __future__ import annotations

from signing.validation.report import DocumentReport, Indication, SignatureReport
from signing.validation.rules import SUB_INDICATIONS

LABELS = {
    "vi": {"doc": "Tài liệu", "policy": "Chính sách", "at": "Thời điểm kiểm tra", "sig": "Chữ ký",
           "signer": "Người ký", "claimed": "Thời điểm ký (tự khai)", "ts": "Dấu thời gian",
           "trusted": "tin cậy", "untrusted": "chưa tin cậy", "digest": "Thuật toán băm", "level": "Mức PAdES",
           "integrity": "Toàn vẹn", "ok": "nguyên vẹn", "broken": "đã bị thay đổi", "chain": "Chuỗi chứng thư",
           "none": "không có", "revocation": "Thu hồi", "mods": "Thay đổi sau khi ký", "verdict": "Kết luận",
           "rule": "Quy tắc quyết định", "notes": "Ghi chú", "nosig": "Không có chữ ký nào.",
           "poe": "Bằng chứng tồn tại",
           Indication.PASSED: "HỢP LỆ", Indication.INDETERMINATE: "CHƯA XÁC ĐỊNH", Indication.FAILED: "KHÔNG HỢP LỆ"},
    "en": {"doc": "Document", "policy": "Policy", "at": "Validation time", "sig": "Signature",
           "signer": "Signer", "claimed": "Signing time (claimed)", "ts": "Timestamp",
           "trusted": "trusted", "untrusted": "not trusted", "digest": "Digest algorithm", "level": "PAdES level",
           "integrity": "Integrity", "ok": "intact", "broken": "modified", "chain": "Certificate chain",
           "none": "none", "revocation": "Revocation", "mods": "Changes after signing", "verdict": "Verdict",
           "rule": "Deciding rule", "notes": "Notes", "nosig": "No signatures.", "poe": "Proof of existence",
           Indication.PASSED: "PASSED", Indication.INDETERMINATE: "INDETERMINATE", Indication.FAILED: "FAILED"},
}


def render_text(report: DocumentReport, lang: str = "vi") -> str:
    t = LABELS["en" if lang == "en" else "vi"]
    lines = [f"{t['doc']}: sha256 {report.sha256} ({report.size} bytes, {report.revisions} revisions)",
             f"{t['policy']}: {report.policy}    {t['at']}: {report.validation_time.isoformat()}",
             f"{t['verdict']}: {t[report.indication]}"]
    if not report.signatures:
        lines.append(t["nosig"])
    for number, sig in enumerate(report.signatures, 1):
        lines.append("")
        lines.extend(_signature_lines(number, sig, t, lang))
    return "\n".join(lines)


def _signature_lines(number: int, sig: SignatureReport, t: dict, lang: str) -> list[str]:
    sub = ""
    if sig.sub_indication:
        vi, en = SUB_INDICATIONS.get(sig.sub_indication, (sig.sub_indication, sig.sub_indication))
        sub = f" / {sig.sub_indication} ({vi if lang == 'vi' else en})"
    lines = [f"{t['sig']} #{number} [{sig.field_name}]: {t[sig.indication]}{sub}",
             f"  {t['rule']}: {sig.rule}: {sig.rule_vi if lang == 'vi' else sig.rule_en}",
             f"  {t['signer']}: {sig.signer or '?'}",
             f"  {t['claimed']}: {sig.claimed_signing_time.isoformat() if sig.claimed_signing_time else t['none']}"]
    if sig.timestamp:
        state = t["trusted"] if sig.timestamp.trusted else t["untrusted"]
        lines.append(f"  {t['ts']}: {sig.timestamp.time.isoformat()} ({sig.timestamp.authority}; {state})")
    else:
        lines.append(f"  {t['ts']}: {t['none']}")
    if sig.proof_of_existence:
        lines.append(f"  {t['poe']}: {sig.proof_of_existence.isoformat()}")
    lines.append(f"  {t['digest']}: {sig.digest_algorithm or '?'}   {t['level']}: {sig.pades_level or '-'}"
                 f"   ({sig.subfilter or '?'})")
    if sig.intact is not None:
        lines.append(f"  {t['integrity']}: {t['ok'] if sig.intact and sig.crypto_valid else t['broken']}")
    if sig.chain:
        hierarchy = sig.chain.hierarchy_vi if lang == "vi" else sig.chain.hierarchy_en
        lines.append(f"  {t['chain']} ({hierarchy}):")
        lines.extend(f"    - {c.subject}" for c in sig.chain.certificates)
    if sig.revocation:
        lines.append(f"  {t['revocation']}: {sig.revocation.status}")
    if sig.modifications:
        lines.append(f"  {t['mods']}: {sig.modifications.level} ({sig.modifications.coverage})"
                     + (f": {sig.modifications.detail}" if sig.modifications.detail else ""))
    if sig.notes:
        lines.append(f"  {t['notes']}:")
        lines.extend(f"    * {n.vi if lang == 'vi' else n.en}" for n in sig.notes)
    return lines

"""What changed after signing, judged against the policy's list of allowed modification levels.

pyHanko's difference analysis compares the signed revision with the final document object by
object, which is what catches incremental saving and shadow attacks (objects overridden later).
"""

from __future__ import annotations

from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel

from signing.validation.policy import ValidationPolicy
from signing.validation.report import ModificationReport


def judge_modifications(status: PdfSignatureStatus, policy: ValidationPolicy) -> ModificationReport:
    coverage = status.coverage
    level = status.modification_level
    level_name = level.name if level is not None else "UNKNOWN"
    coverage_name = coverage.name if coverage is not None else "UNKNOWN"
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return ModificationReport(coverage_name, "NONE", True)
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return ModificationReport(coverage_name, level_name, False,
                                  "the signed byte range does not cover a complete revision of the file")
    if isinstance(status.diff_result, SuspiciousModification):
        return ModificationReport(coverage_name, level_name, False, str(status.diff_result)[:300])
    if status.docmdp_ok is False:
        return ModificationReport(coverage_name, level_name, False,
                                  "changes exceed the permissions the certifying signature granted (DocMDP)")
    if level_name not in policy.allowed_modifications:
        return ModificationReport(coverage_name, level_name, False,
                                  f"modification level {level_name} is not allowed by policy {policy.name}")
    return ModificationReport(coverage_name, level_name, True)

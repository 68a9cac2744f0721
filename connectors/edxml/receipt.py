"""Everything a receiver needs to decide about an incoming package, in one report.

The application plugs its PDF signature validator in through ``attachment_validator`` (a callable
taking the file name and bytes and returning any report); this package never imports ``signing``,
so the dependency points from ``app`` to both, as the layering rule requires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .attachments import DEFAULT_LIMITS, Limits
from .envelope_signature import SignatureCheck, check_envelope
from .errors import EdxmlError
from .model import DocumentPackage, Package
from .reader import read_package

AttachmentValidator = Callable[[str, bytes], Any]


@dataclass(frozen=True)
class AttachmentReport:
    name: str
    content_type: str
    size: int
    sha256: str
    validation: Any = None
    validation_error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        validation = self.validation
        if hasattr(validation, "to_dict"):
            validation = validation.to_dict()
        return {"name": self.name, "content_type": self.content_type, "size": self.size,
                "sha256": self.sha256, "validation": validation, "validation_error": self.validation_error}


@dataclass(frozen=True)
class ReceiptReport:
    package: Package
    sha256: str
    envelope_signature: SignatureCheck
    attachments: tuple[AttachmentReport, ...] = ()
    findings: tuple = field(default=())

    @property
    def refused_reason(self) -> SignatureCheck | None:
        """Why the package should be refused (status 02), or ``None`` when it can be accepted."""
        return self.envelope_signature if self.envelope_signature.refuses else None


def receive_package(data: bytes, *, limits: Limits = DEFAULT_LIMITS, trusted_certs: Sequence[bytes] = (),
                    attachment_validator: AttachmentValidator | None = None) -> ReceiptReport:
    """Read, check and describe a received package; raises :class:`EdxmlError` if unreadable."""
    package = read_package(data, limits)
    verdicts = None
    if attachment_validator is not None and isinstance(package, DocumentPackage):
        verdicts = [lambda a=a: attachment_validator(a.name, a.data) for a in package.attachments]
    return describe_receipt(data, package, check_envelope(data, trusted_certs), verdicts)


def describe_receipt(data: bytes, package: Package, signature: SignatureCheck,
                     verdicts: Sequence[Callable[[], Any]] | None = None, *, sha256: str = "") -> ReceiptReport:
    """The report for a package already read, with each attachment's verdict taken from ``verdicts``.

    Split from :func:`receive_package` so a receiver can read a package, decide it is new, have its
    attachments validated elsewhere (another process) and collect the verdicts here, one thunk per
    attachment (a future's ``result``). A thunk that raises becomes that attachment's ``validation_error``.
    """
    reports = []
    if isinstance(package, DocumentPackage):
        for index, attachment in enumerate(package.attachments):
            validation, error = None, None
            if verdicts is not None:
                try:
                    validation = verdicts[index]()
                except EdxmlError as exc:
                    error = exc.to_dict()
                except Exception as exc:  # the validator is the app's code; its failure is reported
                    error = {"code": "attachment_validator_failed", "message": "Lỗi khi kiểm tra tệp đính kèm.",
                             "message_en": f"The attachment validator failed: {exc}", "details": type(exc).__name__}
            reports.append(AttachmentReport(attachment.name, attachment.content_type, len(attachment.data),
                                            attachment.sha256, validation, error))
    return ReceiptReport(package=package, sha256=sha256 or hashlib.sha256(data).hexdigest(),
                         envelope_signature=signature, attachments=tuple(reports), findings=package.findings)

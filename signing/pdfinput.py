"""Refuses input that cannot be signed safely, before any work is done.

Why up front: a clear Vietnamese message ("not a PDF", "encrypted", "too large") is more useful
than a stack trace from deep inside the PDF library, and the caller's bytes are never touched.
"""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError

from .errors import InvalidDocumentError


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def open_for_signing(pdf_bytes: bytes, max_bytes: int) -> IncrementalPdfFileWriter:
    """Parse ``pdf_bytes`` for an incremental update, or raise :class:`InvalidDocumentError`."""
    if not isinstance(pdf_bytes, bytes | bytearray | memoryview):
        raise TypeError("pdf_bytes must be bytes")
    size = len(pdf_bytes)
    if size > max_bytes:
        raise InvalidDocumentError(
            f"Tệp quá lớn ({_size_text(size)}); giới hạn là {_size_text(max_bytes)}.",
            f"File too large ({_size_text(size)}); the limit is {_size_text(max_bytes)}.",
            code="document_too_large", details={"size": size, "limit": max_bytes},
        )
    if b"%PDF-" not in bytes(pdf_bytes[:1024]):
        raise InvalidDocumentError(
            "Tệp không phải là tài liệu PDF.", "The file is not a PDF document.",
            code="not_pdf", details={"size": size, "starts_with": bytes(pdf_bytes[:8]).hex()},
        )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(bytes(pdf_bytes)), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InvalidDocumentError(
            "Tệp PDF bị hỏng, không đọc được cấu trúc tài liệu.",
            f"The PDF is broken: its structure cannot be read ({type(exc).__name__}: {exc}).",
            code="broken_pdf", details={"reason": str(exc)},
        ) from None
    if writer.prev.encrypted:
        raise InvalidDocumentError(
            "Tệp PDF đã được mã hóa (có mật khẩu); hãy gỡ mã hóa trước khi ký.",
            "The PDF is encrypted (password protected); remove the encryption before signing.",
            code="encrypted_pdf",
        )
    try:
        writer.root  # noqa: B018 - forces the catalogue to be resolved
        page_count = int(writer.root["/Pages"]["/Count"])
    except Exception as exc:  # noqa: BLE001 - any failure here means the document is unusable
        raise InvalidDocumentError(
            "Tệp PDF bị hỏng: không đọc được danh sách trang.",
            f"The PDF is broken: its page tree cannot be read ({exc}).",
            code="broken_pdf", details={"reason": str(exc)},
        ) from None
    if page_count < 1:
        raise InvalidDocumentError("Tệp PDF không có trang nào.", "The PDF has no pages.", code="broken_pdf")
    return writer


def page_count(writer: IncrementalPdfFileWriter) -> int:
    return int(writer.root["/Pages"]["/Count"])

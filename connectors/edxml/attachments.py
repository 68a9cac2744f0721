"""Attachments: what may travel, in which form, and how big.

Documents go out as the files people sign: PDF and Office files travel as they are, so the
receiver can validate the PDF signature on the very bytes that were signed. Anything else is
zipped first, as the reference SDK does for other files, so that no receiver opens an executable
or an HTML page straight from a package.

The size limits come from the XML parser: with libxml2's safety limits on (``huge_tree=False``),
one text node holds at most 10,000,000 characters, i.e. about 7.4 MB of base64-decoded data.
Larger files would need a streaming reader; until then they are refused with a clear reason.
"""

from __future__ import annotations

import binascii
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from ..base64_codec import b64decode_strict, b64encode
from .errors import EdxmlError
from .model import Attachment

PASS_THROUGH_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".zip": "application/zip",
}


@dataclass(frozen=True)
class Limits:
    """Size limits applied when building and when reading packages."""

    max_attachment_bytes: int = 7_000_000
    max_package_bytes: int = 40_000_000
    max_attachments: int = 50


DEFAULT_LIMITS = Limits()


def make_attachment(name: str, data: bytes, *, description: str = "", content_id: str = "",
                    limits: Limits = DEFAULT_LIMITS) -> Attachment:
    """Prepare one file for a package: PDF/Office as is, anything else inside a ZIP."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".pdf" and not data.startswith(b"%PDF-"):
        raise EdxmlError("attachment_not_pdf", f"Tệp '{name}' có đuôi .pdf nhưng không phải PDF.",
                         f"File '{name}' is named .pdf but is not a PDF.", {"name": name})
    if suffix in PASS_THROUGH_TYPES:
        attachment = Attachment(name=name, content_type=PASS_THROUGH_TYPES[suffix], data=data,
                                content_id=content_id, description=description or name)
    else:
        attachment = Attachment(name=f"{name}.zip", content_type="application/zip",
                                data=_zip_one(name, data), content_id=content_id,
                                description=description or name)
    check_attachment_size(attachment.name, len(attachment.data), limits)
    return attachment


def _zip_one(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(PurePath(name).name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
    return buffer.getvalue()


def check_attachment_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_attachment_bytes:
        raise EdxmlError(
            "attachment_too_large",
            f"Tệp đính kèm '{name}' quá lớn ({size} byte, tối đa {limits.max_attachment_bytes}).",
            f"Attachment '{name}' is too large ({size} bytes, limit {limits.max_attachment_bytes}).",
            {"name": name, "size": size, "limit": limits.max_attachment_bytes},
        )


def check_package_size(size: int, limits: Limits) -> None:
    if size > limits.max_package_bytes:
        raise EdxmlError(
            "package_too_large",
            f"Gói tin quá lớn ({size} byte, tối đa {limits.max_package_bytes}).",
            f"The package is too large ({size} bytes, limit {limits.max_package_bytes}).",
            {"size": size, "limit": limits.max_package_bytes},
        )


def decode_base64(name: str, text: str, limits: Limits) -> bytes | None:
    """Decode an attachment's base64; ``None`` when it is not base64 at all (a template left in).

    The size is checked from the encoded length first, so an oversized attachment is refused
    before its content is decoded into memory.
    """
    if len(text) * 3 // 4 <= limits.max_attachment_bytes:
        # Within the limit even counting every character: the check below cannot refuse. Decoded as it
        # is, base64 without whitespace (what we and most systems write) is taken at once: the strict
        # decoder accepts only the base64 alphabet, so an accepted text had nothing to strip, and is
        # what stripping would have given. Splitting and counting 140 KB cost ~170 us; this ~10 us.
        try:
            return b64decode_strict(text)
        except (binascii.Error, ValueError):
            pass  # whitespace (line-wrapped base64), or not base64: decided below, as before
    compact = "".join(text.split())
    check_attachment_size(name, len(compact) * 3 // 4 - compact.count("="), limits)
    try:
        return b64decode_strict(compact)
    except (binascii.Error, ValueError):
        return None


def encode_base64(data: bytes) -> str:
    return b64encode(data).decode("ascii")

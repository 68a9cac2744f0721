"""Who issues a document, where and when, and what a rendered document is.

Why separate from the templates: the issuing organisation comes from the installation's settings and
the case, not from the template; templates only decide what the body says.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from .layout import SignatureBox, today_vn


def abbreviation(organisation: str) -> str:
    """Decree 30 style initials of the organisation: "Trường Đại học Cần Thơ" → "ĐHCT"."""
    words = [w for w in organisation.replace("-", " ").split() if w]
    if words and words[0].lower() in ("trường", "viện", "học"):
        words = words[1:] if len(words) > 1 else words
    letters = [w[0] for w in words if w[0].isalpha()]
    return unicodedata.normalize("NFC", "".join(letters).upper()) or "CQ"


@dataclass(frozen=True)
class Issuer:
    """The organisation issuing the document (top-left block, number suffix, place on the date line)."""

    organisation: str = "Trường Đại học Cần Thơ"
    parent_org: str = "Bộ Giáo dục và Đào tạo"
    place: str = "Cần Thơ"
    abbreviation: str = ""

    @property
    def abbr(self) -> str:
        return self.abbreviation or abbreviation(self.organisation)


@dataclass(frozen=True)
class DocumentRequest:
    """What ``issue_document`` asks for: a template, a title, the case's data and its number."""

    template: str
    title: str
    data: dict
    case_id: int
    issuer: Issuer = field(default_factory=Issuer)
    issued_on: dt.date = field(default_factory=today_vn)
    signer_title: str = ""  # authority lines above the signature, "\n"-separated; template default if empty
    recipients: tuple[str, ...] = ()
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # from the procedure's forms


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    file_name: str
    number: str
    pages: int
    signature_page: int  # 1-based: the last page
    signature_box: SignatureBox

"""Generic result documents any procedure can issue: decision, certificate, notice, official letter,
minutes and receipt.

Why generic: most of the 80 procedures end with "the leader signs a decision / notice about this case";
the document names its kind (per Decree 30 Appendix III), carries the procedure's title, and prints
the case's fields, so a new procedure gets a correct signed result without writing a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import DocumentRequest
from .labels import format_value, label, printable_fields
from .layout import DocumentPage


@dataclass(frozen=True)
class Kind:
    heading: str  # the genre name printed as the title ("" for an official letter)
    symbol: str  # abbreviation in the number ("QĐ" in 12/QĐ-ĐHCT)
    intro: str  # the sentence before the fields; {org} is the issuing organisation
    default_authority: str


KINDS: dict[str, Kind] = {
    "decision": Kind("QUYẾT ĐỊNH", "QĐ", "QUYẾT ĐỊNH:", "HIỆU TRƯỞNG"),
    "certificate": Kind("GIẤY CHỨNG NHẬN", "GCN", "{org} chứng nhận:", "HIỆU TRƯỞNG"),
    "notice": Kind("THÔNG BÁO", "TB", "{org} thông báo:", "TL. HIỆU TRƯỞNG\nTRƯỞNG ĐƠN VỊ"),
    "official_letter": Kind("", "", "{org} trả lời như sau:", "TL. HIỆU TRƯỞNG\nTRƯỞNG ĐƠN VỊ"),
    "minutes": Kind("BIÊN BẢN", "BB", "Nội dung ghi nhận:", "CHỦ TRÌ"),
    "receipt": Kind("GIẤY BIÊN NHẬN", "GBN", "{org} đã tiếp nhận hồ sơ:", "NGƯỜI TIẾP NHẬN"),
}


def number_for(template: str, case_id: int, org_abbr: str) -> str:
    kind = KINDS.get(template)
    if template == "transcript":
        return f"{case_id}/BĐ-{org_abbr}"
    if kind is None or not kind.symbol:
        return f"{case_id}/{org_abbr}"
    return f"{case_id}/{kind.symbol}-{org_abbr}"


def _subject(title: str, heading: str) -> str:
    """"Quyết định thành lập Hội đồng" under the heading QUYẾT ĐỊNH reads "Về việc thành lập Hội đồng"."""
    text = title.strip()
    if heading and text.lower().startswith(heading.lower()):
        rest = text[len(heading):].strip(" :-")
        return f"Về việc {rest}" if rest else ""
    return text


def render_administrative(page: DocumentPage, request: DocumentRequest) -> str:
    """Draw the body of a generic document; returns the authority lines for the signature block."""
    kind = KINDS[request.template]
    org = request.issuer.organisation
    if kind.heading:
        page.document_title(kind.heading, _subject(request.title, kind.heading))
    else:  # an official letter: "V/v" subject line, then the addressee
        page.paragraph(f"V/v {request.title}", "I", 12, align="L")
        page.ln(6)
        addressee = request.data.get("full_name") or request.data.get("unit") or ""
        if addressee:
            page.paragraph(f"Kính gửi: {addressee}", "B", 13, align="C")
            page.ln(6)
    if request.template == "decision":
        page.paragraph(f"{kind.default_authority} {org.upper()}", "B", 13, align="C")
        page.ln(4)
    page.paragraph(kind.intro.format(org=org), "B" if request.template == "decision" else "", 13,
                   align="C" if request.template == "decision" else "J")
    page.ln(4)
    rows = [(label(k, extra=request.labels), text) for k, v in printable_fields(request.data)
            if (text := format_value(v))]
    if request.template == "decision":
        subject = _subject(request.title, kind.heading).removeprefix("Về việc ").strip() or request.title
        page.paragraph(f"Điều 1. {subject[:1].upper()}{subject[1:]}, với các thông tin sau:", size=13)
        page.field_rows(rows)
        page.paragraph("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.", size=13)
        page.paragraph("Điều 3. Các đơn vị, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.", size=13)
    else:
        page.field_rows(rows)
    return request.signer_title or kind.default_authority


def template_names() -> list[str]:
    return sorted(KINDS)


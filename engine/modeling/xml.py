"""Parsing uploaded BPMN bytes without trusting them.

The parser never resolves entities, never loads a DTD, never touches the network, and any document
carrying a DOCTYPE is refused outright: BPMN has no use for one, and it is the door for external
entity (XXE) reads and entity-expansion bombs. Bytes are parsed as bytes, so the XML declaration (not
the server's locale) decides the encoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .problems import Problem, problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# The same markers as other encodings would write them (the XML declaration may pick UTF-16/32).
_WIDE_MARKERS = tuple(marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY")
                      for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))


def _parser() -> etree.XMLParser:
    # A fresh parser per document: lxml parsers keep state and are not thread-safe.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False, collect_ids=False)


@dataclass
class BpmnDocument:
    """One parsed ``.bpmn`` file of a package, with an index of its elements by id."""

    path: str
    root: etree._Element
    by_id: dict[str, etree._Element] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for element in self.root.iter():
            if isinstance(element.tag, str):
                element_id = element.get("id")
                if element_id and element_id not in self.by_id:
                    self.by_id[element_id] = element

    def processes(self) -> list[etree._Element]:
        return self.root.findall(f"{{{BPMN_NS}}}process")


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def is_bpmn(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and element.tag.startswith(f"{{{BPMN_NS}}}")


def bpmn_tag(name: str) -> str:
    return f"{{{BPMN_NS}}}{name}"


def line_of(element: etree._Element | None) -> int | None:
    return element.sourceline if element is not None else None


def parse_bpmn(path: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> BpmnDocument | Problem:
    """Parse one BPMN file, or return the problem that stops it being read at all."""
    if len(data) > max_bytes:
        return problem("file_too_large", f"Tệp có {len(data):,} byte, vượt giới hạn {max_bytes:,} byte.",
                       f"The file is {len(data):,} bytes, above the {max_bytes:,}-byte limit.", file=path)
    match = _DOCTYPE.search(data)
    if match:
        return _doctype_problem(path, data[:match.start()].count(b"\n") + 1)
    if any(marker in data for marker in _WIDE_MARKERS):
        return _doctype_problem(path, None)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        return problem("xml_malformed", f"XML không hợp lệ (dòng {line}): {exc.msg}",
                       f"Malformed XML (line {line}): {exc.msg}", file=path, line=line)
    except ValueError as exc:  # e.g. an encoding lxml cannot use
        return problem("xml_malformed", f"Không đọc được XML: {exc}", f"Cannot read the XML: {exc}", file=path)
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        # Belt and braces: any encoding the scans above missed.
        return _doctype_problem(path, None)
    if root.tag != bpmn_tag("definitions"):
        return problem("not_bpmn", f"Phần tử gốc là <{root.tag}>, không phải bpmn:definitions (BPMN 2.0).",
                       f"The root element is <{root.tag}>, not bpmn:definitions (BPMN 2.0).",
                       file=path, line=root.sourceline)
    return BpmnDocument(path, root)


def _doctype_problem(path: str, line: int | None) -> Problem:
    return problem("xml_doctype_forbidden",
                   "Tệp BPMN không được chứa DOCTYPE/ENTITY (chặn tấn công thực thể ngoài XXE và "
                   "bom mở rộng thực thể).",
                   "BPMN files may not contain a DOCTYPE or ENTITY declaration (blocks external-entity "
                   "reads and entity-expansion bombs).", file=path, line=line)

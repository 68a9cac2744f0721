"""Hostile or oversized packages are refused with a reason, before they can cost anything."""

from __future__ import annotations

import base64

import pytest

from connectors.edxml import EdxmlError, Limits, make_attachment, read_package

from .conftest import FIXTURES

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>
<Subject>&lol9;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>
<From><OrganId>&xxe;</OrganId></From><To><OrganId>G03</OrganId></To></MessageHeader></edXMLHeader>
</edXMLEnvelope></edXML>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, BILLION_LAUGHS.replace(b"DOCTYPE", b"doctype")],
                         ids=["billion-laughs", "xxe", "lowercase-doctype"])
def test_entity_attacks_are_refused_with_reason(payload):
    with pytest.raises(EdxmlError) as caught:
        read_package(payload)
    assert caught.value.code == "xml_doctype_forbidden"
    assert "DOCTYPE" in caught.value.message_vi and "DOCTYPE" in caught.value.message_en


def test_byte_scan_refuses_a_declaration_the_parser_would_never_see():
    # only the scan of the bytes refuses this one: in a comment, the parser drops it and sees no DTD
    data = (FIXTURES / "edoc_new.edxml").read_bytes().replace(b"?>", b"?>\n<!-- <!  Entity x -->", 1)
    with pytest.raises(EdxmlError) as caught:
        read_package(data)
    assert caught.value.code == "xml_doctype_forbidden"


def test_exclamation_marks_alone_are_read():
    data = (FIXTURES / "edoc_new.edxml").read_bytes()
    subject = read_package(data).header.subject
    marked = data.replace(subject.encode(), (subject + " <!-- ! -->!").encode(), 1)
    assert read_package(marked).header.subject == subject + " !"


def test_xxe_in_utf16_is_still_refused():
    with pytest.raises(EdxmlError) as caught:
        read_package(XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
                     .decode("ascii").encode("utf-16"))
    assert caught.value.code in ("xml_doctype_forbidden", "xml_malformed")


def test_truncated_package_is_refused_not_repaired():
    data = (FIXTURES / "edoc_new.edxml").read_bytes()
    with pytest.raises(EdxmlError) as caught:
        read_package(data[: len(data) // 2])
    assert caught.value.code == "xml_malformed"


def test_not_edxml_is_refused():
    with pytest.raises(EdxmlError) as caught:
        read_package(b"<html><body>hello</body></html>")
    assert caught.value.code == "not_edxml"


def test_package_size_limit_is_checked_before_parsing():
    data = (FIXTURES / "edoc_new.edxml").read_bytes()
    with pytest.raises(EdxmlError) as caught:
        read_package(data, Limits(max_package_bytes=100_000))
    assert caught.value.code == "package_too_large"
    assert caught.value.details == {"size": len(data), "limit": 100_000}


def test_attachment_size_limit_on_read():
    with pytest.raises(EdxmlError) as caught:
        read_package((FIXTURES / "edoc_new.edxml").read_bytes(), Limits(max_attachment_bytes=200_000))
    assert caught.value.code == "attachment_too_large"
    assert caught.value.details["name"] == "1896_QD-TTg_m_294779.doc"


def test_attachment_size_limit_on_build():
    with pytest.raises(EdxmlError) as caught:
        make_attachment("big.pdf", b"%PDF-1.7\n" + b"0" * 5000, limits=Limits(max_attachment_bytes=1000))
    assert caught.value.code == "attachment_too_large"


def test_text_node_beyond_parser_limit_is_refused():
    template = (FIXTURES / "edoc_zip_attachment.edxml").read_bytes()
    start = template.index(b'QCVN_102_2016">UEsD') + len(b'QCVN_102_2016">')
    end = template.index(b"</edXML:ContentTransferEncoded>")
    huge = base64.b64encode(b"\0" * 8_000_000)
    with pytest.raises(EdxmlError) as caught:
        read_package(template[:start] + huge + template[end:], Limits(max_attachment_bytes=20_000_000))
    assert caught.value.code == "xml_too_large"


def test_unknown_status_code_is_refused():
    data = (FIXTURES / "status_finish_06.edxml").read_bytes().replace(b">06<", b">99<")
    with pytest.raises(EdxmlError) as caught:
        read_package(data)
    assert caught.value.code == "status_code_unknown"

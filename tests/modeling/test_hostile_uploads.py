"""Uploads built to hurt: each is refused with its own message, quickly, without side effects."""

from __future__ import annotations

import http.server
import io
import threading
import time
import zipfile

import pytest

from engine.errors import ModelRejected
from engine.modeling import PackageLimits, load_model, read_package

from .builders import SETTINGS, document, package, process, simple_process


def _refusal(source, **kwargs) -> ModelRejected:
    with pytest.raises(ModelRejected) as caught:
        load_model(source, **kwargs)
    error = caught.value
    assert error.message_vi and error.message_en
    for found in error.details:
        assert found.code and found.message_vi and found.message_en
    return error


def _codes(error: ModelRejected) -> list[str]:
    return [p.code for p in error.details]


def test_malformed_xml_names_the_line():
    broken = document().replace("</bpmn:userTask>", "</bpmn:userTsk>", 1)
    error = _refusal(package(bpmn=broken))
    first = error.details[0]
    assert first.code == "xml_malformed"
    assert first.file == "QT99.bpmn"
    assert first.line == broken[:broken.index("</bpmn:userTsk>")].count("\n") + 1
    assert "userTsk" in first.message_en


def test_external_entity_reading_a_local_file_is_refused():
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
           + document().split("\n", 1)[1].replace('name="Kiểm tra hồ sơ"', 'name="&secret;"'))
    error = _refusal(package(bpmn=xxe))
    assert _codes(error) == ["xml_doctype_forbidden"]
    assert error.details[0].line == 2
    assert "root:" not in str(error.to_dict())


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        body = b'<!ENTITY leak "leaked">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_external_dtd_on_the_network_is_never_fetched():
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/evil.dtd"
        hostile = (f'<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "{url}">\n'
                   + document().split("\n", 1)[1])
        error = _refusal(package(bpmn=hostile))
        assert _codes(error) == ["xml_doctype_forbidden"]
        hidden = (f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d SYSTEM "{url}">\n'
                  + document().split("\n", 1)[1]).encode("utf-16")
        error = _refusal(package(extra={"QT99.bpmn": hidden}))
        assert _codes(error) == ["xml_doctype_forbidden"]
    finally:
        server.shutdown()
        server.server_close()
    assert _CountingHandler.hits == []


def test_billion_laughs_is_refused_fast():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?>\n<!DOCTYPE d [{entities}]>\n' + document().split("\n", 1)[1].replace(
        'name="Kiểm tra hồ sơ"', 'name="&lol9;"')
    started = time.perf_counter()
    error = _refusal(package(bpmn=bomb))
    assert time.perf_counter() - started < 1.0
    assert _codes(error) == ["xml_doctype_forbidden"]


def test_oversize_file_is_refused_before_parsing():
    big = document().replace("<bpmn:process", "<!--" + "x" * (5 * 1024 * 1024) + "-->\n  <bpmn:process", 1)
    error = _refusal(package(bpmn=big))
    assert _codes(error) == ["file_too_large"]
    assert "5,242,880" in error.details[0].message_en
    error = _refusal(package(), max_file_bytes=2000)
    assert "file_too_large" in _codes(error)


def test_file_with_no_executable_process_is_vacuous():
    error = _refusal({"vacuous.bpmn": document(simple_process("a", "false"), simple_process("b", None)).encode()})
    assert _codes(error) == ["no_executable_process"]
    message = error.details[0].message_en
    assert "'a' has isExecutable=\"false\"" in message and "'b' has no isExecutable attribute" in message
    assert "nothing to run" in message


@pytest.mark.parametrize(("snippet", "element", "name"), [
    ('<bpmn:complexGateway id="cg"/>', "cg", "complexGateway"),
    ('<bpmn:adHocSubProcess id="adhoc"><bpmn:task id="inner"/></bpmn:adHocSubProcess>', "adhoc", "adHocSubProcess"),
    ('<bpmn:dataStoreReference id="ds_ref"/>', "ds_ref", "dataStoreReference"),
    ('<bpmn:intermediateCatchEvent id="cond"><bpmn:conditionalEventDefinition id="cd">'
     '<bpmn:condition>x</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>',
     "cd", "conditionalEventDefinition"),
    ('<bpmn:boundaryEvent id="comp" attachedToRef="t"><bpmn:compensateEventDefinition id="cmp"/></bpmn:boundaryEvent>',
     "cmp", "compensateEventDefinition"),
    ('<bpmn:businessRuleTask id="rules"/>', "rules", "businessRuleTask"),
])
def test_unsupported_element_is_refused_by_name_and_id(snippet, element, name):
    body = """
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="s_t" sourceRef="s" targetRef="t"/>
    <bpmn:task id="t"/>
    <bpmn:sequenceFlow id="t_e" sourceRef="t" targetRef="e"/>
    <bpmn:endEvent id="e"/>
    """ + snippet
    error = _refusal({"m.bpmn": document(process(body, process_id="m")).encode()})
    found = [p for p in error.details if p.code == "unsupported_element"]
    assert found and found[0].element_id == element
    assert f"bpmn:{name}" in found[0].message_en and found[0].line


def test_root_level_choreography_and_data_store_are_refused():
    extra = '  <bpmn:dataStore id="store" name="Kho"/>\n  <bpmn:choreography id="chor"/>\n'
    error = _refusal({"m.bpmn": document(simple_process("m"), root_extra=extra).encode()})
    assert [(p.code, p.element_id) for p in error.details] == [
        ("unsupported_element", "store"), ("unsupported_element", "chor")]


def test_lane_without_role_is_refused():
    settings = dict(SETTINGS, lanes={"Người học": {"role": "applicant"}})
    error = _refusal(package(settings=settings))
    assert [(p.code, p.element_id) for p in error.details] == [("lane_without_role", "lane_clerk")]
    assert "Chuyên viên" in error.details[0].message_vi


@pytest.mark.parametrize(("old", "new", "element_id"), [
    ('review_decision == "approve"', "__import__('os').system('id')", "f_ok"),
    ('review_decision == "approve"', "().__class__.__base__.__subclasses__()", "f_ok"),
    ("value=\"'applicant'\"", "value=\"open('/etc/passwd').read()\"", "notify_applicant"),
    ("<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">P5D",
     "<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">'{0.__class__}'.format(1)", "reminder"),
    ('<bpmn:userTask id="review" name="Kiểm tra hồ sơ">\n      <bpmn:extensionElements>',
     '<bpmn:userTask id="review" name="Kiểm tra hồ sơ">\n      <bpmn:extensionElements>'
     "<spiffworkflow:preScript>import subprocess</spiffworkflow:preScript>", "review"),
    ('<bpmn:userTask id="review" name="Kiểm tra hồ sơ">\n      <bpmn:extensionElements>',
     '<bpmn:userTask id="review" name="Kiểm tra hồ sơ">\n      <bpmn:extensionElements>'
     "<spiffworkflow:postScript>x = [c for c in ().__class__.__mro__]</spiffworkflow:postScript>", "review"),
])
def test_unsafe_code_anywhere_is_refused_at_deploy(old, new, element_id):
    hostile = document().replace(old, new)
    assert hostile != document()
    error = _refusal(package(bpmn=hostile), known_operators={"notify"})
    assert [(p.code, p.element_id) for p in error.details] == [("unsafe_script", element_id)]
    assert error.details[0].line == hostile[:hostile.index(new) + len(new)].count("\n") + 1


def test_unsafe_correlation_expression_is_refused():
    extra = """  <bpmn:message id="paid" name="payment_confirmed"/>
  <bpmn:correlationProperty id="case_key" name="case_key">
    <bpmn:correlationPropertyRetrievalExpression messageRef="paid">
      <bpmn:formalExpression>open('/etc/shadow').read()</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
"""
    error = _refusal({"m.bpmn": document(simple_process("m"), root_extra=extra).encode()})
    assert [(p.code, p.element_id) for p in error.details] == [("unsafe_script", "case_key")]


def test_unsafe_script_task_points_at_the_line_inside_the_script():
    body = """
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="s_t" sourceRef="s" targetRef="calc"/>
    <bpmn:scriptTask id="calc"><bpmn:script>a = 1
b = a + 1
import os</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="t_e" sourceRef="calc" targetRef="e"/>
    <bpmn:endEvent id="e"/>
    """
    text = document(process(body, process_id="m"))
    error = _refusal({"m.bpmn": text.encode()})
    found = error.details[0]
    assert (found.code, found.element_id) == ("unsafe_script", "calc")
    assert found.line == text[:text.index("import os")].count("\n") + 1
    assert "import" in found.message_vi


def test_not_a_bpmn_document():
    error = _refusal({"x.bpmn": b"<html><body>hello</body></html>"})
    assert _codes(error) == ["not_bpmn"]


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["../evil.bpmn", "/etc/cron.d/evil.bpmn", "a/../../evil.bpmn", "C:\\evil.bpmn"])
def test_zip_entries_escaping_the_package_are_refused(name):
    error = _refusal({"upload.zip": _zip({name: document().encode()})})
    assert _codes(error) == ["package_unsafe_path"]


def test_zip_bomb_is_refused_before_decompression():
    bomb = _zip({"QT99.bpmn": b"\0" * (4 * 1024 * 1024)})
    assert len(bomb) < 10_000
    error = _refusal(bomb)
    assert _codes(error) == ["package_zip_bomb"]


def test_zip_member_larger_than_the_limit_is_refused():
    error = _refusal(_zip({"QT99.bpmn": b" " * 3000}, zipfile.ZIP_STORED),
                     package_limits=PackageLimits(max_file_bytes=2000))
    assert _codes(error) == ["file_too_large"]


def test_zip_with_too_many_files_is_refused():
    error = _refusal(_zip({f"forms/f{i}.json": b"{}" for i in range(5)}),
                     package_limits=PackageLimits(max_files=4))
    assert _codes(error) == ["package_too_many_files"]


def test_zip_symlink_member_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("QT99.bpmn")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    error = _refusal(buffer.getvalue())
    assert _codes(error) == ["package_symlink"]


def test_corrupt_zip_is_refused():
    error = _refusal({"upload.zip": b"PK\x03\x04 definitely not a zip"})
    assert _codes(error) == ["package_bad_zip"]


def test_good_zip_with_a_top_folder_loads():
    archive = _zip({f"QT99/{name}": data for name, data in package().items()})
    assert read_package(archive).files.keys() == package().keys()
    assert load_model(archive, known_operators={"notify"}).code == "QT99"

"""The hub answers without Werkzeug's Request/Response objects what it answered with them.

Each case compares the raw WSGI exchange (status line, headers, body) with what ``Response(body,
status=..., content_type=...)`` makes of the hub's own status and body, and the way the hub reads the
path, method, content length and body with what ``Request`` reads, on ordinary and hostile environs.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from datetime import date
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import get_content_length, get_input_stream

from connectors.axis import AxisClient, AxisHub, HubStore, protocol
from connectors.axis.hub import CONTENT_TYPE, operation_and_method, status_line
from connectors.edxml import (
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    make_attachment,
)

SENDER = ("ctu", "000.21.36.H13", "secret-ctu")
RECEIVER = ("vpcp", "000.00.00.G22", "secret-vpcp")


def _environ(path: str, method: str = "POST", headers: dict[str, str] | None = None, body: bytes = b"",
             content_length: str | None = "auto", **extra: Any) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False, **extra}
    if content_length == "auto":
        environ["CONTENT_LENGTH"] = str(len(body))
    elif content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _exchange(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    started: list[Any] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: started.append((status, headers))))
    return started[0][0], list(started[0][1]), body


def _as_werkzeug_sent_it(environ: dict[str, Any], status: int, body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    return _exchange(Response(body, status=status, content_type=CONTENT_TYPE), environ)


@pytest.fixture
def hub(tmp_path) -> Any:
    store = HubStore(tmp_path / "hub.db")
    app = AxisHub(store)
    app.register(*SENDER)
    app.register(*RECEIVER)
    yield app
    store.close()


def _package() -> bytes:
    return build_document(MessageHeader(from_=Organization(SENDER[1], "ĐHCT"), to=(Organization(RECEIVER[1], "VPCP"),),
                                        code=Code("1", "ĐHCT-VP"), subject="Thử",
                                        promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14))), [])


def _signed(client: AxisClient, params: dict[str, str], content_type: str = "application/json") -> dict[str, str]:
    return client._headers(params, content_type)


def test_every_answer_is_framed_as_werkzeug_framed_it(hub) -> None:
    sender = AxisClient("http://hub", *SENDER[::2], SENDER[1])
    receiver = AxisClient("http://hub", *RECEIVER[::2], RECEIVER[1])
    package = _package()
    send_headers = _signed(sender, {"messagetype": "edoc", "hash-file": protocol.file_hash(package)},
                           "application/octet-stream")
    cases = [
        _environ("/sendEdoc", headers=send_headers, body=package),
        _environ("/sendEdoc", headers=send_headers, body=package),  # a verbatim replay: 401
        _environ("/sendEdoc", headers=_signed(sender, {"messagetype": "edoc", "hash-file": "00"}), body=package),
        _environ("/sendEdoc", headers=_signed(sender, {"messagetype": "edoc", "hash-file": protocol.file_hash(b"<x")}),
                 body=b"<x"),  # malformed XML: 400 with the reader's reason
        _environ("/getReceivedEdocList", headers=_signed(receiver, {"messagetype": "edoc"})),
        _environ("/getEdoc", headers=_signed(receiver, {"docId": "nope"})),  # 404
        _environ("/updateStatus", headers=_signed(receiver, {"docId": "nope", "status": "odd"})),
        _environ("/getAgenciesList", method="GET", headers=_signed(receiver, {})),
        _environ("/getAgenciesList", method="HEAD", headers=_signed(receiver, {})),  # 405, headers only
        _environ("/nothing"), _environ(""), _environ("/sendEdoc/"), _environ("/sendEdoc", method="PUT"),
        _environ("/getEdoc"),  # unsigned: 401
    ]
    not_allowed = protocol.dumps(protocol.fail("method_not_allowed", "Phương thức không được hỗ trợ.",
                                               "Method not allowed."))
    seen, bodies = set(), []
    for environ in cases:
        status, headers, body = _exchange(hub, environ)
        code = int(status.split()[0])
        seen.add(code)
        bodies.append(body)
        full_body = not_allowed if environ["REQUEST_METHOD"] == "HEAD" else body
        assert (status, headers, body) == _as_werkzeug_sent_it(environ, code, full_body)
    assert seen == {200, 400, 401, 404, 405}
    assert bodies[8] == b""
    assert [json.loads(body)["ErrorCode"] for body in bodies[1:4]] == ["auth_replay", "hash_file_mismatch",
                                                                       "xml_malformed"]
    doc_id = json.loads(bodies[4])["data"][0]["docId"]
    environ = _environ("/getEdoc", headers=_signed(receiver, {"docId": doc_id}))
    status, headers, body = _exchange(hub, environ)
    assert (status, headers, body) == _as_werkzeug_sent_it(environ, 200, body)
    assert base64.b64decode(json.loads(body)["data"]) == package


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 405, 409, 413, 500, 503, 599])
def test_status_lines_are_werkzeugs(status: int) -> None:
    assert status_line(status) == Response(status=status).status


@pytest.mark.parametrize("path", [
    "/sendEdoc", "sendEdoc", "//sendEdoc", "/api/v1/getEdoc/", "/getEdoc//", "", "/", "/x/y/z",
    "/caf\u00c3\u00a9", "/\u00ff\u00fe", "/send%45doc", "/getEdoc\u0000", "/ getEdoc "])
@pytest.mark.parametrize("method", ["POST", "post", "GET", "HEAD", "PUT", "", None])
def test_path_and_method_are_read_as_werkzeug_reads_them(path: str, method: str | None) -> None:
    environ = _environ(path)
    if method is None:
        del environ["REQUEST_METHOD"]
    else:
        environ["REQUEST_METHOD"] = method
    request = Request(environ)
    assert operation_and_method(environ) == (request.path.rstrip("/").rsplit("/", 1)[-1], request.method)


@pytest.mark.parametrize(("content_length", "extra"), [
    ("auto", {}), (None, {}), ("5", {}), ("-3", {}), ("abc", {}), ("99", {}), ("+7", {}), (" 7", {}),
    ("7", {"HTTP_TRANSFER_ENCODING": "chunked"}), ("auto", {"wsgi.input_terminated": True}),
    (None, {"wsgi.input_terminated": True}), ("3", {"wsgi.input_terminated": True}),
])
def test_the_body_and_its_length_are_read_as_werkzeug_reads_them(content_length: str | None, extra: dict) -> None:
    body = b"0123456789" * 3

    def environ() -> dict[str, Any]:
        return _environ("/sendEdoc", body=body, content_length=content_length, **extra)

    request = Request(environ())
    expected_length = request.content_length
    try:
        expected: object = request.get_data(cache=False)
    except Exception as exc:  # noqa: BLE001 - whichever error Werkzeug raises, the hub's read raises it too
        expected = type(exc)
    fresh = environ()
    assert get_content_length(fresh) == expected_length
    try:
        got: object = get_input_stream(fresh).read()
    except Exception as exc:  # noqa: BLE001
        got = type(exc)
    assert got == expected


def test_a_large_answer_goes_through_the_file_wrapper_with_the_same_bytes(hub) -> None:
    from waitress.buffers import ReadOnlyFileBasedBuffer

    from connectors.axis.hub import LARGE_ANSWER

    sender = AxisClient("http://hub", *SENDER[::2], SENDER[1])
    receiver = AxisClient("http://hub", *RECEIVER[::2], RECEIVER[1])
    package = build_document(MessageHeader(from_=Organization(SENDER[1], "ĐHCT"), to=(Organization(RECEIVER[1], "VPCP"),),
                                           code=Code("2", "ĐHCT-VP"), subject="Lớn",
                                           promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14))),
                             [make_attachment("lon.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 400)])
    headers = _signed(sender, {"messagetype": "edoc", "hash-file": protocol.file_hash(package)}, "application/octet-stream")
    _, _, sent = _exchange(hub, _environ("/sendEdoc", headers=headers, body=package))
    doc_id = json.loads(sent)["DocId"]
    wrapped = _environ("/getEdoc", headers=_signed(receiver, {"docId": doc_id}), **{"wsgi.file_wrapper": ReadOnlyFileBasedBuffer})
    started: list[Any] = []
    answer = hub(wrapped, lambda status, headers, exc_info=None: started.append((status, headers)))
    assert isinstance(answer, ReadOnlyFileBasedBuffer)
    body = b"".join(answer)
    assert len(body) > LARGE_ANSWER
    assert (started[0][0], started[0][1], body) == _as_werkzeug_sent_it(wrapped, 200, body)
    assert base64.b64decode(json.loads(body)["data"]) == package
    small = _environ("/getReceivedEdocList", headers=_signed(receiver, {"messagetype": "edoc"}),
                     **{"wsgi.file_wrapper": ReadOnlyFileBasedBuffer})
    assert isinstance(hub(small, lambda *args: None), list)

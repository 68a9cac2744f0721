"""The direct transport reads an answer as ``http.client.HTTPResponse`` reads it.

:class:`connectors.axis.transport._Response` builds the header block's ``HTTPMessage`` directly when
every line is a plain ``Name: value``; the cases below (ordinary answers, and every kind of line
that makes the e-mail parser do something else) compare everything the response then holds with
what http.client's own ``HTTPResponse`` holds for the same bytes: status, reason, version, framing,
every attribute of the message, the body, and the same exception when it refuses the answer.
"""

from __future__ import annotations

import gzip
import http.client
import io
import random
from typing import Any

import pytest

from connectors.axis.transport import _Response

WAITRESS = [b"Connection: keep-alive", b"Content-Length: %d", b"Content-Type: application/json; charset=utf-8",
            b"Date: Mon, 14 Apr 2025 08:00:00 GMT", b"Server: quytrinh-axis-hub"]
BODY = '{"status":"OK","ErrorCode":"0","ErrorDesc":"Thành công / Success"}'.encode()

ODD_LINES = [
    b"X-Folded: first", b" continued", b"\tcontinued by a tab", b"No colon here", b"From someone@example", b": empty name",
    b"X-Spaces:    padded   ", b"X-Tab:\tvalue", b"X-Latin: caf\xe9", b"X-Nel: a\x85b", b"X-Vt: a\x0bb", b"X-Ff: a\x0cb",
    b"X-Fs: a\x1cb", b"X-Cr: a\rb", b"X-Empty:", b"X-Colons: a:b:c", b"Name With Space: x", b"X-Nul: a\x00b",
    b"Content-Type: multipart/mixed; boundary=zz", b"Content-Type: message/rfc822", b"content-type: MESSAGE/delivery-status",
    b"Content-Type: text/plain", b"Content-Encoding: gzip", b"Transfer-Encoding: chunked", b"Connection: close",
    b"Content-Length: -5", b"Content-Length: x", b"Content-Length: 3", b"Keep-Alive: timeout=5", b"X-Dup: 1", b"X-Dup: 2",
    b"x-dup: 3", b"X-\xffName: v", b"X-Trailing-Cr: v\r",
]


class _Socket:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(io.BytesIO(self.data))  # type: ignore[arg-type]


def _message(message: Any) -> Any:
    """Every attribute of an ``HTTPMessage`` (defects by kind, nested messages recursively)."""
    if isinstance(message, list):
        return [_message(m) for m in message]
    if not isinstance(message, http.client.HTTPMessage) and not hasattr(message, "_headers"):
        return message
    state = dict(vars(message))
    state["defects"] = [type(d).__name__ for d in state["defects"]]
    state["_payload"] = _message(state["_payload"])
    return state


def _read(response_class: type, data: bytes, method: str = "POST") -> Any:
    response = response_class(_Socket(data), method=method)
    try:
        response.begin()
    except Exception as exc:  # noqa: BLE001 - the refusal itself is what is compared
        return ("refused", type(exc), str(exc))
    state = {name: getattr(response, name) for name in ("status", "reason", "version", "will_close", "length",
                                                        "chunked")}
    state["headers"] = _message(response.headers)
    state["encoding"] = response.getheader("Content-Encoding")
    try:
        state["body"] = response.read()
    except Exception as exc:  # noqa: BLE001
        state["body"] = ("refused", type(exc), str(exc))
    state["left"] = response.fp.read() if response.fp is not None else None
    return state


def _answer(status: bytes, lines: list[bytes], body: bytes = BODY, eol: bytes = b"\r\n", end: bytes = b"\r\n") -> bytes:
    head = [status] + [line % len(body) if b"%d" in line else line for line in lines]
    return eol.join(head) + eol + end + body


def _same(data: bytes, method: str = "POST") -> None:
    assert _read(_Response, data, method) == _read(http.client.HTTPResponse, data, method)


@pytest.mark.parametrize("status", [b"HTTP/1.1 200 OK", b"HTTP/1.1 401 UNAUTHORIZED", b"HTTP/1.0 200 OK",
                                    b"HTTP/1.1 204 No Content", b"HTTP/1.1 500  Internal  ", b"HTTP/2 200 OK",
                                    b"garbage", b"HTTP/1.1 99 Low", b"HTTP/1.1 200"])
def test_ordinary_answers_are_read_as_http_client_reads_them(status: bytes) -> None:
    _same(_answer(status, WAITRESS))
    _same(_answer(status, WAITRESS), method="HEAD")


@pytest.mark.parametrize("odd", ODD_LINES)
def test_each_odd_header_line_is_read_as_http_client_reads_it(odd: bytes) -> None:
    for at in (0, 2, len(WAITRESS)):
        _same(_answer(b"HTTP/1.1 200 OK", WAITRESS[:at] + [odd] + WAITRESS[at:]))


def test_framing_variants_are_read_as_http_client_reads_them() -> None:
    chunked = b"5\r\nhello\r\n0\r\n\r\n"
    _same(_answer(b"HTTP/1.1 200 OK", [b"Transfer-Encoding: chunked", b"Content-Type: text/plain"], chunked))
    _same(_answer(b"HTTP/1.1 200 OK", WAITRESS, eol=b"\n", end=b"\n"))  # LF-only lines
    _same(_answer(b"HTTP/1.1 200 OK", WAITRESS, end=b""))  # the answer stops before the blank line
    _same(_answer(b"HTTP/1.1 100 Continue", []) + _answer(b"HTTP/1.1 200 OK", WAITRESS))
    _same(_answer(b"HTTP/1.1 200 OK", WAITRESS[:1] + [b"Content-Encoding: gzip"] + WAITRESS[1:], gzip.compress(BODY)))
    _same(_answer(b"HTTP/1.1 200 OK", [b"X-Long: " + b"a" * 70_000] + WAITRESS))
    _same(_answer(b"HTTP/1.1 200 OK", [b"X-Many-%03d: v" % i for i in range(120)]))
    _same(_answer(b"HTTP/1.1 200 OK", WAITRESS, body=BODY[:10]))  # shorter than its Content-Length


def test_random_mixtures_of_lines_are_read_as_http_client_reads_them() -> None:
    rng = random.Random(20250414)
    pool = WAITRESS + ODD_LINES
    for _ in range(600):
        lines = [rng.choice(pool) for _ in range(rng.randint(0, 9))]
        _same(_answer(rng.choice([b"HTTP/1.1 200 OK", b"HTTP/1.0 404 Not Found"]), lines))


def test_plain_header_lines_do_not_go_through_the_e_mail_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.axis import transport

    monkeypatch.setattr(transport.email.parser, "Parser", None)  # would fail if called
    state = _read(_Response, _answer(b"HTTP/1.1 200 OK", WAITRESS))
    assert state["headers"]["_headers"][1] == ("Content-Length", str(len(BODY))) and state["body"] == BODY

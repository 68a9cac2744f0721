"""The direct transport writes the request head http.client's putrequest/putheader/endheaders wrote.

Compared byte for byte with http.client itself (an unconnected HTTPConnection that keeps what it would
send), on several endpoints and on header names and values putheader refuses or encodes oddly.
"""

from __future__ import annotations

import http.client

import pytest

from connectors.axis.transport import DirectTransport, _Capture, _ordered, header_lines


def _by_http_client(host: str, port: int, path: str, headers: list[tuple[str, str]], body: bytes) -> object:
    """What the transport sent before: putrequest, putheader for each header, endheaders(body)."""
    connection = _Capture(host, port)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders(body)
    except (ValueError, http.client.HTTPException) as exc:
        return (type(exc), str(exc))
    return connection.sent


def _by_transport(transport: DirectTransport, operation: str, headers: list[tuple[str, str]], body: bytes) -> object:
    try:
        return transport._request_line(operation) + header_lines(headers) + body
    except (ValueError, http.client.HTTPException) as exc:
        return (type(exc), str(exc))


@pytest.mark.parametrize("endpoint", [
    "http://127.0.0.1:8080", "http://127.0.0.1", "http://localhost:80/axis/", "http://[::1]:9000/x y/",
    "http://hub.example:81/a%20b", "http://127.0.0.1:5000/dịch-vụ"])
def test_the_request_line_and_host_are_http_clients(endpoint: str) -> None:
    transport = DirectTransport(endpoint, (1.0, 1.0))
    headers = _ordered({"XroadVnpt-systemid": "ctu", "Content-Type": "application/json"}, 3)
    for operation in ("sendEdoc", "getEdoc", "sendEdoc"):  # the second sendEdoc from the kept line
        expected = _by_http_client(transport.host, transport.port, f"{transport._base}/{operation}", headers, b"abc")
        assert _by_transport(transport, operation, headers, b"abc") == expected


@pytest.mark.parametrize("headers", [
    [("XroadVnpt-docId", "abc"), ("Accept", "application/json")],
    [("XroadVnpt-docId", "a\r\nX-Injected: 1")],
    [("XroadVnpt-docId", "a\nb")], [("XroadVnpt-docId", "a\rb")], [("XroadVnpt-docId", "a\r\n b")],
    [("XroadVnpt-docId", "a\n\tb")], [("XroadVnpt-docId", "a\r\tb")], [("XroadVnpt-docId", "")],
    [("XroadVnpt-docId", "caf\u00e9")], [("XroadVnpt-docId", "vi\u1ec7t")], [("XroadVnpt-docId", " lead")],
    [("Bad Name", "x")], [("Bad:Name", "x")], [(":x", "x")], [("", "x")], [("t\u00ean", "x")],
    [("X-Tab\tName", "x")], [("X\x00", "x")], [("XroadVnpt-sign-header", '{"a":"\\u1ec7"}')],
])
def test_header_lines_are_encoded_and_refused_as_putheader_does(headers: list[tuple[str, str]]) -> None:
    transport = DirectTransport("http://127.0.0.1:8080", (1.0, 1.0))
    expected = _by_http_client("127.0.0.1", 8080, "/updateStatus", headers, b"")
    got = _by_transport(transport, "updateStatus", headers, b"")
    assert got == expected

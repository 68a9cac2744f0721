"""The axis client's direct transport: the same bytes on the wire as requests, kept alive, robust."""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from connectors.axis import AxisClient, AxisUnavailable
from connectors.axis.transport import DirectTransport, SessionTransport

OK = b'{"status":"OK","ErrorCode":"0","DocId":"d-1","data":[]}'


class RawServer:
    """A loopback HTTP/1.1 server that records every request's exact bytes and answers ``reply(n)``."""

    def __init__(self, reply: Callable[[int], bytes] | None = None, *, close_after: int | None = None) -> None:
        self.requests: list[bytes] = []
        self.connections = 0
        self.reply = reply or (lambda n: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                         b"Content-Length: %d\r\n\r\n%s" % (len(OK), OK))
        self.close_after = close_after  # requests answered per connection before the server closes it
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        buffer, answered = b"", 0
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, rest = buffer.partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
                buffer = rest[length:]
                answer = self.reply(len(self.requests))
                if answer:
                    conn.sendall(answer)
                answered += 1
                if self.close_after is not None and answered >= self.close_after:
                    return

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server() -> Iterator[RawServer]:
    running = RawServer()
    yield running
    running.close()


def _client(url: str, **options) -> AxisClient:
    return AxisClient(url, "ctu-qlvb", "secret-ctu", "000.21.36.H13", timestamp=lambda: "14032025T101500+0042",
                      sleep=lambda _: None, **options)


def test_direct_requests_are_byte_identical_to_what_requests_sent(server: RawServer) -> None:
    direct = _client(server.url)
    assert isinstance(direct.transport, DirectTransport)
    via_requests = _client(server.url, session=requests.Session())
    assert isinstance(via_requests.transport, SessionTransport)
    package = b"<edXML>" + bytes(range(256)) * 400 + b"</edXML>"
    for client in (direct, via_requests):
        client.update_status("d-1", "done")
        client.send_edoc(package)
        client.list_received("status")
    ours, theirs = server.requests[:3], server.requests[3:]
    assert len(theirs) == 3
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine == reference
    assert ours[1].endswith(package) and b"\r\nContent-Length: %d\r\n" % len(package) in ours[1]
    assert b"\r\nContent-Length: 0\r\n\r\n" in ours[0] and b"XroadVnpt-hash-header: " in ours[0]


def test_one_connection_is_kept_alive_across_calls(server: RawServer) -> None:
    client = _client(server.url)
    for _ in range(5):
        client.list_received()
    assert len(server.requests) == 5 and server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced_without_a_retry() -> None:
    running = RawServer(close_after=1)
    try:
        client = _client(running.url)
        client.list_received()
        for _ in range(20):  # until the server's close has reached us
            threading.Event().wait(0.01)
        assert client.list_received() == [] and client.attempts_made == 1
        assert running.connections == 2
    finally:
        running.close()


def test_a_gzipped_answer_is_decoded_as_requests_would() -> None:
    body = gzip.compress(OK)
    running = RawServer(lambda n: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    try:
        assert _client(running.url).send_edoc(b"<edXML/>") == "d-1"
    finally:
        running.close()


def test_no_answer_within_the_read_timeout_is_retried_then_unavailable() -> None:
    running = RawServer(lambda n: b"")  # reads the request, never answers
    try:
        client = _client(running.url, max_attempts=2, timeout=(1.0, 0.2))
        with pytest.raises(AxisUnavailable) as caught:
            client.list_received()
        assert client.attempts_made == 2 and len(running.requests) == 2
        assert caught.value.details["last"].startswith("ReadTimeout")
    finally:
        running.close()


def test_a_server_error_is_retried_on_the_kept_alive_connection() -> None:
    def reply(n: int) -> bytes:
        if n == 1:
            return b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK)

    running = RawServer(reply)
    try:
        client = _client(running.url)
        assert client.send_edoc(b"<edXML/>") == "d-1"
        assert client.attempts_made == 2 and running.connections == 1
    finally:
        running.close()


def test_https_or_a_proxy_from_the_environment_goes_through_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(_client("https://truc.gov.vn/api").transport, SessionTransport)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert isinstance(_client("http://10.0.0.5:8080").transport, SessionTransport)
    monkeypatch.setenv("NO_PROXY", "10.0.0.5")
    assert isinstance(_client("http://10.0.0.5:8080").transport, DirectTransport)


@pytest.mark.parametrize("content", [
    b'{"status":"OK","ErrorCode":"0","ErrorDesc":"Th\xc3\xa0nh c\xc3\xb4ng","data":"UERGLTEuNAo+Pg=="}',
    b'{"status":"OK","ErrorCode":"0", "data": "UERGLTEuNAo+Pg=="}',
    b'{"status":"OK","ErrorCode":"0","data":"UERGLTEuNAo\\/Pg=="}',
    b'{"status":"OK","ErrorCode":"0","data":"UERG\\u004cTEuNAo+Pg=="}',
    b'{"status":"OK","note":",\\"data\\":\\"x","data":"UEs="}',
    b'{"status":"OK","nested":{"a":1,"data":"QQ=="}}',
    b'{"status":"OK","list":[1,"data":"QQ=="}',
    b'{"status":"FAIL","ErrorCode":"doc_not_found","data":"QQ=="}',
    b'{"status":"OK","data":"QQ==","data":"Qg=="}',
    b'{"status":"OK","data":"Q Q=="}',
    b'not json,"data":"QQ=="}',
])
def test_the_base64_answer_shortcut_reads_what_json_reads(content: bytes) -> None:
    import base64

    from connectors.axis import AxisError
    from connectors.axis.client import _answer_with_data
    from connectors.axis.transport import Reply

    def outcome(read):  # type: ignore[no-untyped-def]
        try:
            answer = read("getEdoc", Reply(200, "OK", content))
        except AxisError as exc:
            return ("error", exc.code)
        data = answer.pop("data", None)
        try:
            decoded = base64.b64decode(data, validate=True) if data is not None else None
        except ValueError:
            decoded = ValueError
        return (answer, decoded)

    assert outcome(_answer_with_data) == outcome(AxisClient._answer)


def test_the_hubs_get_edoc_answer_takes_the_shortcut() -> None:
    from connectors.axis import protocol
    from connectors.axis.client import _answer_with_data
    from connectors.axis.transport import Reply

    content = protocol.ok_with_data(b"UERGLTEuNAo+Pg==")
    answer = _answer_with_data("getEdoc", Reply(200, "OK", content))
    assert answer["data"] == b"UERGLTEuNAo+Pg==", "bytes straight from the answer, not a decoded JSON string"
    assert {k: v for k, v in answer.items() if k != "data"} == protocol.ok()

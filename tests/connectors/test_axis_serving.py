"""The hub's waitress connection (:class:`HubChannel`): the same bytes out, without the loop's idle rounds."""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
import time

import pytest
from waitress.channel import HTTPChannel
from waitress.server import create_server

from connectors.axis.serving import HubChannel, RunningHub, make_hub_server, serve_in_thread


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    """``/big/<n>``: n pseudo-random bytes in one piece; ``/stream/<n>``: the same in 16 KiB chunks."""
    kind, size = environ["PATH_INFO"].strip("/").split("/")
    body = _payload(int(size))
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
    if kind == "stream":
        return (body[i:i + 16_384] for i in range(0, len(body), 16_384))
    return [body]


def _payload(size: int) -> bytes:
    seed = hashlib.sha256(str(size).encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def _serve(app=_app, channel=HubChannel, threads: int = 4, sndbuf: int | None = None,  # type: ignore[no-untyped-def]
           **adjustments) -> RunningHub:
    """``app`` on a waitress server whose connections are ``channel``; ``sndbuf`` sets the accepted
    sockets' send buffer (a small one makes a task's send leave bytes for the loop)."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, asyncore_use_poll=True, **adjustments)
    server.channel_class = channel
    if sndbuf is not None:
        server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return RunningHub(server, thread)


def _slow_get(url: str, path: str, pause: float = 0.0005) -> tuple[int, bytes]:
    """A GET whose answer is read a few KB at a time, with pauses: the server's buffers fill and drain."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        head, first = data.split(b"\r\n\r\n", 1)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        body = bytearray(first)
        while len(body) < length:
            body += sock.recv(16_384)
            time.sleep(pause)
        return int(head.split()[1]), bytes(body)


@pytest.mark.parametrize("kind", ["big", "stream"])
def test_large_answers_reach_a_slow_reader_whole(kind: str) -> None:
    running = _serve()
    try:
        status, body = _slow_get(running.url, f"/{kind}/3000000", pause=0.0001)
        assert status == 200 and body == _payload(3_000_000)
    finally:
        running.stop()


def test_a_task_waiting_at_the_high_watermark_is_drained_by_the_loop() -> None:
    """The task thread waits (outbuf_lock released, not flushing) for the loop to send: no deadlock."""
    running = _serve(outbuf_high_watermark=65_536)
    try:
        status, body = _slow_get(running.url, "/stream/2000000")
        assert status == 200 and body == _payload(2_000_000)
    finally:
        running.stop()


def test_kept_alive_connection_answers_in_order() -> None:
    running = serve_in_thread(_app)
    try:
        host, port = running.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        for size in (10, 300_000, 5, 1_000_000, 0, 70_000):
            connection.request("POST", f"/big/{size}", body=b"x" * 1000)
            answer = connection.getresponse()
            assert answer.status == 200 and answer.read() == _payload(size)
        connection.close()
    finally:
        running.stop()


class _Channel(HubChannel):
    """Holds a task's flush (inside ``send``) until released, counting the loop's handle_write calls."""

    release = threading.Event()
    flushing = threading.Event()
    handle_writes = 0

    def send(self, data, do_close=True):  # type: ignore[no-untyped-def]
        if not do_close and not self.release.is_set():
            self.flushing.set()
            self.release.wait(10)
        return super().send(data, do_close)

    def handle_write(self) -> None:
        type(self).handle_writes += 1
        super().handle_write()


def test_the_loop_leaves_a_flushing_task_alone_and_is_woken_for_what_is_left() -> None:
    running = _serve(channel=_Channel, threads=2, sndbuf=65_536)  # the task's send leaves bytes
    server = running.server
    try:
        host, port = running.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.connect()
        connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65_536)
        connection.request("GET", "/big/5000000")
        assert _Channel.flushing.wait(10)
        for _ in range(50):  # the loop is woken again and again while the task is in its send
            server.pull_trigger()
            time.sleep(0.002)
        assert _Channel.handle_writes == 0
        channel = next(c for c in server._map.values() if isinstance(c, _Channel))
        assert channel.total_outbufs_len and not channel.writable()
        _Channel.release.set()
        answer = connection.getresponse()
        # all of it arrives: what the task's sends left (if anything: the task may also finish it while
        # the client reads), the loop sent; whether the loop had anything left is a race, not asserted
        assert answer.read() == _payload(5_000_000)
        connection.close()
    finally:
        _Channel.release.set()
        running.stop()


def test_closing_is_not_held_back_by_a_flushing_task() -> None:
    channel = HubChannel.__new__(HubChannel)
    channel.total_outbufs_len, channel._task_flushing = 10, True
    assert not channel.writable()
    channel.will_close = True
    assert channel.writable()
    channel.will_close, channel.close_when_flushed = False, True
    assert channel.writable()
    channel._task_flushing = False
    channel.close_when_flushed = False
    assert channel.writable()
    channel.total_outbufs_len = 0
    assert not channel.writable()


# -- HubTask: the header block and a small first piece in one send, the same bytes ---------------------

def _answers_app(environ, start_response):  # type: ignore[no-untyped-def]
    """Answers of every shape waitress distinguishes, chosen by the path."""
    case = environ["PATH_INFO"].strip("/")
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b'{"status":"OK","n":1}'
    headers = [("Content-Type", "application/json")]
    if case == "length":
        start_response("200 OK", headers + [("Content-Length", str(len(body)))])
        return [body]
    if case == "no-length":  # one piece: waitress sets the length itself
        start_response("200 OK", headers)
        return [body]
    if case == "no-length-pieces":  # chunked on HTTP/1.1
        start_response("200 OK", headers)
        return iter([body, b"more", b"", b"end"])
    if case == "excess":  # more than Content-Length: cut, and the connection closed
        start_response("200 OK", headers + [("Content-Length", "5")])
        return [body]
    if case == "short":  # fewer than Content-Length: the connection closed
        start_response("200 OK", headers + [("Content-Length", "500")])
        return [body]
    if case == "no-body":
        start_response("204 No Content", [])
        return [body]
    if case == "empty-first":
        start_response("200 OK", headers + [("Content-Length", str(len(body)))])
        return iter([b"", body[:3], body[3:]])
    if case == "large":
        big = _payload(200_000)
        start_response("200 OK", headers + [("Content-Length", str(len(big)))])
        return [big]
    if case == "close":
        start_response("200 OK", headers + [("Content-Length", str(len(body))), ("Connection", "close")])
        return [body]
    if case == "bytearray":
        start_response("200 OK", headers + [("Content-Length", str(len(body)))])
        return [bytearray(body)]
    raise AssertionError(case)


_CASES = ["length", "no-length", "no-length-pieces", "excess", "short", "no-body", "empty-first", "large",
          "close", "bytearray"]


def _raw_exchange(url: str, requests: list[bytes]) -> bytes:
    """Send the requests on one connection, one after the other; everything the server sent until it
    closes or falls silent, with the Date header's value blanked."""
    host, port = url.removeprefix("http://").split(":")
    received = bytearray()
    with socket.create_connection((host, int(port))) as sock:
        sock.settimeout(0.15)
        for request in requests:
            sock.sendall(request)
            while True:
                try:
                    data = sock.recv(65_536)
                except TimeoutError:
                    break
                if not data:
                    break
                received += data
    import re
    return re.sub(rb"\r\nDate: [^\r]*", b"\r\nDate: -", bytes(received))


@pytest.mark.parametrize("method,version", [("GET", "1.1"), ("HEAD", "1.1"), ("GET", "1.0"), ("POST", "1.1")])
def test_hub_task_answers_are_the_bytes_waitress_sends(method: str, version: str) -> None:
    def plain_server() -> RunningHub:
        server = make_hub_server(_answers_app)
        server.channel_class = HTTPChannel  # waitress' own connection and task
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        return RunningHub(server, thread)

    hub, plain = serve_in_thread(_answers_app), plain_server()
    try:
        for case in _CASES:
            body = b"x" * 300 if method == "POST" else b""
            request = (f"{method} /{case} HTTP/{version}\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                       + ("Connection: keep-alive\r\n" if version == "1.0" else "") + "\r\n").encode() + body
            twice = [request, request]
            assert _raw_exchange(hub.url, twice) == _raw_exchange(plain.url, twice), case
    finally:
        hub.stop()
        plain.stop()


def test_hub_task_sends_the_header_block_with_a_small_answer() -> None:
    sends: list[int] = []

    class Counting(HubChannel):
        def send(self, data, do_close=True):  # type: ignore[no-untyped-def]
            sends.append(len(data))
            return super().send(data, do_close)

    running = _serve(_answers_app, Counting, threads=2)
    try:
        host, port = running.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/length")
        assert connection.getresponse().read() == b'{"status":"OK","n":1}'
        assert len(sends) == 1
        connection.close()
    finally:
        running.stop()

"""How the axis client's POSTs reach the wire: a kept-alive ``http.client`` connection, or requests.

Why not requests for everything: on loopback a ``requests.Session.post`` costs ~0.9 ms of CPU per call
(environment and cookie merging, adapters, urllib3's pool) against ~0.3 ms for ``http.client`` on
the same kept-alive connection, and an exchanged package takes three calls on each side (send; get and
acknowledge). So a plain ``http://`` endpoint with no proxy in the environment is spoken to directly:
one connection per thread and process, checked before reuse the way urllib3 checks its pooled ones
(readable while idle = closed by the server, or garbage: reconnect). The request on the wire is the
one ``requests.Session`` sent, byte for byte: the same request line, the same headers (requests'
defaults ``User-Agent``, ``Accept-Encoding: gzip, deflate``, ``Accept``, ``Connection: keep-alive``
first, ours after, ``Content-Length`` last) in the same order. An answer compressed because of that
``Accept-Encoding`` is decoded as requests would. HTTPS endpoints, or any proxy configured in the
environment, keep going through a ``requests.Session`` (its certificate bundle, proxy and
``NO_PROXY`` handling), as does a caller's own session.

Both raise the same two errors: :class:`TransportTimeout` and :class:`TransportError` (refused, reset,
closed mid-answer, malformed answer), whose text names requests' class for the same failure
(``ConnectTimeout``, ``ReadTimeout``, ``ConnectionError``) so that logs and ``details['last']``
read as before.
"""

from __future__ import annotations

import email.parser
import http.client
import os
import re
import select
import socket
import threading
import urllib.parse
import zlib
from dataclasses import dataclass
from typing import Any

import requests
from requests.utils import get_environ_proxies, requote_uri

# requests' own defaults (requests.utils.default_headers), before the caller's headers, in this order
_DEFAULT_HEADERS = (("User-Agent", None), ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
                    ("Connection", "keep-alive"))


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: what :class:`~.client.AxisClient` reads of it."""

    status_code: int
    reason: str
    content: bytes

    @property
    def ok(self) -> bool:
        return self.status_code < 400


class TransportError(OSError):
    """The request did not get an answer (connection refused, reset, closed early, not HTTP)."""


class TransportTimeout(TransportError):
    """Connecting or waiting for the answer took longer than the client's timeout."""


class Transport:
    """POST ``body`` with ``headers`` to ``{endpoint}/{operation}``; a :class:`Reply` or a Transport* error."""

    def post(self, operation: str, body: bytes, headers: dict[str, str]) -> Reply:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Drop kept-alive connections (the next call opens a new one)."""


def make_transport(endpoint: str, timeout: tuple[float, float],
                   session: requests.Session | None = None) -> Transport:
    """The direct transport for a plain-HTTP endpoint reached without a proxy, else requests."""
    parts = urllib.parse.urlsplit(endpoint)
    if (session is None and parts.scheme == "http" and not parts.username and not parts.password
            and not parts.query and not get_environ_proxies(endpoint)):
        return DirectTransport(endpoint, timeout)
    return SessionTransport(endpoint, timeout, session or requests.Session())


class SessionTransport(Transport):
    """Through a ``requests.Session``: HTTPS, proxies, or a session the caller supplied."""

    def __init__(self, endpoint: str, timeout: tuple[float, float], session: requests.Session) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.session = session

    def post(self, operation: str, body: bytes, headers: dict[str, str]) -> Reply:
        try:
            response = self.session.post(f"{self.endpoint}/{operation}", data=body, headers=headers,
                                         timeout=self.timeout)
        except requests.Timeout as exc:
            raise TransportTimeout(f"{type(exc).__name__}: {exc}") from exc
        except requests.ConnectionError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return Reply(response.status_code, response.reason or "", response.content)

    def close(self) -> None:
        self.session.close()


class _Connection(http.client.HTTPConnection):
    """``timeout`` bounds connecting; ``read_timeout`` then bounds every wait for the answer (requests'
    ``(connect, read)`` pair). ``connect`` sets TCP_NODELAY (Python 3.11 http/client.py), so the body,
    sent after the headers, never waits for a delayed ACK."""

    def __init__(self, host: str, port: int, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self.read_timeout = read_timeout
        self.connect_failed = False

    def connect(self) -> None:
        try:
            super().connect()
        except OSError:
            self.connect_failed = True
            raise
        self.sock.settimeout(self.read_timeout)


class DirectTransport(Transport):
    """One kept-alive ``http.client`` connection per thread and process (see the module docstring)."""

    def __init__(self, endpoint: str, timeout: tuple[float, float]) -> None:
        parts = urllib.parse.urlsplit(endpoint.rstrip("/"))
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 80
        self.connect_timeout, self.read_timeout = timeout
        self._base = requote_uri(parts.path)  # requests quotes the URL's path the same way
        self._local = threading.local()
        self._request_lines: dict[str, bytes] = {}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_local"]  # a connection belongs to one process
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _connection(self) -> _Connection:
        local = self._local
        connection = getattr(local, "connection", None)
        if connection is not None and (local.pid != os.getpid() or _dropped(connection)):
            if local.pid == os.getpid():
                connection.close()
            connection = None
        if connection is None:
            connection = _Connection(self.host, self.port, self.connect_timeout, self.read_timeout)
            local.connection, local.pid = connection, os.getpid()
        return connection

    def post(self, operation: str, body: bytes, headers: dict[str, str]) -> Reply:
        """The request ``http.client`` sent for putrequest/putheader/endheaders, written in one go.

        ``putheader`` encoded and checked each of the ~15 headers through its state machine (~0.1 ms of
        CPU per call, as much as the rest of the request); here the request line and ``Host`` come from
        http.client itself, once per operation (:meth:`_request_line`), and the headers are encoded and
        refused exactly as ``putheader`` encodes and refuses them (:func:`header_lines`). The answer is
        read by http.client's own ``HTTPResponse``, as ``getresponse`` read it, but for its header block
        (:class:`_Response`).
        """
        connection = self._connection()
        try:
            head = self._request_line(operation) + header_lines(_ordered(headers, len(body)))
            connection.send(head)  # connects first if needed, as endheaders did
            if body:  # an empty body was a send() of nothing: a system call that wrote no byte
                connection.send(body)
            response = _Response(connection.sock, method="POST")
            response.begin()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise _transport_error(exc, connection.connect_failed) from exc
        if response.will_close:
            self._drop()
        return Reply(response.status, response.reason or "", _decoded(content, response.getheader("Content-Encoding")))

    def _request_line(self, operation: str) -> bytes:
        """``POST <path> HTTP/1.1`` and ``Host``, as http.client's ``putrequest`` writes them (kept per operation)."""
        line = self._request_lines.get(operation)
        if line is None:
            capture = _Capture(self.host, self.port)
            capture.putrequest("POST", f"{self._base}/{operation}", skip_accept_encoding=True)
            capture.endheaders()
            line = self._request_lines[operation] = capture.sent[:-2]  # without the blank line ending the head
        return line

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            if self._local.pid == os.getpid():
                connection.close()
            self._local.connection = None

    def close(self) -> None:
        self._drop()


class _Capture(http.client.HTTPConnection):
    """An unconnected HTTPConnection that keeps what it would send: http.client's own request line."""

    sent = b""

    def send(self, data: bytes) -> None:  # type: ignore[override]
        self.sent += data


# http.client's checks in putheader (Lib/http/client.py, Python 3.11)
_LEGAL_HEADER_NAME = re.compile(rb"[^:\s][^:\r\n]*").fullmatch
_ILLEGAL_HEADER_VALUE = re.compile(rb"\n(?![ \t])|\r(?![ \t\n])").search
# ``Name: `` for names that passed the check: a client sends the same dozen or so names on every call
_NAME_PREFIXES: dict[str, bytes] = {}


def _name_prefix(name: str) -> bytes:
    prefix = _NAME_PREFIXES.get(name)
    if prefix is None:
        encoded_name = name.encode("ascii")
        if not _LEGAL_HEADER_NAME(encoded_name):
            raise ValueError(f"Invalid header name {encoded_name!r}")
        prefix = encoded_name + b": "
        if len(_NAME_PREFIXES) < 256:  # bounded: names are the caller's
            _NAME_PREFIXES[name] = prefix
    return prefix


def header_lines(headers: list[tuple[str, str]]) -> bytes:
    """``Name: value`` lines and the blank line, as ``putheader`` + ``endheaders`` write them: names in
    ASCII, values in Latin-1, the same ValueError (or UnicodeEncodeError) for a name or value it refuses.

    A name is checked once and kept; a value is searched for an illegal line break only when it holds
    a CR or LF at all (the only characters that pattern can match on).
    """
    lines = []
    for name, value in headers:
        prefix = _NAME_PREFIXES.get(name) if type(name) is str else None
        if prefix is None:
            prefix = _name_prefix(name)
        encoded_value = value.encode("latin-1") if hasattr(value, "encode") else str(value).encode("ascii")
        if (b"\r" in encoded_value or b"\n" in encoded_value) and _ILLEGAL_HEADER_VALUE(encoded_value):
            raise ValueError(f"Invalid header value {encoded_value!r}")
        lines.append(prefix + encoded_value + b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


# A header line the e-mail parser behind http.client.parse_headers reads as exactly ``(name, value)``:
# a name of the characters its header pattern allows (so neither a continuation nor a ``From `` line),
# no lone CR or LF (its line breaks), nor, to be safe, a character str.splitlines would break at.
_PLAIN_HEADER_LINE = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n\x0b\x0c\x1c\x1d\x1e\x85]*)\r\n").fullmatch
# values of Content-Type that make the parser read the (empty) rest as a multipart body or a message
_NESTED_CONTENT = re.compile(r"multipart|message", re.IGNORECASE).search


def parse_headers(fp: Any) -> http.client.HTTPMessage:
    """``http.client.parse_headers(fp)``: the same lines read (``_read_headers``, its limits and errors),
    the same ``HTTPMessage``, built directly when every line is a plain ``Name: value``.

    The e-mail parser cost ~40 us per answer, more than the rest of reading it; for plain lines it
    adds ``(name, value)`` pairs with ``set_raw`` and an empty payload, which is what this does.
    Anything else (continuations, odd characters, a multipart or message Content-Type, no CRLF blank
    line at the end) is handed to the e-mail parser as before.
    """
    lines = http.client._read_headers(fp)
    text = b"".join(lines).decode("iso-8859-1")
    if lines[-1] == b"\r\n":
        pairs = []
        for line in lines[:-1]:
            match = _PLAIN_HEADER_LINE(line.decode("iso-8859-1"))
            if match is None:
                break
            pairs.append(match.groups())
        else:
            if not any(name.lower() == "content-type" and _NESTED_CONTENT(value) for name, value in pairs):
                message = http.client.HTTPMessage()
                for name, value in pairs:
                    message.set_raw(name, value)
                message.set_payload("")
                return message
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)


class _Response(http.client.HTTPResponse):
    """``HTTPResponse`` whose ``begin`` reads the header block with :func:`parse_headers`.

    ``begin`` is Python 3.11's own (Lib/http/client.py), but for that one call;
    ``tests/connectors/test_axis_transport_answers.py`` compares the two on many answers.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            http.client._read_headers(self.fp)  # the header of a 100 Continue, skipped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = parse_headers(self.fp)
        tr_enc = self.headers.get("transfer-encoding")
        if tr_enc and tr_enc.lower() == "chunked":
            self.chunked = True
            self.chunk_left = None
        else:
            self.chunked = False
        self.will_close = self._check_close()
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        else:
            self.length = None
        if (status == http.client.NO_CONTENT or status == http.client.NOT_MODIFIED or 100 <= status < 200
                or self._method == "HEAD"):
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


def _ordered(headers: dict[str, str], length: int) -> list[tuple[str, str]]:
    """requests' header order: its defaults first (replaced in place by ours of the same name, ignoring
    case), then ours in our order, then ``Content-Length``."""
    ours = {name.lower(): (name, value) for name, value in headers.items()}
    out = []
    for name, value in _DEFAULT_HEADERS:
        mine = ours.pop(name.lower(), None)
        if mine is not None:
            out.append(mine)
        elif value is not None:
            out.append((name, value))
        else:
            out.append((name, requests.utils.default_user_agent()))
    out.extend(ours.values())
    out.append(("Content-Length", str(length)))
    return out


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Readable while idle: the server closed the kept-alive connection (or sent something unasked)."""
    sock = connection.sock
    if sock is None:
        return False  # never connected, or closed by http.client: it connects again by itself
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _transport_error(exc: BaseException, connecting: bool) -> TransportError:
    if isinstance(exc, TimeoutError | socket.timeout):
        name = "ConnectTimeout" if connecting else "ReadTimeout"
        return TransportTimeout(f"{name}: {exc}")
    return TransportError(f"ConnectionError: {type(exc).__name__}: {exc}")


def _decoded(content: bytes, encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` gzip/deflate (the ones requests asks for), last applied first."""
    if not encoding or not content:
        return content
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                content = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(content)
            elif coding == "deflate":
                try:
                    content = zlib.decompress(content)
                except zlib.error:  # raw deflate without the zlib header, as some servers send it
                    content = zlib.decompressobj(-zlib.MAX_WBITS).decompress(content)
            else:
                return content  # not one we asked for: handed on as received, as requests does
        except zlib.error as exc:
            raise TransportError(f"ContentDecodingError: {exc}") from exc
    return content

"""A local stand-in for the national axis: the same protocol, served from its own SQLite database.

It refuses what the real axis should refuse: unknown systems and forged HMACs (401), a package
whose ``From`` is not the calling system's agency (403), a body that does not match its signed
``hash-file``, a package our reader refuses (400, with the reader's reason). It routes documents
to every registered agency in ``To`` and statuses to the agency in ``ResponseFor``. A plain WSGI
app (no Flask in ``connectors``), served by waitress (:mod:`.serving`): in-process on a loopback
thread for tests, or by ``quytrinh axis-hub``.

It reads the WSGI environ with Werkzeug's own functions (headers, content length, input stream) but
builds no ``Request``/``Response`` objects: their construction and properties cost about as much as
the HMAC check, three times per exchanged package. The answer is what Werkzeug's ``Response`` sent
(same status line, headers and body; ``tests/connectors/test_axis_hub_wsgi.py`` compares them).
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_content_length, get_input_stream

from connectors.base64_codec import b64encode
from connectors.edxml import DocumentPackage, EdxmlError, read_package

from . import protocol
from .agency import routing_key
from .auth import verify_request
from .errors import AxisAuthError, AxisError
from .hub_store import HubStore, RegisteredSystem

CONTENT_TYPE = "application/json; charset=utf-8"


def status_line(status: int) -> str:
    """Werkzeug's ``Response(status=...).status``: the code and its reason in capitals."""
    return f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}"


_STATUS_LINES = {status: status_line(status) for status in HTTP_STATUS_CODES}


_BODY_HEADERS = frozenset(("CONTENT_TYPE", "CONTENT_LENGTH"))
_HTTP_BODY_HEADERS = frozenset(("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"))
# environ key -> the header name EnvironHeaders.__iter__ gives it; bounded: the names are the clients'
_HEADER_NAMES: dict[str, str] = {}


def _header_name(key: str) -> str:
    """``EnvironHeaders.__iter__``'s name for an environ key: ``HTTP_`` dropped, ``_`` to ``-``, title case."""
    name = _HEADER_NAMES.get(key)
    if name is None:
        name = (key[5:] if key.startswith("HTTP_") else key).replace("_", "-").title()
        if len(_HEADER_NAMES) < 512:
            _HEADER_NAMES[key] = name
    return name


class RequestHeaders:
    """Werkzeug's ``EnvironHeaders`` as :func:`.auth.verify_request` and the hub read it: ``get`` and ``keys``.

    The same look-ups over the same environ (a name upper-cased, ``-`` to ``_``, under ``HTTP_`` but for
    the two body headers; ``keys`` are EnvironHeaders' own, from its own ``__iter__``), without the
    class layers ``Headers.get`` goes through: a request asks for a dozen headers, three times per
    exchanged package.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ

    def get(self, key: str, default: Any = None) -> Any:
        key = key.upper().replace("-", "_")
        return self.environ.get(key if key in _BODY_HEADERS else "HTTP_" + key, default)

    def keys(self) -> list[str]:
        """EnvironHeaders' names, in its order, from its own rule (:func:`_header_name`), each name title-cased
        once per process rather than on every request (a waitress environ holds ~30 keys)."""
        names = []
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in _HTTP_BODY_HEADERS:
                    names.append(_header_name(key))
            elif key in _BODY_HEADERS and value:
                names.append(_header_name(key))
        return names


def operation_and_method(environ: dict[str, Any]) -> tuple[str, str]:
    """The last segment of Werkzeug's ``Request.path`` and its ``Request.method``, read the same way."""
    path = "/" + (environ.get("PATH_INFO") or "").encode("latin1").decode(errors="replace").lstrip("/")
    return path.rstrip("/").rsplit("/", 1)[-1], environ.get("REQUEST_METHOD", "GET").upper()


# Answers above this size (a getEdoc: the package in base64) go out through the server's file wrapper.
LARGE_ANSWER = 65_536


def _answer_body(environ: dict[str, Any], body: bytes) -> Any:
    """The WSGI iterable for ``body``: a large one wrapped by the server's ``wsgi.file_wrapper``.

    Waitress copies a listed chunk into a growing buffer of its own and then reads it back out to send
    it; a file wrapper (over a BytesIO that shares ``body``'s memory) it sends from directly. For a
    ~190 KB getEdoc answer that copy cost ~0.1-0.2 ms of CPU, most of it faulting in fresh pages.
    The bytes sent are the same; a server without a wrapper (or a test) gets the list.
    """
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is not None and len(body) > LARGE_ANSWER:
        return wrapper(io.BytesIO(body))
    return [body]


def _error(code: str, vi: str, en: str, status: int, details: Any = None) -> AxisError:
    return AxisError(code, vi, en, details, http_status=status)


class AxisHub:
    """The WSGI application. ``max_skew=None`` turns the timestamp check off (replaying SDK captures)."""

    def __init__(self, store: HubStore, *, max_skew: timedelta | None = timedelta(minutes=5),
                 max_body_bytes: int = 50_000_000) -> None:
        self.store = store
        self.max_skew = max_skew
        self.max_body_bytes = max_body_bytes
        self._seen: dict[str, float] = {}  # hash-header -> monotonic expiry, against replays
        self._seen_lock = threading.Lock()

    def register(self, system_id: str, agency_code: str, secret: str, name: str = "") -> None:
        self.store.register_system(system_id, agency_code, routing_key(agency_code), secret, name)

    def register_from_file(self, path: str | Path) -> int:
        """Load systems from JSON: ``[{"system_id", "agency_code", "secret", "name"?}, ...]``."""
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
        for entry in entries:
            self.register(entry["system_id"], entry["agency_code"], entry["secret"], entry.get("name", ""))
        return len(entries)

    # -- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        try:
            payload, status = self.dispatch(environ), 200
        except AxisError as exc:
            payload, status = protocol.fail(exc.code, exc.message_vi, exc.message_en, exc.details), exc.http_status
        except EdxmlError as exc:
            payload, status = protocol.fail(exc.code, exc.message_vi, exc.message_en, exc.details), 400
        body = payload if isinstance(payload, bytes) else protocol.dumps(payload)
        start_response(_STATUS_LINES.get(status) or status_line(status),
                       [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
        # as Werkzeug's Response: a HEAD answer carries the headers of the full answer and no body
        if environ.get("REQUEST_METHOD") == "HEAD":
            return []
        return _answer_body(environ, body)

    def dispatch(self, environ: dict[str, Any]) -> dict[str, Any] | bytes:
        operation, method = operation_and_method(environ)
        if operation not in protocol.OPERATIONS:
            raise _error("unknown_operation", f"Không có thao tác '{operation}'.", f"No operation '{operation}'.", 404)
        if method not in ("POST", "GET"):
            raise _error("method_not_allowed", "Phương thức không được hỗ trợ.", "Method not allowed.", 405)
        headers = RequestHeaders(environ)
        callers: list[RegisteredSystem] = []  # the system whose secret verify_request used: looked up once

        def secret_for(system_id: str) -> str | None:
            system = self.store.system(system_id)
            if system is None:
                return None
            callers.append(system)
            return system.secret

        params = verify_request(headers, secret_for, max_skew=self.max_skew)
        self._refuse_replay(headers.get("XroadVnpt-hash-header", ""))
        system = callers[-1]  # verify_request only passes a registered system, whose secret it asked for
        handler = getattr(self, f"_op_{operation}")
        return handler(environ, params, system)

    def _refuse_replay(self, digest: str) -> None:
        """A signed request is valid once: a captured one replayed inside the clock window is refused.

        Only meaningful with the timestamp check on (the window bounds how long digests are kept);
        the client re-signs every retry with a fresh millisecond timestamp, so retries pass.
        """
        if self.max_skew is None:
            return
        now = time.monotonic()
        with self._seen_lock:
            if len(self._seen) > 10_000:
                self._seen = {d: t for d, t in self._seen.items() if t > now}
            if self._seen.get(digest, 0.0) > now:
                raise AxisAuthError("auth_replay", "Yêu cầu đã ký này đã được dùng; không chấp nhận gửi lại nguyên văn.",
                                    "This signed request was already used; a verbatim replay is refused.")
            self._seen[digest] = now + 2 * self.max_skew.total_seconds()

    # -- operations ---------------------------------------------------------------------------

    def _op_sendEdoc(self, environ: dict[str, Any], params: dict[str, str],
                     system: RegisteredSystem) -> dict[str, Any]:
        if (get_content_length(environ) or 0) > self.max_body_bytes:
            raise _error("package_too_large", "Gói tin quá lớn.", "The package is too large.", 413)
        body = get_input_stream(environ).read()  # Werkzeug's Request.get_data(), without the Request
        declared = params.get("hash-file", "")
        digest = hashlib.sha256(body).digest()  # once: checked against hash-file, then the message's key
        if not declared or not protocol.digest_matches_hash(digest, declared):
            raise _error("hash_file_mismatch", "Nội dung gói tin không khớp với hash-file đã ký.",
                         "The body does not match the signed hash-file.", 400)
        message_type = params.get("messagetype", "edoc")
        if message_type not in protocol.MESSAGE_TYPES:
            raise _error("bad_message_type", f"messagetype không hợp lệ: '{message_type}'.",
                         f"Invalid messagetype '{message_type}'.", 400)
        package = read_package(body, decode_attachments=False)  # routing needs the headers only
        is_document = isinstance(package, DocumentPackage)
        if is_document != (message_type == "edoc"):
            raise _error("message_type_mismatch", "Loại gói tin không khớp với messagetype.",
                         "The package kind does not match messagetype.", 400,
                         {"messagetype": message_type, "package": package.kind})
        if routing_key(package.header.from_.organ_id) != system.routing_key:
            raise _error("from_mismatch", "Cơ quan gửi trong gói tin không phải cơ quan của hệ thống gọi.",
                         "The package's From is not the calling system's agency.", 403,
                         {"package_from": package.header.from_.organ_id, "system_agency": system.agency_code})
        recipients = self._recipients(package, params)
        known = self.store.known_routing_keys()
        routed = [r for r in recipients if r in known]
        if not routed:
            raise _error("unknown_recipient", "Không có nơi nhận nào đã đăng ký với trục.",
                         "None of the recipients is registered with the axis.", 400, {"recipients": recipients})
        if is_document:
            header = package.header
            subject, notation, document_id = header.subject, header.code.code_notation, header.document_id
        else:
            subject = package.header.description
            notation, document_id = package.header.status_code.value, package.header.response_for.document_id
        doc_id, created = self.store.store_message(
            sender=system, message_type=message_type, service_type=params.get("servicetype", protocol.SERVICE_TYPE),
            sha256=digest.hex(), document_id=document_id, subject=subject, notation=notation,
            package=body, recipients=routed)
        return protocol.ok(DocId=doc_id, duplicate=not created,
                           unrouted=[r for r in recipients if r not in known])

    @staticmethod
    def _recipients(package, params: dict[str, str]) -> list[str]:
        if params.get("to"):
            try:
                codes = json.loads(params["to"])
            except ValueError:
                codes = params["to"].split(",")
            codes = [c["OrganId"] if isinstance(c, dict) else str(c) for c in codes]
        elif isinstance(package, DocumentPackage):
            codes = [o.organ_id for o in package.header.to]
        else:
            codes = [package.header.response_for.organ_id]
        return list(dict.fromkeys(routing_key(c) for c in codes if c))

    def _op_getReceivedEdocList(self, environ: dict[str, Any], params: dict[str, str],
                                system: RegisteredSystem) -> dict[str, Any]:
        message_type = params.get("messagetype", "edoc")
        return protocol.ok(data=[{
            "docId": doc_id, "serviceType": service_type, "messageType": kind, "from": sender, "to": recipient,
            "status": status, "status_desc": status, "created_time": created, "updated_time": updated,
        } for doc_id, service_type, kind, sender, recipient, status, created, updated
            in self.store.pending_rows(system.routing_key, message_type)])

    def _op_getEdoc(self, environ: dict[str, Any], params: dict[str, str], system: RegisteredSystem) -> bytes:
        doc_id = params.get("docId", "")
        data = self.store.fetch(doc_id, system.routing_key, system.system_id)
        if data is None:
            raise _error("doc_not_found", "Không có văn bản này cho hệ thống của bạn.",
                         "No such document for your system.", 404, {"docId": doc_id})
        return protocol.ok_with_data(b64encode(data))

    def _op_updateStatus(self, environ: dict[str, Any], params: dict[str, str], system: RegisteredSystem) -> dict[str, Any]:
        doc_id, status = params.get("docId", ""), params.get("status", "").lower()
        if status not in protocol.ACK_STATUSES:
            raise _error("bad_status", f"Trạng thái không hợp lệ: '{status}'.",
                         f"Invalid status '{status}' (processing, done, fail).", 400)
        previous = self.store.acknowledge(doc_id, system.routing_key, status, system.system_id)
        if previous is None:
            raise _error("doc_not_found", "Không có văn bản này cho hệ thống của bạn.",
                         "No such document for your system.", 404, {"docId": doc_id})
        if previous == "done" and status != "done":
            raise _error("already_done", "Văn bản đã được xác nhận hoàn thành.",
                         "The document was already acknowledged as done.", 409, {"docId": doc_id})
        return protocol.ok()

    def _op_getSentEdocList(self, environ: dict[str, Any], params: dict[str, str],
                            system: RegisteredSystem) -> dict[str, Any]:
        return protocol.ok(data=[{
            "senderDocId": r["id"], "receiverDocId": r["id"], "serviceType": r["service_type"],
            "messageType": r["message_type"], "fromCode": r["sender_key"], "toCode": r["recipient_key"],
            "title": r["subject"], "notation": r["notation"], "sentTime": r["created_time"],
            "receivedTime": r["updated_time"], "receiveStatus": r["status"], "receiveStatusDesc": r["status"],
            "sendStatus": "done", "sendStatusDesc": "done",
        } for r in self.store.sent_by(system.routing_key)])

    def _op_getAgenciesList(self, environ: dict[str, Any], params: dict[str, str],
                            system: RegisteredSystem) -> dict[str, Any]:
        return protocol.ok(data=[{"id": s.routing_key, "code": s.agency_code, "name": s.name, "pid": ""}
                                 for s in self.store.systems()])

"""Client for the national document exchange axis (or our local hub), speaking the SDK's protocol.

Design for exactly-once on top of an at-least-once axis: every call is safe to repeat. ``sendEdoc``
retries are harmless because the hub answers a re-sent identical package with the same DocId (the
canonical writer makes identical content identical bytes); receiving is ``list_received`` ->
``get_edoc`` -> (the app stores it, de-duplicating on the DocId) -> ``update_status('done')``.

Connection errors, timeouts and 5xx answers are retried with exponential backoff (0.2 s, 0.4 s,
0.8 s ... capped), re-signing each attempt with a fresh timestamp. 4xx answers are not retried:
they carry a reason that repeating will not change. The bytes travel through :mod:`.transport`: a
kept-alive ``http.client`` connection for a plain-HTTP endpoint, requests otherwise, the same request
on the wire either way.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import requests

from ..base64_codec import b64decode_strict
from . import protocol
from .auth import sdk_timestamp, sign_request
from .errors import AxisAuthError, AxisError, AxisUnavailable
from .transport import Reply, SessionTransport, Transport, TransportError, make_transport


class AxisClient:
    def __init__(self, endpoint: str, system_id: str, secret: str, agency_code: str, *,
                 timeout: tuple[float, float] = (3.05, 30.0), max_attempts: int = 4,
                 backoff_base: float = 0.2, backoff_max: float = 5.0,
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep,
                 timestamp: Callable[[], str] = sdk_timestamp) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.system_id = system_id
        self.secret = secret
        self.agency_code = agency_code
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.transport: Transport = make_transport(self.endpoint, timeout, session)
        self._sleep = sleep
        self._timestamp = timestamp
        self.attempts_made = 0  # of the last call, for logs and tests

    def twin(self) -> AxisClient:
        """A client with the same identity and settings and a connection of its own.

        A kept-alive connection serves one thread at a time: a receiver that acknowledges on one
        thread while it fetches on another gives each thread its own twin. A client built on a
        caller's ``requests.Session`` gets a new session (sessions are not shared across threads).
        """
        return AxisClient(self.endpoint, self.system_id, self.secret, self.agency_code, timeout=self.timeout,
                          max_attempts=self.max_attempts, backoff_base=self.backoff_base,
                          backoff_max=self.backoff_max,
                          session=requests.Session() if isinstance(self.transport, SessionTransport) else None,
                          sleep=self._sleep, timestamp=self._timestamp)

    # -- the operations -------------------------------------------------------------------------

    def send_edoc(self, package: bytes, message_type: str = "edoc", to: list[str] | None = None) -> str:
        """Send an edXML package; return the axis's DocId for it."""
        if message_type not in protocol.MESSAGE_TYPES:
            raise ValueError(f"message_type must be one of {protocol.MESSAGE_TYPES}")
        params = {"messagetype": message_type, "hash-file": protocol.file_hash(package)}
        if to:
            params["to"] = json.dumps(list(to), separators=(",", ":"))
        answer = self._call(protocol.SEND_EDOC, params, body=package, content_type="application/octet-stream")
        return str(answer["DocId"])

    def send_status(self, package: bytes) -> str:
        return self.send_edoc(package, message_type="status")

    def list_received_items(self, message_type: str = "edoc") -> list[protocol.ReceivedItem]:
        answer = self._call(protocol.GET_RECEIVED_EDOC_LIST, {"messagetype": message_type})
        return [protocol.ReceivedItem.from_json(item) for item in answer.get("data") or []]

    def list_received(self, message_type: str = "edoc") -> list[str]:
        """DocIds waiting for this system (not yet acknowledged ``done``)."""
        return [item.doc_id for item in self.list_received_items(message_type)]

    def get_edoc(self, doc_id: str) -> bytes:
        answer = self._call(protocol.GET_EDOC, {"docId": doc_id}, read=_answer_with_data)
        try:
            return b64decode_strict(answer["data"])
        except (KeyError, ValueError) as exc:
            raise AxisError("axis_bad_answer", "Trục trả về nội dung văn bản không đọc được.",
                            "The axis returned an unreadable document body.", {"docId": doc_id}) from exc

    def update_status(self, doc_id: str, status: str) -> None:
        """Acknowledge a received message: ``processing``, ``done`` or ``fail``."""
        if status not in protocol.ACK_STATUSES:
            raise ValueError(f"status must be one of {protocol.ACK_STATUSES}")
        self._call(protocol.UPDATE_STATUS, {"docId": doc_id, "status": status})

    def list_sent(self) -> list[dict[str, Any]]:
        return list(self._call(protocol.GET_SENT_EDOC_LIST, {}).get("data") or [])

    def list_agencies(self) -> list[dict[str, Any]]:
        return list(self._call(protocol.GET_AGENCIES_LIST, {}).get("data") or [])

    # -- transport ------------------------------------------------------------------------------

    def _headers(self, params: dict[str, str], content_type: str) -> dict[str, str]:
        full = {"servicetype": protocol.SERVICE_TYPE, "from": self.agency_code, "systemid": self.system_id,
                "timestamp": self._timestamp(), **params}
        headers = sign_request(full, self.secret)
        headers["Content-Type"] = content_type
        headers["Accept"] = "application/json"
        return headers

    def close(self) -> None:
        """Close the kept-alive connection (a later call opens a new one)."""
        self.transport.close()

    def _call(self, operation: str, params: dict[str, str], *, body: bytes | None = None,
              content_type: str = "application/json",
              read: Callable[[str, Reply], dict[str, Any]] | None = None) -> dict[str, Any]:
        last_problem: str = ""
        for attempt in range(1, self.max_attempts + 1):
            self.attempts_made = attempt
            try:
                response = self.transport.post(operation, body or b"", self._headers(params, content_type))
            except TransportError as exc:
                last_problem = str(exc)
            else:
                if _refused_as_replay(response) and attempt < self.max_attempts:
                    # Another process of the same system sent the identical signed request in the same
                    # millisecond (two receivers listing at once): ours was not executed, so it is simply
                    # signed again a few milliseconds later, not counted as a failure of the axis.
                    last_problem = "auth_replay"
                    self._sleep(random.uniform(0.002, 0.01))
                    continue
                if response.status_code < 500:
                    return (read or self._answer)(operation, response)
                last_problem = f"HTTP {response.status_code}"
            if attempt < self.max_attempts:
                self._sleep(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
        raise AxisUnavailable("axis_unavailable",
                              f"Không kết nối được trục liên thông sau {self.max_attempts} lần thử.",
                              f"The axis could not be reached after {self.max_attempts} attempts ({last_problem}).",
                              {"operation": operation, "attempts": self.max_attempts, "last": last_problem})

    @staticmethod
    def _answer(operation: str, response: Reply) -> dict[str, Any]:
        try:
            payload = json.loads(response.content)  # bytes: no text decoding pass over a large answer
        except ValueError:
            payload = {}
        if response.ok and payload.get("status") == "OK":
            return payload
        code = str(payload.get("ErrorCode") or f"http_{response.status_code}")
        message_vi = str(payload.get("ErrorDesc") or "Trục từ chối yêu cầu.")
        message_en = str(payload.get("ErrorDescEn") or payload.get("ErrorDesc") or response.reason)
        error_class = AxisAuthError if response.status_code == 401 else AxisError
        raise error_class(code, message_vi, message_en,
                          {"operation": operation, "http_status": response.status_code,
                           "details": payload.get("details")}, http_status=response.status_code)


_DATA_MEMBER = b',"data":"'
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def _answer_with_data(operation: str, response: Reply) -> dict[str, Any]:
    """``AxisClient._answer`` for an answer whose last member is a large base64 ``data`` string.

    When the answer ends with ``,"data":"<base64 characters only>"}`` and the rest is a JSON object,
    that object plus ``data`` (as bytes) is exactly what ``json.loads`` of the whole answer would give,
    without the JSON scanner copying the document twice. Anything else (whitespace, escapes, another
    layout, an error) is read by ``_answer`` as before.
    """
    content = response.content
    at = content.rfind(_DATA_MEMBER)
    if response.ok and at > 0 and content.endswith(b'"}'):
        value = content[at + len(_DATA_MEMBER):-2]
        if not value.translate(None, _BASE64_ALPHABET):
            try:
                head = json.loads(content[:at] + b"}")
            except ValueError:
                head = None
            if isinstance(head, dict) and head.get("status") == "OK":
                head["data"] = value
                return head
    return AxisClient._answer(operation, response)


def _refused_as_replay(response: Reply) -> bool:
    if response.status_code != 401:
        return False
    try:
        answer = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("ErrorCode") == "auth_replay"

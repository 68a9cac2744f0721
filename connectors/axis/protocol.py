"""What travels between a document system and the axis, shared by the client and the hub.

Every call is an HTTP POST to ``{endpoint}/<operation>``; parameters ride in signed ``XroadVnpt-``
headers (see :mod:`.auth`); ``sendEdoc`` carries the edXML bytes as the body (with their SHA-256 in
``hash-file``); every answer is JSON ``{"status": "OK"|"FAIL", "ErrorCode": "0"|..., "ErrorDesc":
...}`` plus the operation's own fields (``DocId``, ``data``), as the reference SDK reads them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

SEND_EDOC = "sendEdoc"
GET_RECEIVED_EDOC_LIST = "getReceivedEdocList"
GET_EDOC = "getEdoc"
UPDATE_STATUS = "updateStatus"
GET_SENT_EDOC_LIST = "getSentEdocList"
GET_AGENCIES_LIST = "getAgenciesList"
OPERATIONS = (SEND_EDOC, GET_RECEIVED_EDOC_LIST, GET_EDOC, UPDATE_STATUS, GET_SENT_EDOC_LIST, GET_AGENCIES_LIST)

SERVICE_TYPE = "eDoc"
MESSAGE_TYPES = ("edoc", "status")
# Acknowledgements a receiver sends with updateStatus. ``initial`` is the hub's own starting state.
ACK_STATUSES = ("processing", "done", "fail")
DELIVERY_STATUSES = ("initial",) + ACK_STATUSES


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sdk_file_hash(data: bytes) -> str:
    """The SDK's ``hash-file``: hex bytes without zero padding (``Integer.toHexString``), a known bug."""
    return "".join(f"{b:x}" for b in hashlib.sha256(data).digest())


def body_matches_hash(data: bytes, declared: str) -> bool:
    return digest_matches_hash(hashlib.sha256(data).digest(), declared)


def digest_matches_hash(digest: bytes, declared: str) -> bool:
    """``declared`` (a ``hash-file``: ours, or the SDK's unpadded hex) names this SHA-256 ``digest``."""
    declared = declared.strip().lower()
    # ours first: the SDK's unpadded form (32 formatted bytes) is built only when ours does not match
    return declared == digest.hex() or declared == "".join(f"{b:x}" for b in digest)


def ok(**fields: Any) -> dict[str, Any]:
    return {"status": "OK", "ErrorCode": "0", "ErrorDesc": "Thành công / Success", **fields}


def ok_with_data(encoded: bytes) -> bytes:
    """``ok(data=...)`` serialised, for a base64 body: the JSON encoder would scan every character of a
    string that needs no escaping (base64 never does) and copy it twice; this writes it once."""
    head = dumps(ok())[:-1]
    return b"".join((head, b',"data":"', encoded, b'"}'))


def fail(code: str, message_vi: str, message_en: str, details: Any = None) -> dict[str, Any]:
    return {"status": "FAIL", "ErrorCode": code, "ErrorDesc": message_vi, "ErrorDescEn": message_en,
            "details": details}


def dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class ReceivedItem:
    """One entry of ``getReceivedEdocList`` (the SDK's ``Knobstick``)."""

    doc_id: str
    service_type: str
    message_type: str
    sender: str
    recipient: str
    status: str
    created_time: str
    updated_time: str

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ReceivedItem:
        return cls(doc_id=str(item.get("docId", "")), service_type=str(item.get("serviceType", "")),
                   message_type=str(item.get("messageType", "")), sender=str(item.get("from", "")),
                   recipient=str(item.get("to", "")), status=str(item.get("status", "")),
                   created_time=str(item.get("created_time", "")), updated_time=str(item.get("updated_time", "")))

"""The ``XroadVnpt-`` request headers and their HMAC-SHA256, as the reference SDK sends them.

The SDK (``VnptService.addXroadVnptHashHeader``) puts each parameter in a header
``XroadVnpt-<name>``, lists the names in ``XroadVnpt-sign-header-key`` (``;``-separated), sends the
JSON object of those headers in ``XroadVnpt-sign-header`` and its hex HMAC-SHA256 under the system's
shared secret in ``XroadVnpt-hash-header``.

Canonical JSON, our choice: keys sorted, no spaces (``separators=(",", ":")``), non-ASCII escaped
(``ensure_ascii=True``) so that the value is a legal HTTP header. The verifier does not rebuild the
JSON: it checks the HMAC over the ``sign-header`` string exactly as received (so the SDK's
unsorted Gson output verifies too), then checks that every signed value equals the header that
actually arrived and that no unsigned ``XroadVnpt-`` parameter rides along.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

from .errors import AxisAuthError

PREFIX = "XroadVnpt-"
SIGN_HEADER = PREFIX + "sign-header"
SIGN_HEADER_KEY = PREFIX + "sign-header-key"
HASH_HEADER = PREFIX + "hash-header"
VERSION_HEADER = PREFIX + "version"
SDK_VERSION = "3.0.201608"
USER_AGENT = "quytrinh-axis/0.1 XRoad/VPCP"
_PREFIX_LOWER = PREFIX.lower()
_ENVELOPE_HEADERS = {SIGN_HEADER.lower(), SIGN_HEADER_KEY.lower(), HASH_HEADER.lower(), VERSION_HEADER.lower()}
VIETNAM = timezone(timedelta(hours=7))


def canonical_json(values: Mapping[str, str]) -> str:
    return json.dumps(dict(values), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def hmac_hex(secret: str, text: str) -> str:
    """Hex HMAC-SHA256 of ``text`` under ``secret`` (``hmac.digest``: OpenSSL's one-shot, no HMAC object)."""
    return hmac.digest(secret.encode("utf-8"), text.encode("utf-8"), "sha256").hex()


def sdk_timestamp(moment: datetime | None = None) -> str:
    """The SDK's ``ddMMyyyy'T'HHmmss+SSSS`` (local time; the ``+SSSS`` are milliseconds, not an offset)."""
    moment = (moment or datetime.now(VIETNAM)).astimezone(VIETNAM)
    return moment.strftime("%d%m%YT%H%M%S") + f"+{moment.microsecond // 1000:04d}"


def parse_sdk_timestamp(text: str) -> datetime:
    """The moment an SDK timestamp names; ``ValueError`` for anything else.

    The usual ``ddMMyyyyTHHmmss`` is taken apart by position (``strptime`` cost more than the rest of
    the request check); anything not exactly that shape goes to ``strptime``, which accepts or
    refuses it as before.
    """
    stamp, _, millis = text.partition("+")
    if len(stamp) == 15 and stamp[8] == "T" and stamp[:8].isdigit() and stamp[9:].isdigit() and stamp.isascii():
        moment = datetime(int(stamp[4:8]), int(stamp[2:4]), int(stamp[:2]), int(stamp[9:11]), int(stamp[11:13]),
                          int(stamp[13:15]), tzinfo=VIETNAM)
    else:
        moment = datetime.strptime(stamp, "%d%m%YT%H%M%S").replace(tzinfo=VIETNAM)
    return moment + timedelta(milliseconds=int(millis or 0))


def sign_request(params: Mapping[str, str], secret: str) -> dict[str, str]:
    """HTTP headers carrying ``params`` (``systemid``, ``timestamp``, ``docId``...) and their HMAC."""
    prefixed = {PREFIX + name: str(value) for name, value in params.items()}
    signed = canonical_json(prefixed)
    headers = dict(prefixed)
    headers[SIGN_HEADER_KEY] = ";".join(sorted(params))
    headers[SIGN_HEADER] = signed
    headers[HASH_HEADER] = hmac_hex(secret, signed)
    headers[VERSION_HEADER] = SDK_VERSION
    headers["User-Agent"] = USER_AGENT
    return headers


def _refuse(code: str, vi: str, en: str, details: object = None) -> AxisAuthError:
    return AxisAuthError(code, vi, en, details)


def verify_request(headers: Mapping[str, str], secret_for: Callable[[str], str | None], *,
                   max_skew: timedelta | None = timedelta(minutes=5), now: datetime | None = None) -> dict[str, str]:
    """Check a request's headers; return its signed parameters (without prefix), or raise 401.

    ``headers`` must be case-insensitive (Werkzeug's ``EnvironHeaders`` is).
    """
    signed_text, digest = headers.get(SIGN_HEADER), headers.get(HASH_HEADER)
    if not signed_text or not digest:
        raise _refuse("auth_missing", "Thiếu chữ ký HMAC trong tiêu đề XroadVnpt.",
                      "The XroadVnpt signature headers are missing.")
    try:
        signed = json.loads(signed_text)
        if not isinstance(signed, dict) or not all(isinstance(v, str) for v in signed.values()):
            raise ValueError("not an object of strings")
    except ValueError as exc:
        raise _refuse("auth_malformed", "Tiêu đề XroadVnpt-sign-header không phải JSON hợp lệ.",
                      "XroadVnpt-sign-header is not a JSON object of strings.") from exc
    params = {k[len(PREFIX):]: v for k, v in signed.items() if k.startswith(PREFIX)}
    system_id = params.get("systemid", "")
    secret = secret_for(system_id) if system_id else None
    if secret is None:
        raise _refuse("unknown_system", f"Hệ thống '{system_id}' chưa được đăng ký với trục.",
                      f"System '{system_id}' is not registered with the axis.", {"systemid": system_id})
    if not hmac.compare_digest(hmac_hex(secret, signed_text), digest.strip().lower()):
        raise _refuse("auth_bad_signature", "Chữ ký HMAC của yêu cầu không đúng.",
                      "The request's HMAC does not match.", {"systemid": system_id})
    for name, value in signed.items():
        if headers.get(name) != value:
            raise _refuse("auth_header_mismatch", f"Tiêu đề {name} khác với giá trị đã ký.",
                          f"Header {name} differs from the signed value.", {"header": name})
    signed_names = {name.lower() for name in signed}
    unsigned = sorted(k for k in headers.keys() if k.lower().startswith(_PREFIX_LOWER)
                      and k.lower() not in _ENVELOPE_HEADERS and k.lower() not in signed_names)
    if unsigned:
        raise _refuse("auth_unsigned_header", "Yêu cầu có tham số XroadVnpt không được ký.",
                      "The request carries unsigned XroadVnpt parameters.", {"headers": unsigned})
    if max_skew is not None:
        try:
            sent = parse_sdk_timestamp(params.get("timestamp", ""))
        except ValueError as exc:
            raise _refuse("auth_timestamp", "Thiếu hoặc sai định dạng thời điểm (timestamp).",
                          "The timestamp is missing or malformed.") from exc
        if abs((now or datetime.now(VIETNAM)) - sent) > max_skew:
            raise _refuse("auth_timestamp", "Thời điểm của yêu cầu lệch quá nhiều so với trục.",
                          "The request's timestamp is too far from the axis clock.",
                          {"timestamp": params.get("timestamp")})
    return params

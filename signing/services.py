"""Where signing reaches outside: trust anchors, timestamp authority, revocation fetching, limits.

Why separate from :class:`SignatureRequest`: the request describes one signature; these settings are
the deployment's (one TSA, one trust store) and are shared by every signature in a batch, together
with a short-lived cache of signer certificate checks so a batch of 60,000 documents does not ask the
OCSP responder 60,000 times about the same certificate.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import requests
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

DEFAULT_MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
_TSP_HEADERS = set_tsp_headers({})


class CertificateCheckCache:
    """Remembers, per certificate fingerprint, until when its last successful check stays good."""

    def __init__(self) -> None:
        self._good_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_fresh(self, fingerprint: str) -> bool:
        with self._lock:
            return self._good_until.get(fingerprint, 0.0) > time.monotonic()

    def remember(self, fingerprint: str, seconds: float) -> None:
        with self._lock:
            self._good_until[fingerprint] = time.monotonic() + seconds


class KeepAliveTimeStamper(TimeStamper):
    """RFC 3161 client that keeps one HTTP connection per thread (and process) open to the TSA.

    Why not pyHanko's ``RequestsHTTPTimeStamper``: it opens a new TCP connection for every token and
    runs the request through ``asyncio.to_thread``, and since every pyHanko signature runs in its own
    ``asyncio.run`` that means two thread start-ups per signature; in a batch of 60,000 that overhead
    was larger than the local TSA's work. Here the request is made directly (the signing coroutine has
    nothing else to do meanwhile) on a connection owned by the current thread and process (one
    inherited through ``fork`` by a batch worker is never used: its socket is the parent's).
    A plain ``http://`` TSA with no proxy configured is spoken to with ``http.client`` (requests
    costs ~0.6 ms of CPU per token in environment and cookie handling); HTTPS or a proxy from the
    environment go through a ``requests.Session``, so certificates and proxies behave as everywhere
    else. (``HTTPConnection.connect`` sets TCP_NODELAY itself, so the request's two segments, headers
    then body, do not wait for delayed ACKs.) Errors and checks are pyHanko's: a reply that is not a
    token raises ``TimestampRequestError``.
    """

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        super().__init__()
        self.url = url
        self.timeout = timeout
        parts = urllib.parse.urlsplit(url)
        self.direct = parts.scheme == "http" and not requests.utils.get_environ_proxies(url)
        self._address = (parts.hostname or "localhost", parts.port or 80)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._local = threading.local()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_local"]  # connections belong to one process
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _mine(self) -> threading.local:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.pid, local.client = os.getpid(), None
        return local

    def request_tsa_reply(self, request_der: bytes) -> bytes:
        """Send one DER TimeStampReq and return the raw DER reply; TimestampRequestError on any failure."""
        try:
            content_type, body = self._post_direct(request_der) if self.direct else self._post_session(request_der)
        except (OSError, http.client.HTTPException) as exc:  # requests' errors are OSErrors too
            raise TimestampRequestError("Error in communication with timestamp server") from exc
        if content_type != "application/timestamp-reply":
            raise TimestampRequestError("Timestamp server response is malformed.")
        return body

    def _post_direct(self, request_der: bytes) -> tuple[str | None, bytes]:
        local = self._mine()
        for first_try in (True, False):
            reused = local.client is not None
            if local.client is None:
                local.client = http.client.HTTPConnection(*self._address, timeout=self.timeout)
            connection: http.client.HTTPConnection = local.client
            try:
                connection.request("POST", self._target, body=request_der, headers=_TSP_HEADERS)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                local.client = None
                if first_try and reused and not isinstance(exc, TimeoutError):
                    continue  # the TSA closed the idle kept-alive connection: once more on a new one
                raise
            if response.will_close:
                connection.close()
                local.client = None
            return response.getheader("Content-Type"), body
        raise AssertionError("unreachable")

    def _post_session(self, request_der: bytes) -> tuple[str | None, bytes]:
        local = self._mine()
        if local.client is None:
            local.client = requests.Session()
        try:
            reply = local.client.post(self.url, data=request_der, headers=_TSP_HEADERS, timeout=self.timeout)
        except OSError:
            local.client = None  # start afresh next time
            raise
        return reply.headers.get("Content-Type"), reply.content

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self.request_tsa_reply(req.dump()))


@dataclass(frozen=True)
class SigningServices:
    """Deployment settings for signing.

    ``trust_roots``: anchors the signer's certificate must chain to (asn1crypto certificates);
    ``other_certs``: intermediates that help build chains but confer no trust (e.g. a trust store's helpers).
    ``tsa_url`` or ``timestamper`` (an in-process pyHanko TimeStamper, e.g. for tests).
    ``check_revocation``: check the signer's certificate (OCSP, else CRL) before signing; turning it
    off is for offline B-B only and is reported as a warning in the result. When extending someone
    else's signatures (``signing.ltv.extend_to_lta``) it means "collect what can be fetched" (soft-fail).
    """

    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    other_certs: tuple[asn1_x509.Certificate, ...] = ()
    tsa_url: str | None = None
    timestamper: TimeStamper | None = None
    check_revocation: bool = True
    network_timeout: float = 5.0
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    check_cache_seconds: float = 300.0
    check_cache: CertificateCheckCache = field(default_factory=CertificateCheckCache, compare=False, repr=False)
    timestamper_cache: dict = field(default_factory=dict, compare=False, repr=False)

    def make_timestamper(self) -> TimeStamper | None:
        """The TSA client, made once per URL and timeout and shared by every signature of these services."""
        if self.timestamper is not None:
            return self.timestamper
        if not self.tsa_url:
            return None
        key = (self.tsa_url, self.network_timeout)  # dataclasses.replace() copies share this cache
        stamper = self.timestamper_cache.get(key)
        if stamper is None:
            stamper = self.timestamper_cache.setdefault(key, KeepAliveTimeStamper(self.tsa_url, self.network_timeout))
        return stamper

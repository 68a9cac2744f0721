"""Loopback HTTP services for the test PKI: OCSP responder, CRLs, RFC 3161 timestamp authority.

Why: signing at B-T/B-LT/B-LTA and validating offline both need real protocol exchanges. These
services speak the real wire formats (RFC 6960 OCSP over HTTP POST/GET, DER CRLs, RFC 3161
``application/timestamp-query``), so pyHanko's own HTTP clients and ``openssl ocsp``/``openssl ts``
can talk to them. The server runs in a daemon thread on ``127.0.0.1`` and a free port.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from ..keys.cms_container import CONTEXT_0, OCTET_STRING, SEQUENCE, der, der_set_of
from .pki import Identity, TestPKI

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PKIServer:
    """OCSP + CRL + TSA for a :class:`TestPKI`, on ``127.0.0.1:<free port>``.

    Usage::

        with PKIServer() as server:        # builds a TestPKI whose URLs point at this server
            server.pki.signer_rsa          # an Identity
            server.tsa_url, server.ocsp_url, server.crl_url("intermediate")

    Knobs for failure tests: ``tsa_status`` (HTTP status for /tsa, 200 = normal),
    ``ocsp_status`` likewise; ``tsa_delay`` (seconds) makes the TSA answer late, like a distant one; ``requests`` logs ``(method, path)`` of every request served, ``connections``
    counts the TCP connections accepted.
    ``clock`` gives the time used in OCSP answers, CRLs and timestamp tokens.
    """

    def __init__(self, now: dt.datetime | None = None, clock: Clock | None = None) -> None:
        self._now = now
        self.clock: Clock = clock or utc_now
        self.tsa_status = 200
        self.tsa_delay = 0.0  # seconds added before each timestamp answer: a remote TSA's round trip
        self.ocsp_status = 200
        self.requests: list[tuple[str, str]] = []
        self.connections = 0  # TCP connections accepted: shows whether clients keep theirs alive
        self._open: set[socket.socket] = set()  # kept-alive client connections, cut by stop()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tsa: PreparedTimestampAuthority | None = None
        self.pki: TestPKI

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> PKIServer:
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        port = self._httpd.server_address[1]
        self.pki = TestPKI(base_url=f"http://127.0.0.1:{port}", now=self._now or utc_now())
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="pki-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.drop_connections()  # a stopped server must look down to kept-alive clients too

    def drop_connections(self) -> None:
        """Close every kept-alive client connection, as servers do with idle ones."""
        for connection in list(self._open):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> PKIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.pki.base_url

    @property
    def tsa_url(self) -> str:
        return self.pki.tsa_url

    @property
    def ocsp_url(self) -> str:
        return self.pki.ocsp_url

    def crl_url(self, issuer: str = "intermediate") -> str:
        return self.pki.crl_url(issuer)

    # -- protocol work (also usable in-process, without HTTP) ------------------------------------
    def crl_der(self, issuer_name: str) -> bytes:
        issuer = self.pki.identities[issuer_name]
        now = self.clock()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.certificate.subject)
            .last_update(now - dt.timedelta(hours=1))
            .next_update(now + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.private_key.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )
        for entry in self.pki.revocations.get(issuer_name, []):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(entry.serial_number)
                .revocation_date(entry.revoked_at)
                .add_extension(x509.CRLReason(entry.reason), critical=False)
                .build()
            )
        return builder.sign(issuer.private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]

    def ocsp_response_der(self, request_der: bytes) -> bytes:
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                serialization.Encoding.DER)
        issuer = self.pki.intermediate
        target = next(
            (i for i in self.pki.identities.values()
             if i.certificate.serial_number == request.serial_number and i.certificate.issuer == issuer.certificate.subject),
            None,
        )
        if target is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER)
        now = self.clock()
        revoked = self.pki.revocation_of("intermediate", target.certificate.serial_number)
        responder = self.pki.ocsp_responder
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=target.certificate,
            issuer=issuer.certificate,
            algorithm=request.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(minutes=5),
            next_update=now + dt.timedelta(days=1),
            revocation_time=revoked.revoked_at if revoked else None,
            revocation_reason=revoked.reason if revoked else None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, responder.certificate).certificates([responder.certificate])
        for extension in request.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                builder = builder.add_extension(extension.value, critical=False)
        response = builder.sign(responder.private_key, hashes.SHA256())  # type: ignore[arg-type]
        return response.public_bytes(serialization.Encoding.DER)

    def timestamper(self) -> DummyTimeStamper:
        """An in-process RFC 3161 TSA equivalent to the HTTP one (same key, same certificates)."""
        tsa = self.pki.tsa
        return DummyTimeStamper(
            tsa_cert=tsa.asn1_certificate, tsa_key=tsa.asn1_private_key,
            certs_to_embed=tsa.asn1_chain, fixed_dt=self.clock(),
        )

    def timestamp_response_der(self, request_der: bytes) -> bytes:
        if self._tsa is None:
            self._tsa = PreparedTimestampAuthority(self.pki.tsa)
        return self._tsa.response_der(request_der, self.clock())


_TSA_POLICY = "1.3.6.1.4.1.4146.2.2"  # the policy DummyTimeStamper uses: tokens look the same as before
_GRANTED = der(SEQUENCE, core.Integer(0).dump())
_TST_INFO_OID = cms.ContentType("tst_info").dump()
_SIGNED_DATA_OID = cms.ContentType("signed_data").dump()
_VERSION_1, _VERSION_3 = core.Integer(1).dump(), core.Integer(3).dump()
_RSA_PKCS1 = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump()


class PreparedTimestampAuthority:
    """RFC 3161 tokens from a key loaded once, with every constant DER piece encoded once.

    Why: the first version built a pyHanko ``DummyTimeStamper`` per request, which re-parses the RSA
    private key from DER (~50 ms: cryptography checks the key on load) and re-encodes the certificate
    chain with asn1crypto (~10 ms) for every token — the local TSA, not the network, was what made
    B-T batches slow. Now a token costs one RSA-2048 signature plus a few small encodings. The token
    has the structure DummyTimeStamper produces (CMS v3 SignedData, ESS signing-certificate, same
    policy OID), so ``openssl ts -verify`` and pyHanko read it as before.
    """

    def __init__(self, identity: Identity) -> None:
        self._key = identity.private_key
        cert: asn1_x509.Certificate = identity.asn1_certificate
        self._tsa_name = asn1_x509.GeneralName(name="directory_name", value=cert.subject)
        ess = tsp.SigningCertificate({"certs": [tsp.ESSCertID({"cert_hash": cert.sha1})]})
        self._signing_certificate_attr = cms.CMSAttribute(
            {"type": "signing_certificate", "values": [ess]}).dump()
        self._content_type_attr = cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}).dump()
        self._sid = cms.IssuerAndSerialNumber({"issuer": cert.issuer, "serial_number": cert.serial_number}).dump()
        certificates = {c.dump() for c in [cert, *identity.asn1_chain]}
        self._certificates = bytes((CONTEXT_0,)) + der_set_of(list(certificates))[1:]

    def response_der(self, request_der: bytes, when: dt.datetime) -> bytes:
        """A granted TimeStampResp for ``request_der``; ValueError if it is not a usable request."""
        request = tsp.TimeStampReq.load(request_der)
        imprint = request["message_imprint"]
        md_algorithm = imprint["hash_algorithm"]["algorithm"].native
        try:
            hash_algorithm = get_pyca_cryptography_hash(md_algorithm)  # any the request names, SHA-1 too:
        except (AttributeError, KeyError, ValueError) as exc:  # refusing weak ones is the validator's job
            raise ValueError(f"unsupported message imprint algorithm {md_algorithm}") from exc
        fields = {"version": "v1", "policy": _TSA_POLICY, "message_imprint": imprint,
                  "serial_number": int.from_bytes(os.urandom(16), "big"), "gen_time": when, "tsa": self._tsa_name}
        if request["nonce"].native is not None:
            fields["nonce"] = request["nonce"]
        tst_info = tsp.TSTInfo(fields).dump()
        digest = hashes.Hash(hash_algorithm)
        digest.update(tst_info)
        signed_attrs = der_set_of([
            self._content_type_attr,
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}).dump(),
            self._signing_certificate_attr,
            cms.CMSAttribute({"type": "message_digest", "values": [digest.finalize()]}).dump(),
        ])
        signature = self._key.sign(signed_attrs, padding.PKCS1v15(), hash_algorithm)  # type: ignore[union-attr, call-arg]
        digest_algo = algos.DigestAlgorithm({"algorithm": md_algorithm}).dump()
        signer_info = der(SEQUENCE, b"".join((
            _VERSION_1, self._sid, digest_algo, bytes((CONTEXT_0,)) + signed_attrs[1:], _RSA_PKCS1,
            der(OCTET_STRING, signature))))
        encap = der(SEQUENCE, _TST_INFO_OID + der(CONTEXT_0, der(OCTET_STRING, tst_info)))
        signed_data = der(SEQUENCE, b"".join((
            _VERSION_3, der(0x31, digest_algo), encap, self._certificates, der(0x31, signer_info))))
        token = der(SEQUENCE, _SIGNED_DATA_OID + der(CONTEXT_0, signed_data))
        return der(SEQUENCE, _GRANTED + token)


def _make_handler(server: PKIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # keep-alive, and one send per answer: headers and body buffered together (flushed by
        # http.server after each request) and no Nagle delay, so a reused connection does not wait
        # ~40 ms on delayed ACKs between the header and body segments
        protocol_version = "HTTP/1.1"
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
            return

        def setup(self) -> None:
            server.connections += 1
            server._open.add(self.request)
            super().setup()

        def finish(self) -> None:
            server._open.discard(self.request)
            super().finish()

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length)

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            server.requests.append(("GET", self.path))
            path = urllib.parse.urlparse(self.path).path
            if path.startswith("/crl/") and path.endswith(".crl"):
                issuer = path[len("/crl/"):-len(".crl")]
                if issuer in ("root", "intermediate"):
                    return self._reply(200, server.crl_der(issuer), "application/pkix-crl")
            if path.startswith("/ocsp/"):
                if server.ocsp_status != 200:
                    return self._reply(server.ocsp_status, b"", "text/plain")
                der = base64.b64decode(urllib.parse.unquote(path[len("/ocsp/"):]))
                return self._reply(200, server.ocsp_response_der(der), "application/ocsp-response")
            if path.startswith("/certs/") and path.endswith(".cer"):
                name = path[len("/certs/"):-len(".cer")]
                if name in server.pki.identities:
                    der = server.pki.identities[name].certificate.public_bytes(serialization.Encoding.DER)
                    return self._reply(200, der, "application/pkix-cert")
            self._reply(404, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            server.requests.append(("POST", self.path))
            body = self._body()
            path = urllib.parse.urlparse(self.path).path
            if path == "/ocsp":
                if server.ocsp_status != 200:
                    return self._reply(server.ocsp_status, b"", "text/plain")
                return self._reply(200, server.ocsp_response_der(body), "application/ocsp-response")
            if path == "/tsa":
                if server.tsa_delay:
                    time.sleep(server.tsa_delay)
                if server.tsa_status != 200:
                    return self._reply(server.tsa_status, b"", "text/plain")
                try:
                    reply = server.timestamp_response_der(body)
                except ValueError:
                    return self._reply(400, b"bad timestamp request", "text/plain")
                return self._reply(200, reply, "application/timestamp-reply")
            self._reply(404, b"not found", "text/plain")

    return Handler

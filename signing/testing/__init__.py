"""Test PKI and loopback PKI services, shared by signing and validation tests.

Public API (import from ``signing.testing``):

``TestPKI(base_url="http://127.0.0.1:9", now=datetime.now(UTC), key_namespace="")``
    Builds, in code, a root CA, an issuing (intermediate) CA and these :class:`Identity` objects,
    reachable as attributes or through ``pki.identities[name]``:
    ``root``, ``intermediate``, ``signer_rsa`` (RSA-2048, "Nguyễn Văn An"), ``principal`` (RSA-2048),
    ``organisation`` (RSA-2048, the university's seal), ``signer_ec`` (ECDSA P-256),
    ``expired`` (ended 35 days before ``now``), ``revoked`` (revoked 10 days before ``now``),
    ``not_yet_valid`` (starts 30 days after ``now``), ``tsa`` (EKU timeStamping, critical),
    ``ocsp_responder`` (EKU OCSPSigning + id-pkix-ocsp-nocheck).
    Leaf certificates carry a CRL distribution point (``{base_url}/crl/intermediate.crl``) and an
    AIA OCSP URL (``{base_url}/ocsp``); the intermediate points at ``{base_url}/crl/root.crl``.
    ``pki.revoke(name, at=None)`` revokes another identity; ``pki.root_pem()``,
    ``pki.trust_roots_asn1()`` give the trust anchor.

``Identity``: ``certificate`` / ``private_key`` / ``chain`` (cryptography objects, issuers nearest
    first), ``asn1_certificate`` / ``asn1_chain`` / ``asn1_private_key`` (asn1crypto, for pyHanko),
    ``certificate_pem()``, ``private_key_pem()``, ``to_pkcs12(password: bytes)``.

``PKIServer(now=None, clock=None)`` (context manager, or ``start()``/``stop()``)
    Serves on ``127.0.0.1:<free port>`` in a thread and creates ``server.pki`` (a TestPKI pointing at
    itself): ``POST /ocsp`` and ``GET /ocsp/<base64>`` (RFC 6960), ``GET /crl/{root,intermediate}.crl``
    (DER), ``POST /tsa`` (RFC 3161), ``GET /certs/<identity>.cer``. Attributes: ``tsa_url``,
    ``ocsp_url``, ``crl_url(issuer)``, ``tsa_status``/``ocsp_status`` (set to e.g. 503 to simulate an
    outage), ``requests`` (log of ``(method, path)``), ``clock``. In-process equivalents:
    ``timestamper()`` (a pyHanko TimeStamper), ``crl_der(issuer)``, ``ocsp_response_der(request)``.

``free_port_url()``: an http URL on 127.0.0.1 where nothing listens (for "unreachable" tests).

Pytest fixtures built on these live in ``tests/signing/conftest.py`` (``pki_server``, ``pki``).
"""

from __future__ import annotations

import socket

from .pki import ORGANISATION, Identity, TestPKI
from .servers import PKIServer


def free_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


__all__ = ["ORGANISATION", "Identity", "PKIServer", "TestPKI", "free_port_url"]

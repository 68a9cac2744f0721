"""The TSA client keeps its connection, survives outages, and the test TSA answers like a real one."""

from __future__ import annotations

import hashlib
import pickle

import pytest
import requests
from asn1crypto import cms, tsp
from pdfs import make_pdf

from signing.errors import TimestampUnavailableError
from signing.keys.memory import InMemoryKeySource
from signing.pades import sign_pdf
from signing.services import KeepAliveTimeStamper, SigningServices
from signing.settings import SignatureLevel, SignatureRequest
from signing.testing import PKIServer


def _services(server: PKIServer) -> SigningServices:
    return SigningServices(trust_roots=tuple(server.pki.trust_roots_asn1()), tsa_url=server.tsa_url)


def test_b_t_signatures_share_one_timestamper_and_one_connection(own_pki_server: PKIServer) -> None:
    services = _services(own_pki_server)
    key = InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa)
    request = SignatureRequest(level=SignatureLevel.B_T)
    pdf = make_pdf()
    sign_pdf(pdf, key, request, services)  # first one: signer check (OCSP) and the TSA connection
    connections, tokens = own_pki_server.connections, own_pki_server.requests.count(("POST", "/tsa"))
    for _ in range(8):
        assert sign_pdf(pdf, key, request, services).info.level == SignatureLevel.B_T
    assert own_pki_server.requests.count(("POST", "/tsa")) == tokens + 8, "one token per signature, no dummy"
    assert own_pki_server.connections == connections, "no new TCP connection after the first"
    assert services.make_timestamper() is services.make_timestamper()


def test_outage_in_the_middle_then_recovery_on_the_same_services(own_pki_server: PKIServer) -> None:
    services = _services(own_pki_server)
    key = InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa)
    request = SignatureRequest(level=SignatureLevel.B_T)
    sign_pdf(make_pdf(), key, request, services)
    own_pki_server.tsa_status = 503
    with pytest.raises(TimestampUnavailableError):
        sign_pdf(make_pdf(), key, request, services)
    own_pki_server.tsa_status = 200
    assert sign_pdf(make_pdf(), key, request, services).info.level == SignatureLevel.B_T


def test_tsa_moved_away_is_an_outage_not_a_hang(own_pki_server: PKIServer) -> None:
    services = _services(own_pki_server)
    key = InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa)
    request = SignatureRequest(level=SignatureLevel.B_T)
    sign_pdf(make_pdf(), key, request, services)  # a kept-alive connection now exists
    own_pki_server.stop()
    with pytest.raises(TimestampUnavailableError):
        sign_pdf(make_pdf(), key, request, services)


def test_a_connection_closed_by_the_tsa_is_replaced_silently(own_pki_server: PKIServer) -> None:
    services = _services(own_pki_server)
    key = InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa)
    request = SignatureRequest(level=SignatureLevel.B_T)
    sign_pdf(make_pdf(), key, request, services)
    connections = own_pki_server.connections
    own_pki_server.drop_connections()  # like a TSA closing idle keep-alive connections
    assert sign_pdf(make_pdf(), key, request, services).info.level == SignatureLevel.B_T
    assert own_pki_server.connections == connections + 1


def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch, pki_server: PKIServer) -> None:
    # the test server reads absolute request targets too, so it can stand in for a forward proxy
    monkeypatch.setenv("HTTP_PROXY", pki_server.base_url)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    stamper = KeepAliveTimeStamper("http://tsa.invalid/tsa", timeout=3)
    assert not stamper.direct
    _nonce, query = stamper.request_cms(hashlib.sha256(b"x").digest(), "sha256")
    reply = tsp.TimeStampResp.load(stamper.request_tsa_reply(query.dump()))
    assert reply["status"]["status"].native == "granted"
    assert KeepAliveTimeStamper("https://tsa.example.vn/tsa").direct is False


def test_timestamper_travels_to_another_process_without_its_session(pki_server: PKIServer) -> None:
    stamper = KeepAliveTimeStamper(pki_server.tsa_url, timeout=3)
    nonce, query = stamper.request_cms(hashlib.sha256(b"x").digest(), "sha256")
    stamper.request_tsa_reply(query.dump())
    copy = pickle.loads(pickle.dumps(stamper))
    reply = tsp.TimeStampResp.load(copy.request_tsa_reply(query.dump()))
    assert reply["status"]["status"].native == "granted"
    assert copy.url == stamper.url and copy.timeout == 3


def test_test_tsa_token_carries_the_request_and_the_tsa_certificate(pki_server: PKIServer) -> None:
    digest = hashlib.sha384(b"hoc ba").digest()
    stamper = KeepAliveTimeStamper(pki_server.tsa_url)
    nonce, query = stamper.request_cms(digest, "sha384")
    reply = tsp.TimeStampResp.load(stamper.request_tsa_reply(query.dump()))
    token: cms.ContentInfo = reply["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha384"
    assert info["nonce"].native == nonce
    certs = [c.chosen for c in token["content"]["certificates"]]
    assert pki_server.pki.tsa.asn1_certificate.dump() in [c.dump() for c in certs]
    signer = token["content"]["signer_infos"][0]
    assert signer["digest_algorithm"]["algorithm"].native == "sha384"


def test_test_tsa_refuses_garbage_with_400(pki_server: PKIServer) -> None:
    reply = requests.post(pki_server.tsa_url, data=b"\x30\x03\x02\x01\x01", timeout=5,
                          headers={"Content-Type": "application/timestamp-query"})
    assert reply.status_code == 400

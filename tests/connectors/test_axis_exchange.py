"""Two document systems exchange a document and its statuses over a real hub on loopback."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import requests

from connectors.axis import (
    AxisAuthError,
    AxisClient,
    AxisError,
    AxisHub,
    AxisUnavailable,
    HubStore,
    serve_in_thread,
)
from connectors.edxml import (
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    StatusCode,
    build_document,
    build_status,
    make_attachment,
    read_package,
)

from .conftest import FIXTURES

CTU = Organization("000.21.36.H13", "Trường Đại học Cần Thơ")
MOET = Organization("G03", "Bộ Giáo dục và Đào tạo")
SYSTEMS = [("ctu-qlvb", "000.21.36.H13", "secret-ctu", "Trường Đại học Cần Thơ"),
           ("moet-qlvb", "000.00.00.G03", "secret-moet", "Bộ Giáo dục và Đào tạo"),
           ("vpcp-qlvb", "000.00.00.G22", "secret-vpcp", "Văn phòng Chính phủ"),
           ("nghean-qlvb", "000.00.00.H41", "secret-nghean", "UBND tỉnh Nghệ An")]


@pytest.fixture()
def hub(tmp_path):
    store = HubStore(tmp_path / "hub.db", lease_seconds=1)
    app = AxisHub(store)
    for system_id, agency, secret, name in SYSTEMS:
        app.register(system_id, agency, secret, name)
    running = serve_in_thread(app)
    yield running, app
    running.stop()
    store.close()


def _client(url: str, system_id: str, **options) -> AxisClient:
    _, agency, secret, _ = next(s for s in SYSTEMS if s[0] == system_id)
    return AxisClient(url, system_id, secret, agency, sleep=lambda _: None, **options)


def _document(small_pdf: bytes, number: str = "12") -> bytes:
    header = MessageHeader(from_=CTU, to=(MOET,), code=Code(number, "ĐHCT-VP"),
                           promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14)), subject="Báo cáo tuyển sinh")
    return build_document(header, [make_attachment("bao-cao.pdf", small_pdf)])


def test_document_and_statuses_travel_between_two_agencies(hub, small_pdf):
    running, _ = hub
    ctu, moet = _client(running.url, "ctu-qlvb"), _client(running.url, "moet-qlvb")
    package = _document(small_pdf)
    doc_id = ctu.send_edoc(package)

    assert moet.list_received() == [doc_id]
    assert ctu.list_received() == [], "the sender does not receive its own document"
    received = moet.get_edoc(doc_id)
    assert received == package
    original = read_package(received)
    assert original.attachments[0].data == small_pdf
    moet.update_status(doc_id, "done")
    assert moet.list_received() == []

    status_id = moet.send_status(build_status(original.header, StatusCode.ARRIVED))
    assert ctu.list_received("status") == [status_id]
    reply = read_package(ctu.get_edoc(status_id))
    assert reply.header.status_code is StatusCode.ARRIVED
    assert reply.header.response_for.document_id == original.header.document_id
    ctu.update_status(status_id, "done")

    sent = ctu.list_sent()
    assert [(s["senderDocId"], s["toCode"], s["receiveStatus"]) for s in sent] == \
           [(doc_id, "000.00.00.G03", "done")]
    assert {a["code"] for a in ctu.list_agencies()} == {s[1] for s in SYSTEMS}


def test_delivery_is_at_least_once_until_done(hub, small_pdf):
    running, app = hub
    ctu, moet = _client(running.url, "ctu-qlvb"), _client(running.url, "moet-qlvb")
    doc_id = ctu.send_edoc(_document(small_pdf))
    moet.get_edoc(doc_id)
    assert moet.list_received() == [doc_id], "fetched but not acknowledged: still listed"
    moet.update_status(doc_id, "fail")
    assert moet.list_received() == [doc_id], "failed: listed again"
    moet.update_status(doc_id, "processing")
    assert moet.list_received() == [], "processing is a lease"
    threading.Event().wait(2.1)
    assert moet.list_received() == [doc_id], "the lease expired: a receiver that died sees it again"
    moet.update_status(doc_id, "done")
    with pytest.raises(AxisError) as caught:
        moet.update_status(doc_id, "fail")
    assert caught.value.code == "already_done" and caught.value.http_status == 409
    assert app.store.verify_log() is None


def test_resending_the_same_package_returns_the_same_doc_id(hub, small_pdf):
    running, _ = hub
    ctu, moet = _client(running.url, "ctu-qlvb"), _client(running.url, "moet-qlvb")
    package = _document(small_pdf)
    assert ctu.send_edoc(package) == ctu.send_edoc(package)
    assert len(moet.list_received()) == 1
    ctu.send_edoc(_document(small_pdf, number="13"))
    assert len(moet.list_received()) == 2


def test_forged_hmac_gets_401(hub, small_pdf):
    running, _ = hub
    forger = AxisClient(running.url, "ctu-qlvb", "not-the-secret", "000.21.36.H13", sleep=lambda _: None)
    with pytest.raises(AxisAuthError) as caught:
        forger.send_edoc(_document(small_pdf))
    assert caught.value.http_status == 401 and caught.value.code == "auth_bad_signature"
    assert forger.attempts_made == 1, "a refusal is not retried"


def test_unknown_system_is_refused(hub):
    running, _ = hub
    stranger = AxisClient(running.url, "stranger", "whatever", "000.00.00.H99", sleep=lambda _: None)
    with pytest.raises(AxisAuthError) as caught:
        stranger.list_received()
    assert caught.value.code == "unknown_system"


def test_a_system_cannot_send_in_another_agencys_name(hub):
    running, _ = hub
    ctu = _client(running.url, "ctu-qlvb")
    with pytest.raises(AxisError) as caught:
        ctu.send_edoc((FIXTURES / "edoc_zip_attachment.edxml").read_bytes())
    assert caught.value.code == "from_mismatch" and caught.value.http_status == 403


def test_real_sdk_package_is_routed_to_registered_recipients(hub):
    running, _ = hub
    vpcp, nghean = _client(running.url, "vpcp-qlvb"), _client(running.url, "nghean-qlvb")
    doc_id = vpcp.send_edoc((FIXTURES / "edoc_zip_attachment.edxml").read_bytes())
    assert nghean.list_received() == [doc_id], "H41 is registered; H14 and G17 are not"
    status_id = nghean.send_status((FIXTURES / "status_inbox_01.edxml").read_bytes())
    assert vpcp.list_received("status") == [status_id], "a status goes back to ResponseFor/OrganId"


def test_hostile_package_is_refused_by_the_hub_with_the_readers_reason(hub):
    running, _ = hub
    ctu = _client(running.url, "ctu-qlvb")
    with pytest.raises(AxisError) as caught:
        ctu.send_edoc(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML/>')
    assert caught.value.code == "xml_doctype_forbidden" and caught.value.http_status == 400


def test_another_systems_document_is_not_visible(hub, small_pdf):
    running, _ = hub
    ctu, vpcp = _client(running.url, "ctu-qlvb"), _client(running.url, "vpcp-qlvb")
    doc_id = ctu.send_edoc(_document(small_pdf))
    with pytest.raises(AxisError) as caught:
        vpcp.get_edoc(doc_id)
    assert caught.value.http_status == 404


class FailFirst:
    """Middleware: answer 503 to the first ``n`` requests, then pass through to the hub."""

    def __init__(self, app, n: int) -> None:
        self.app, self.remaining, self.lock = app, n, threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            fail = self.remaining > 0
            self.remaining -= 1 if fail else 0
        if fail:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"busy"]
        return self.app(environ, start_response)


def test_client_retries_a_hub_that_fails_first(tmp_path, small_pdf):
    store = HubStore(tmp_path / "hub.db")
    app = AxisHub(store)
    for system_id, agency, secret, name in SYSTEMS:
        app.register(system_id, agency, secret, name)
    running = serve_in_thread(FailFirst(app, 2))
    try:
        delays: list[float] = []
        ctu = AxisClient(running.url, "ctu-qlvb", "secret-ctu", "000.21.36.H13", sleep=delays.append)
        doc_id = ctu.send_edoc(_document(small_pdf))
        assert ctu.attempts_made == 3
        assert delays == [0.2, 0.4], "exponential backoff"
        assert _client(running.url, "moet-qlvb").list_received() == [doc_id]
    finally:
        running.stop()
        store.close()


def test_client_gives_up_with_a_reason_when_nothing_listens():
    with socket_port() as port:
        pass
    client = AxisClient(f"http://127.0.0.1:{port}", "ctu-qlvb", "s", "000.21.36.H13", max_attempts=3,
                        timeout=(0.5, 0.5), sleep=lambda _: None)
    with pytest.raises(AxisUnavailable) as caught:
        client.list_received()
    assert caught.value.details["attempts"] == 3
    assert "ConnectionError" in caught.value.details["last"]


def socket_port():
    import contextlib
    import socket

    @contextlib.contextmanager
    def _free():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            yield sock.getsockname()[1]

    return _free()


def test_hub_speaks_json_errors_to_plain_http(hub):
    running, _ = hub
    answer = requests.post(f"{running.url}/getReceivedEdocList", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["status"] == "FAIL" and answer.json()["ErrorCode"] == "auth_missing"


def test_a_captured_request_replayed_verbatim_is_refused(hub, small_pdf):
    running, _ = hub
    ctu, moet = _client(running.url, "ctu-qlvb"), _client(running.url, "moet-qlvb")
    doc_id = ctu.send_edoc(_document(small_pdf))
    captured = moet._headers({"docId": doc_id, "status": "done"}, "application/json")
    first = requests.post(f"{running.url}/updateStatus", headers=captured, timeout=5)
    assert first.status_code == 200
    replay = requests.post(f"{running.url}/updateStatus", headers=captured, timeout=5)
    assert replay.status_code == 401 and replay.json()["ErrorCode"] == "auth_replay"


def test_two_processes_of_one_system_signing_the_same_request_in_the_same_millisecond_both_get_answers(hub,
                                                                                                      small_pdf):
    from connectors.axis.auth import sdk_timestamp

    running, _ = hub
    _client(running.url, "ctu-qlvb").send_edoc(_document(small_pdf))
    now = sdk_timestamp()
    moments = iter([now, now])  # both receivers read the same millisecond for their first request

    def clock() -> str:
        return next(moments, None) or sdk_timestamp()

    first = _client(running.url, "moet-qlvb", timestamp=clock)
    second = _client(running.url, "moet-qlvb", timestamp=clock)
    listed = first.list_received()
    assert first.attempts_made == 1
    assert second.list_received() == listed and len(listed) == 1
    assert second.attempts_made == 2  # refused as a replay of the first, signed again, answered

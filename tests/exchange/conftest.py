"""Two agencies and a real axis hub on loopback: us (a quytrinh instance) and an outside ministry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.axis import AxisClient, AxisHub, HubStore, serve_in_thread

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
US, MINISTRY = "000.00.00.H10", "000.00.00.G22"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Any]:
    app = AxisHub(HubStore(tmp_path / "hub.db"))
    app.register("sys-us", US, "bi-mat-cua-truong", "Trường Đại học Cần Thơ")
    app.register("sys-ministry", MINISTRY, "bi-mat-cua-bo", "Văn phòng Chính phủ")
    running = serve_in_thread(app)
    yield running
    running.stop()


@pytest.fixture
def ministry(hub: Any) -> AxisClient:
    return AxisClient(hub.url, "sys-ministry", "bi-mat-cua-bo", MINISTRY, max_attempts=2, backoff_base=0.01)


@pytest.fixture
def exchange(container: Any, hub: Any) -> Any:
    from app.exchange.service import Exchange
    from engine import SYSTEM
    from engine.modeling import load_model, read_package

    container.engine.deploy(load_model(read_package(PROCESSES / "QT74"),
                                       known_operators=container.registry.names()), SYSTEM)
    client = AxisClient(hub.url, "sys-us", "bi-mat-cua-truong", US, max_attempts=2, backoff_base=0.01)
    return Exchange(container, client)


@pytest.fixture(scope="session")
def pki() -> Any:
    from signing.testing import TestPKI

    return TestPKI()


@pytest.fixture(scope="session")
def signed_pdf(pki: Any) -> bytes:
    """A one-page letter sealed (PAdES B-B) by the test PKI's organisation certificate."""
    from fpdf import FPDF

    from signing.keys.memory import InMemoryKeySource
    from signing.pades import sign_pdf
    from signing.services import SigningServices
    from signing.settings import SignatureLevel, SignatureRequest

    pdf = FPDF()
    pdf.set_compression(False)  # the text stays findable, so a test can alter the signed content
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Cong van so 123/VPCP-KGVX")
    services = SigningServices(trust_roots=tuple(pki.trust_roots_asn1()), check_revocation=False)
    return sign_pdf(bytes(pdf.output()), InMemoryKeySource.from_identity(pki.organisation),
                    SignatureRequest(level=SignatureLevel.B_B), services).pdf_bytes


@pytest.fixture
def validator(container: Any, pki: Any) -> Any:
    """signing.validation with the test PKI's root as the installation's extra anchor (lenient, offline)."""
    from app.exchange.security import attachment_validator
    from signing.trust import default_trust_store

    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    return attachment_validator(container, policy="lenient", offline=True, trust_store=store)


@pytest.fixture(scope="session")
def ministry_keys(pki: Any) -> tuple[bytes, bytes]:
    identity = pki.principal
    return identity.private_key_pem(), identity.certificate_pem()

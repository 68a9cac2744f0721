"""Fixtures for procedures run end to end with real signatures: a loopback PKI (OCSP, CRL, RFC 3161
TSA on 127.0.0.1), an application container whose signing setup points at it, QT13 deployed and the
people who work it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import SYSTEM, Actor
from signing.testing import PKIServer

PROCESSES = Path(__file__).resolve().parents[2] / "processes"

# QT13's lanes: the applicant, the PDT clerk who checks, the PDT leader who approves and signs, the
# registry clerk (văn thư, PHCTH) who checks the form and applies the university's seal.
STAFF = {
    "sv": ("Trần Thị Lan", [("applicant", None)]),
    "cv.pdt": ("Lê Minh Tâm", [("clerk", "PDT")]),
    "tp.pdt": ("Nguyễn Hoàng Phúc", [("leader", "PDT")]),
    "vt": ("Đặng Thu Hà", [("clerk", "PHCTH")]),
    "po": ("Người quản lý quy trình", [("process_owner", None)]),
    "kt": ("Kiểm toán", [("auditor", None)]),
}


@pytest.fixture(scope="session")
def pki_server() -> Iterator[PKIServer]:
    with PKIServer() as server:
        yield server


def make_container(db_url: str, data_dir: Path, signing: dict[str, Any]) -> Any:
    from app.config import load_settings
    from app.container import Container

    return Container(load_settings(env={}, overrides={
        "database_url": db_url, "data_dir": str(data_dir), "agency_name": "Trường Đại học Cần Thơ",
        "extra": {"signing": signing}}))


@pytest.fixture
def signing_container(db_url: str, tmp_path: Path, pki_server: PKIServer) -> Iterator[Any]:
    """The application with the loopback TSA configured (QT13 asks for B-LTA)."""
    c = make_container(db_url, tmp_path / "var", {"tsa_url": pki_server.tsa_url})
    yield c
    c.dispose()


def deploy_qt13(container: Any) -> None:
    from engine.modeling import load_model, read_package

    model = load_model(read_package(PROCESSES / "QT13"), known_operators=container.registry.names())
    container.engine.deploy(model, SYSTEM)


def create_staff(container: Any) -> dict[str, Actor]:
    for login, (name, roles) in STAFF.items():
        container.accounts.create_user(login, "mat-khau-dai-du", roles, full_name=name)
    return {login: container.accounts.actor(login) for login in STAFF}


@pytest.fixture
def staff(signing_container: Any) -> dict[str, Actor]:
    deploy_qt13(signing_container)
    return create_staff(signing_container)


class MemoryContext:
    """A case as a service operator sees it, kept in memory: for operators run outside the engine."""

    def __init__(self, data: dict[str, Any], actor: str, case_id: int = 5) -> None:
        self.case_id, self.task_bpmn_id, self.data, self.actor = case_id, "task", data, actor
        self.stored: dict[str, bytes] = {}
        self.listed: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def put_document(self, content: bytes, name: str, media_type: str, role: str = "result") -> str:
        import hashlib

        digest = hashlib.sha256(content).hexdigest()
        self.stored[digest] = content
        self.listed.append({"sha256": digest, "name": name, "role": role})
        return digest

    def get_document(self, sha256: str) -> bytes:
        return self.stored[sha256]

    def documents(self) -> list[dict[str, Any]]:
        return list(self.listed)

    def audit(self, kind: str, payload: dict[str, Any]) -> None:
        self.events.append((kind, payload))

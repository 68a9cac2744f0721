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

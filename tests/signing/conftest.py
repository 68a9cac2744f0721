"""Fixtures for signing tests: one loopback PKI per test process, plus helpers to make PDFs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signing.testing import PKIServer, TestPKI


@pytest.fixture(scope="session")
def pki_server() -> Iterator[PKIServer]:
    """A shared PKI server; tests must not leave its knobs changed (use ``own_pki_server`` for that)."""
    with PKIServer() as server:
        yield server


@pytest.fixture()
def own_pki_server() -> Iterator[PKIServer]:
    """A PKI server for one test, free to be broken (TSA down, extra revocations...)."""
    with PKIServer() as server:
        yield server


@pytest.fixture(scope="session")
def pki(pki_server: PKIServer) -> TestPKI:
    return pki_server.pki

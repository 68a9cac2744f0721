"""Batch signing resumes after an interruption and never signs a file twice."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pdfs import make_pdf
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.batch import JOURNAL_NAME, sign_folder
from signing.errors import KeyAccessError
from signing.keys.memory import InMemoryKeySource
from signing.services import SigningServices
from signing.settings import SignatureRequest
from signing.testing import PKIServer


class _Interrupt(Exception):
    pass


def _signature_count(path: Path) -> int:
    return len(PdfFileReader(BytesIO(path.read_bytes()), strict=False).embedded_signatures)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    source = tmp_path / "in"
    source.mkdir()
    for n in range(5):
        (source / f"hoc-ba-{n}.pdf").write_bytes(make_pdf(text=f"Học bạ số {n}"))
    (source / "hong.pdf").write_bytes(b"%PDF-1.4 not really")
    return source


def test_interrupted_batch_resumes_without_double_signing(folder: Path, tmp_path: Path,
                                                          pki_server: PKIServer) -> None:
    services = SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()))
    key = InMemoryKeySource.from_identity(pki_server.pki.signer_rsa)
    out = tmp_path / "out"
    originals = {p.name: p.read_bytes() for p in folder.iterdir()}

    def stop_after_two(done: int, total: int, name: str, status: str) -> None:
        if status == "signed" and done == 3:
            raise _Interrupt()

    with pytest.raises(_Interrupt):
        sign_folder(folder, out, key, SignatureRequest(), services, progress=stop_after_two)
    first_pass = sorted(p.name for p in out.glob("*.pdf"))
    assert first_pass == ["hoc-ba-0.pdf", "hoc-ba-1.pdf", "hoc-ba-2.pdf"]

    # simulate a crash between the rename and the journal line for the last one
    journal = out / JOURNAL_NAME
    lines = journal.read_text(encoding="utf-8").splitlines()
    journal.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")

    report = sign_folder(folder, out, key, SignatureRequest(), services)
    assert sorted(report.skipped) == first_pass
    assert sorted(report.signed) == ["hoc-ba-3.pdf", "hoc-ba-4.pdf"]
    assert list(report.failed) == ["hong.pdf"] and report.failed["hong.pdf"]["code"] == "broken_pdf"
    for n in range(5):
        assert _signature_count(out / f"hoc-ba-{n}.pdf") == 1, "each file signed exactly once"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == originals
    assert not list(out.glob(".partial-*"))


def test_key_failure_stops_the_batch_and_keeps_the_rest_for_later(folder: Path, tmp_path: Path,
                                                                  pki_server: PKIServer) -> None:
    services = SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()))

    class FlakyKey(InMemoryKeySource):
        uses = 0

        def pyhanko_signer(self, *, prefer_pss: bool = False):
            FlakyKey.uses += 1
            if FlakyKey.uses > 2:
                raise KeyAccessError("Thiết bị ký số đã bị rút ra.", "Token removed.", code="token_unavailable")
            return super().pyhanko_signer(prefer_pss=prefer_pss)

    identity = pki_server.pki.signer_rsa
    key = FlakyKey(identity.private_key, identity.certificate, list(identity.chain))
    report = sign_folder(folder, tmp_path / "out", key, SignatureRequest(), services)
    assert len(report.signed) == 2 and report.stopped_by is not None
    assert report.stopped_by.code == "token_unavailable"

"""Batch signing in worker processes: same journal, resumable, never two signatures on one record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest
from pdfs import make_pdf
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.batch import JOURNAL_NAME, can_share_key, sign_documents, sign_folder
from signing.errors import InvalidDocumentError, TimestampUnavailableError
from signing.keys.base import KeySource
from signing.keys.memory import InMemoryKeySource
from signing.services import SigningServices
from signing.settings import SignatureLevel, SignatureRequest
from signing.testing import PKIServer

ROOT = Path(__file__).resolve().parents[2]
B_T = SignatureRequest(level=SignatureLevel.B_T)


class _Interrupt(Exception):
    pass


def _signature_count(path: Path) -> int:
    return len(PdfFileReader(BytesIO(path.read_bytes()), strict=False).embedded_signatures)


def _outputs(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.pdf") if not p.name.startswith(".")}


def _journal_signed(out: Path) -> list[str]:
    lines = (out / JOURNAL_NAME).read_text(encoding="utf-8").splitlines()
    return [entry["file"] for entry in map(json.loads, lines) if entry["status"] == "signed"]


def _records(folder: Path, count: int) -> Path:
    folder.mkdir()
    template = make_pdf(text="Học bạ")
    for n in range(count):  # distinct bytes per record, like real ones
        (folder / f"hoc-ba-{n:03d}.pdf").write_bytes(template + f"%record {n}\n".encode())
    return folder


def _assert_each_signed_once(source: Path, out: Path) -> None:
    names = sorted(p.name for p in source.glob("*.pdf"))
    assert sorted(_outputs(out)) == names
    for name in names:
        assert _signature_count(out / name) == 1, f"{name} must carry exactly one signature"
        assert (out / name).read_bytes().startswith((source / name).read_bytes())
    assert sorted(_journal_signed(out)) == names, "one journal line per record"
    assert not list(out.glob(".partial-*"))


@pytest.fixture()
def services(pki_server: PKIServer) -> SigningServices:
    return SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), tsa_url=pki_server.tsa_url)


def test_two_workers_sign_everything_once_and_report_broken_files(tmp_path: Path, pki_server: PKIServer,
                                                                  services: SigningServices) -> None:
    source = _records(tmp_path / "in", 12)
    (source / "zz-hong.pdf").write_bytes(b"%PDF-1.4 not really")
    key = InMemoryKeySource.from_identity(pki_server.pki.signer_rsa)
    seen: list[tuple[int, str]] = []
    report = sign_folder(source, tmp_path / "out", key, B_T, services, workers=2,
                         progress=lambda done, total, name, status: seen.append((total, status)))
    assert len(report.signed) == 12 and list(report.failed) == ["zz-hong.pdf"] and report.stopped_by is None
    assert report.failed["zz-hong.pdf"]["code"] == "broken_pdf"
    assert len(seen) == 13 and {total for total, _ in seen} == {13}
    (source / "zz-hong.pdf").unlink()
    _assert_each_signed_once(source, tmp_path / "out")
    again = sign_folder(source, tmp_path / "out", key, B_T, services, workers=2)
    assert len(again.skipped) == 12 and not again.signed


def test_interrupted_parallel_batch_resumes_without_double_signing(tmp_path: Path, pki_server: PKIServer,
                                                                   services: SigningServices) -> None:
    source = _records(tmp_path / "in", 20)
    out = tmp_path / "out"
    key = InMemoryKeySource.from_identity(pki_server.pki.signer_rsa)

    def interrupt_after_five(done: int, total: int, name: str, status: str) -> None:
        if len(_outputs(out)) >= 5:
            raise _Interrupt()

    with pytest.raises(_Interrupt):
        sign_folder(source, out, key, B_T, services, workers=2, progress=interrupt_after_five)
    first = _outputs(out)
    assert 5 <= len(first) < 20
    report = sign_folder(source, out, key, B_T, services, workers=2)
    assert set(report.skipped) == first and len(report.signed) == 20 - len(first)
    _assert_each_signed_once(source, out)


def test_tsa_outage_stops_the_workers_and_the_rest_is_signed_later(tmp_path: Path,
                                                                   own_pki_server: PKIServer) -> None:
    source = _records(tmp_path / "in", 16)
    out = tmp_path / "out"
    services = SigningServices(trust_roots=tuple(own_pki_server.pki.trust_roots_asn1()),
                               tsa_url=own_pki_server.tsa_url)
    key = InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa)

    def outage_after_three(done: int, total: int, name: str, status: str) -> None:
        if status == "signed" and len(_journal_signed(out)) == 3:
            own_pki_server.tsa_status = 503

    report = sign_folder(source, out, key, B_T, services, workers=2, progress=outage_after_three)
    assert isinstance(report.stopped_by, TimestampUnavailableError)
    assert 3 <= len(report.signed) < 16
    own_pki_server.tsa_status = 200
    resumed = sign_folder(source, out, key, B_T, services, workers=2)
    assert resumed.stopped_by is None and len(resumed.signed) == 16 - len(report.signed)
    _assert_each_signed_once(source, out)


_KILLED_RUN = """
import sys
from pathlib import Path
from asn1crypto import x509
from signing.batch import sign_folder
from signing.keys.pkcs12 import Pkcs12KeySource
from signing.services import SigningServices
from signing.settings import SignatureLevel, SignatureRequest
source, out, p12, root, tsa = sys.argv[1:]
key = Pkcs12KeySource.from_file(p12, "mat-khau")
services = SigningServices(trust_roots=(x509.Certificate.load(Path(root).read_bytes()),), tsa_url=tsa)
sign_folder(Path(source), Path(out), key, SignatureRequest(level=SignatureLevel.B_T), services, workers=2)
"""


def test_batch_killed_with_its_workers_resumes_without_double_signing(tmp_path: Path,
                                                                      pki_server: PKIServer,
                                                                      services: SigningServices) -> None:
    source = _records(tmp_path / "in", 60)
    out = tmp_path / "out"
    identity = pki_server.pki.signer_rsa
    (tmp_path / "key.p12").write_bytes(identity.to_pkcs12(b"mat-khau"))
    (tmp_path / "root.der").write_bytes(pki_server.pki.trust_roots_asn1()[0].dump())
    run = subprocess.Popen(  # its own process group, so the kill takes the workers too (a power cut)
        [sys.executable, "-c", _KILLED_RUN, str(source), str(out), str(tmp_path / "key.p12"),
         str(tmp_path / "root.der"), pki_server.tsa_url],
        cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_outputs(out)) < 8 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    stderr = run.stderr.read().decode() if run.stderr else ""
    run.stderr and run.stderr.close()
    first = _outputs(out)
    assert 8 <= len(first) < 60, stderr
    report = sign_folder(source, out, InMemoryKeySource.from_identity(identity), B_T, services, workers=2)
    assert set(report.skipped) == first and len(report.signed) == 60 - len(first)
    _assert_each_signed_once(source, out)


def test_sign_documents_gives_each_caller_tag_its_signed_bytes(pki_server: PKIServer,
                                                               services: SigningServices) -> None:
    key = InMemoryKeySource.from_identity(pki_server.pki.signer_rsa)
    template = make_pdf(text="Bằng tốt nghiệp")
    documents = {case_id: template + f"%case {case_id}\n".encode() for case_id in range(100, 110)}
    documents[999] = b"%PDF-1.4 not really"
    results = dict(sign_documents(documents.items(), key, B_T, services, workers=2))
    assert sorted(results) == sorted(documents)
    assert isinstance(results.pop(999), InvalidDocumentError)
    for case_id, result in results.items():
        assert result.pdf_bytes.startswith(documents[case_id]) and result.info.level == SignatureLevel.B_T
        reader = PdfFileReader(BytesIO(result.pdf_bytes), strict=False)
        assert len(reader.embedded_signatures) == 1


def test_sign_documents_stops_handing_out_after_a_tsa_outage(own_pki_server: PKIServer) -> None:
    services = SigningServices(trust_roots=tuple(own_pki_server.pki.trust_roots_asn1()),
                               tsa_url=own_pki_server.tsa_url)
    key = InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa)
    template = make_pdf()
    documents = ((n, template + f"%case {n}\n".encode()) for n in range(60))
    seen: dict[int, object] = {}
    for tag, result in sign_documents(documents, key, B_T, services, workers=2):
        seen[tag] = result
        if len(seen) == 4:
            own_pki_server.tsa_status = 503
    errors = [r for r in seen.values() if isinstance(r, TimestampUnavailableError)]
    assert errors, "the outage is reported"
    assert len(seen) < 60, "documents not yet handed out are neither signed nor reported"
    assert all(not isinstance(r, Exception) or isinstance(r, TimestampUnavailableError) for r in seen.values())


class _ProcessRecordingKey(KeySource):
    """A key that is not an in-memory one (as a token would be): it must stay in the calling process."""

    def __init__(self, inner: InMemoryKeySource) -> None:
        self.inner = inner
        self.pids: set[int] = set()

    @property
    def certificate(self):
        return self.inner.certificate

    @property
    def chain(self):
        return self.inner.chain

    def pyhanko_signer(self, *, prefer_pss: bool = False):
        self.pids.add(os.getpid())
        return self.inner.pyhanko_signer(prefer_pss=prefer_pss)


def test_keys_that_cannot_be_shared_are_used_by_the_parent_only(tmp_path: Path, pki_server: PKIServer,
                                                                services: SigningServices) -> None:
    source = _records(tmp_path / "in", 4)
    key = _ProcessRecordingKey(InMemoryKeySource.from_identity(pki_server.pki.signer_rsa))
    assert not can_share_key(key) and can_share_key(key.inner)
    report = sign_folder(source, tmp_path / "out", key, B_T, services, workers=2)
    assert len(report.signed) == 4 and key.pids == {os.getpid()}
    _assert_each_signed_once(source, tmp_path / "out")
    results = list(sign_documents([(n, make_pdf()) for n in range(3)], key, B_T, services, workers=2))
    assert [tag for tag, _ in results] == [0, 1, 2] and key.pids == {os.getpid()}

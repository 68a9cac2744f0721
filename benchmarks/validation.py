"""Validations per CPU-second: quytrinh's validator vs pyHanko's own validator with default settings.

Run: .venv/bin/python benchmarks/validation.py [--seconds 3] [--letters 40]
Documents: the three real PDFs (offline, shipped trust store), a one-page B-LT PDF signed under the
loopback test PKI, and the exchange benchmark's ~100 KB letters sealed at B-B (``--letters`` distinct
ones, taken in turn, so no two consecutive validations see the same bytes).

pyHanko's baseline: ``validate_pdf_signature`` with a ValidationContext holding the same trust roots and
default settings (no fetching, soft-fail), i.e. no policy layer. It runs in a separate process started
here that imports pyHanko and nothing of quytrinh: ``signing.validation`` replaces a few pyHanko and
asn1crypto functions by faster exact equivalents (``signing/validation/speedups.py``) when imported,
and the reference must be pyHanko as shipped. The worker reports whether it still is.

What quytrinh remembers between documents is keyed on certificates, never on a document: chain
checks without revocation data (per certificate, certificates offered and the moment's place in
their validity windows), signer-certificate extraction and checks, report lines. A row that
validates one document over and over therefore shows quytrinh validating further documents of the
same signer; the letters row (distinct documents, one signer) is the exchange's case.
"""

from __future__ import annotations

import argparse
import io
import logging
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# benchmarks/http.py (a sibling) would shadow the standard library's http package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "signed-pdf-vn"


class Case:
    """Documents validated in turn, and the trust store's anchors and helpers (DER, for the worker)."""

    def __init__(self, name: str, documents: list[bytes], store) -> None:  # type: ignore[no-untyped-def]
        self.name, self.documents, self.store = name, documents, store
        self.anchors = [c.dump() for c in store.anchor_certificates()]
        self.helpers = [c.dump() for c in store.helper_certificates()]

    def for_worker(self) -> tuple[list[bytes], list[bytes], list[bytes]]:
        return self.documents, self.anchors, self.helpers


def _timed(func: Callable[[], None], budget: float) -> tuple[int, float]:
    """Calls of ``func`` until ``budget`` CPU seconds are spent: (calls, CPU seconds)."""
    started = time.process_time()
    count = 0
    while time.process_time() - started < budget:
        func()
        count += 1
    return count, time.process_time() - started


def _cycler(documents: list[bytes], validate: Callable[[bytes], None]) -> Callable[[], None]:
    position = [0]

    def step() -> None:
        validate(documents[position[0] % len(documents)])
        position[0] += 1
    return step


class ReferenceWorker:
    """pyHanko's default validator in a child process that never imports quytrinh."""

    def __init__(self, cases: list[Case]) -> None:
        self._proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--reference-worker"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._send([c.for_worker() for c in cases])
        self.pristine = self._receive()
        if not self.pristine:
            raise RuntimeError("the pyHanko reference process has quytrinh's replacements installed")

    def _send(self, obj) -> None:  # type: ignore[no-untyped-def]
        assert self._proc.stdin is not None
        pickle.dump(obj, self._proc.stdin)
        self._proc.stdin.flush()

    def _receive(self):  # type: ignore[no-untyped-def]
        assert self._proc.stdout is not None
        return pickle.load(self._proc.stdout)

    def run(self, case_index: int, budget: float) -> tuple[int, float]:
        self._send((case_index, budget))
        return self._receive()

    def close(self) -> None:
        self._send(None)
        self._proc.wait(timeout=30)


def rates(ours: Callable[[], None], reference: Callable[[float], tuple[int, float]], seconds: float,
          rounds: int = 6) -> tuple[float, float]:
    """Operations per CPU-second of ``ours`` (here) and of the reference (its own process).

    Why alternating rounds and CPU time: on a shared, busy machine wall-clock rates of two validators
    measured one after the other differ by more than the validators do.
    """
    ours()
    reference(0.0)  # warm up both (imports, trust-store indexes)
    counts, spent = [0, 0], [0.0, 0.0]
    for _ in range(rounds):
        for i, (count, cpu) in enumerate((_timed(ours, seconds / rounds), reference(seconds / rounds))):
            counts[i] += count
            spent[i] += cpu
    return counts[0] / spent[0], counts[1] / spent[1]


def _letters(count: int) -> list[bytes]:
    """The exchange benchmark's sealed ~100 KB letters (benchmarks/exchange.py, loaded by path)."""
    import importlib.util

    from signing.testing import TestPKI

    spec = importlib.util.spec_from_file_location("quytrinh_exchange_benchmark", ROOT / "benchmarks" / "exchange.py")
    assert spec is not None and spec.loader is not None
    exchange = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exchange)
    return exchange.signed_pdfs(TestPKI(), count)


def run_validation_benchmark(seconds: float = 3.0, letters: int = 40) -> list[tuple[str, float, float]]:
    """(document, quytrinh validations/s, pyHanko default validations/s) per CPU-second, per case."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from validation.conftest import make_pdf, sign_pdf, store_for

    from signing.testing import PKIServer, TestPKI
    from signing.trust import default_trust_store
    from signing.validation import validate_pdf

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    cases = [Case(p.name, [p.read_bytes()], default_trust_store()) for p in sorted(FIXTURES.glob("*.pdf"))]
    with PKIServer() as server:
        blt = sign_pdf(make_pdf(), server.pki.signer_rsa, server=server, timestamp=True, lt=True)
        cases.append(Case("test-pki one-page B-LT", [blt], store_for(server)))
    if letters:
        cases.append(Case(f"exchange letter 100 KB B-B ({letters} distinct)", _letters(letters),
                          default_trust_store().with_extra_anchors(TestPKI().trust_roots_asn1())))
    worker = ReferenceWorker(cases)
    rows = []
    try:
        for index, case in enumerate(cases):
            ours = _cycler(case.documents, lambda d, s=case.store: validate_pdf(d, trust_store=s, offline=True))
            mine, theirs = rates(ours, lambda budget, i=index: worker.run(i, budget), seconds)
            rows.append((case.name, mine, theirs))
    finally:
        worker.close()
    return rows


def print_validation_figures(rows: list[tuple[str, float, float]]) -> None:
    print(f"{'document':42} {'quytrinh/s':>11} {'pyHanko/s':>10} {'ratio':>7}   (per CPU-second; pyHanko unpatched)")
    for name, ours, theirs in rows:
        print(f"{name:42} {ours:11.1f} {theirs:10.1f} {ours / theirs:7.2f}")


def _reference_worker() -> None:
    """Child process: pyHanko's default validation of the cases it is sent, for CPU budgets it is sent."""
    from asn1crypto import x509
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    cases = pickle.load(stdin)
    loaded = [(docs, [x509.Certificate.load(a) for a in anchors], [x509.Certificate.load(h) for h in helpers])
              for docs, anchors, helpers in cases]
    from pyhanko.sign.validation import generic_cms

    pristine = (not any(m == "signing" or m.startswith("signing.") for m in sys.modules)
                and generic.read_hex_string_from_stream.__module__ == "pyhanko.pdf_utils.generic"
                and x509.Name.__eq__.__module__ == "asn1crypto.x509"
                and x509.NameTypeAndValue._ldap_string_prep.__module__ == "asn1crypto.x509"
                and all(getattr(generic_cms, f).__module__ == "pyhanko.sign.validation.generic_cms"
                        for f in ("extract_certs_for_validation", "_check_signing_certificate",
                                  "_enforce_algorithm_usage")))
    pickle.dump(pristine, stdout)
    stdout.flush()

    def pyhanko_default(data: bytes, anchors, helpers) -> None:  # type: ignore[no-untyped-def]
        reader = PdfFileReader(io.BytesIO(data))
        context = ValidationContext(trust_roots=anchors, other_certs=helpers)
        for sig in reader.embedded_signatures:
            validate_pdf_signature(sig, context)

    while (request := pickle.load(stdin)) is not None:
        index, budget = request
        docs, anchors, helpers = loaded[index]
        step = _cycler(docs, lambda d, a=anchors, h=helpers: pyhanko_default(d, a, h))
        result = _timed(step, budget) if budget > 0 else (step(), (1, 0.0))[1]
        pickle.dump(result, stdout)
        stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--letters", type=int, default=40, help="distinct exchange letters (0: leave the row out)")
    parser.add_argument("--reference-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_worker:
        _reference_worker()
        return
    print_validation_figures(run_validation_benchmark(args.seconds, args.letters))


if __name__ == "__main__":
    main()

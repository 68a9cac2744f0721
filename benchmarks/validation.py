"""Validations per second: quytrinh's validator vs pyHanko's own validator with default settings.

Run: .venv/bin/python benchmarks/validation.py [--seconds 3]
Documents: the three real PDFs (offline, shipped trust store) and a one-page B-LT PDF signed under
the loopback test PKI. pyHanko's baseline: ``validate_pdf_signature`` with a ValidationContext holding
the same trust roots and default settings (no fetching, soft-fail), i.e. no policy layer.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from pathlib import Path

# benchmarks/http.py (a sibling) would shadow the standard library's http package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402
from validation.conftest import make_pdf, sign_pdf, store_for  # noqa: E402

from signing.testing import PKIServer  # noqa: E402
from signing.trust import default_trust_store  # noqa: E402
from signing.validation import validate_pdf  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "signed-pdf-vn"


def rates(first, second, seconds: float, rounds: int = 6) -> tuple[float, float]:
    """Operations per CPU-second of ``first`` and ``second``, measured in alternating rounds.

    Why alternating and CPU time: on a shared, busy machine wall-clock rates of two validators
    measured one after the other differ by more than the validators do.
    """
    first()
    second()  # warm up both (imports, trust-store indexes)
    counts, spent = [0, 0], [0.0, 0.0]
    for _ in range(rounds):
        for i, func in enumerate((first, second)):
            started = time.process_time()
            while time.process_time() - started < seconds / rounds:
                func()
                counts[i] += 1
            spent[i] += time.process_time() - started
    return counts[0] / spent[0], counts[1] / spent[1]


def pyhanko_default(data: bytes, store) -> None:
    reader = PdfFileReader(io.BytesIO(data))
    context = ValidationContext(trust_roots=store.anchor_certificates(), other_certs=store.helper_certificates())
    for sig in reader.embedded_signatures:
        validate_pdf_signature(sig, context)


def run_validation_benchmark(seconds: float = 3.0) -> list[tuple[str, float, float]]:
    """(document, quytrinh validations/s, pyHanko default validations/s) for each benchmark document."""
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    cases = [(p.name, p.read_bytes(), default_trust_store()) for p in sorted(FIXTURES.glob("*.pdf"))]
    rows = []
    with PKIServer() as server:
        blt = sign_pdf(make_pdf(), server.pki.signer_rsa, server=server, timestamp=True, lt=True)
        cases.append(("test-pki one-page B-LT", blt, store_for(server)))
        for name, data, store in cases:
            ours, theirs = rates(lambda d=data, s=store: validate_pdf(d, trust_store=s, offline=True),
                                 lambda d=data, s=store: pyhanko_default(d, s), seconds)
            rows.append((name, ours, theirs))
    return rows


def print_validation_figures(rows: list[tuple[str, float, float]]) -> None:
    print(f"{'document':38} {'quytrinh/s':>11} {'pyHanko/s':>10} {'ratio':>7}   (per CPU-second)")
    for name, ours, theirs in rows:
        print(f"{name:38} {ours:11.1f} {theirs:10.1f} {ours / theirs:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print_validation_figures(run_validation_benchmark(args.seconds))


if __name__ == "__main__":
    main()

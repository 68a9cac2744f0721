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

FIXTURES = Path("/work/shared/fixtures/signed-pdf-vn")


def rate(func, seconds: float) -> float:
    func()  # warm up
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        func()
        count += 1
    return count / (time.perf_counter() - started)


def pyhanko_default(data: bytes, store) -> None:
    reader = PdfFileReader(io.BytesIO(data))
    context = ValidationContext(trust_roots=store.anchor_certificates(), other_certs=store.helper_certificates())
    for sig in reader.embedded_signatures:
        validate_pdf_signature(sig, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    cases = [(p.name, p.read_bytes(), default_trust_store()) for p in sorted(FIXTURES.glob("*.pdf"))]
    with PKIServer() as server:
        blt = sign_pdf(make_pdf(), server.pki.signer_rsa, server=server, timestamp=True, lt=True)
        cases.append(("test-pki one-page B-LT", blt, store_for(server)))
        print(f"{'document':38} {'quytrinh/s':>11} {'pyHanko/s':>10} {'ratio':>7}")
        for name, data, store in cases:
            ours = rate(lambda d=data, s=store: validate_pdf(d, trust_store=s, offline=True), args.seconds)
            theirs = rate(lambda d=data, s=store: pyhanko_default(d, s), args.seconds)
            print(f"{name:38} {ours:11.1f} {theirs:10.1f} {ours / theirs:7.2f}")


if __name__ == "__main__":
    main()

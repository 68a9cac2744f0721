"""Signing throughput: ours at B-B/B-LTA vs pyHanko defaults vs raw RSA-2048 (the floor).

Run: ``.venv/bin/python benchmarks/signing.py [--seconds 3] [--profile] [--no-validation]``. Everything is
local: the test PKI and its OCSP/CRL/TSA server on 127.0.0.1.
``--batch N [--workers W]`` signs a folder of N one-page records at B-T with ``signing.batch.sign_folder``
in W worker processes (default: all cores) against the local TSA, and prints records/s and the projected
time for 60,000 records (the issue 3 target: under 15 minutes on two cores). The run ends with the validation figures
of ``benchmarks/validation.py`` (ours vs pyHanko's default validator), so one run prints both.
``run_signing_benchmark()`` returns the signing figures as a dict for other scripts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

# benchmarks/http.py (a sibling) would shadow the standard library's http package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from fpdf import FPDF  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402

from signing.keys.memory import InMemoryKeySource  # noqa: E402
from signing.pades import sign_pdf  # noqa: E402
from signing.services import SigningServices  # noqa: E402
from signing.settings import SignatureLevel, SignatureRequest  # noqa: E402
from signing.testing import PKIServer  # noqa: E402

FONT = Path(__file__).resolve().parents[1] / "signing" / "assets" / "LiberationSerif-Regular.ttf"


def one_page_pdf() -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("serif", fname=str(FONT))
    pdf.add_page()
    pdf.set_font("serif", size=14)
    pdf.multi_cell(0, 8, "BẢNG ĐIỂM HỌC TẬP\nTrường Đại học Quy Trình")
    return bytes(pdf.output())


def big_pdf(target_bytes: int = 5 * 1024 * 1024) -> bytes:
    """About ``target_bytes`` of real, incompressible page content (an embedded random image)."""
    from PIL import Image

    side = int((target_bytes / 3) ** 0.5)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    return bytes(pdf.output())


def rate(action: Callable[[], object], seconds: float, min_runs: int = 3) -> float:
    action()  # warm-up (imports, caches, first OCSP check)
    runs, start = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - start < seconds:
        action()
        runs += 1
    return runs / (time.perf_counter() - start)


def run_signing_benchmark(seconds: float = 3.0) -> dict[str, float]:
    figures: dict[str, float] = {}
    small, big = one_page_pdf(), big_pdf()
    figures["big_pdf_mb"] = len(big) / 1024 / 1024
    with PKIServer() as server:
        identity = server.pki.signer_rsa
        key = InMemoryKeySource.from_identity(identity)
        services = SigningServices(trust_roots=tuple(server.pki.trust_roots_asn1()), tsa_url=server.tsa_url)
        data = os.urandom(512)
        figures["raw_rsa2048_per_s"] = rate(
            lambda: identity.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()), seconds)
        simple = signers.SimpleSigner(identity.asn1_certificate, identity.asn1_private_key,
                                      cert_registry=__import__("pyhanko_certvalidator").registry.SimpleCertificateStore
                                      .from_certs(identity.asn1_chain))
        for label, pdf in (("one_page", small), ("5mb", big)):
            figures[f"pyhanko_default_bb_{label}_per_s"] = rate(
                lambda pdf=pdf: signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)),
                                                 signers.PdfSignatureMetadata(field_name="Sig"), signer=simple),
                seconds)
            for level in (SignatureLevel.B_B, SignatureLevel.B_T, SignatureLevel.B_LTA):
                request = SignatureRequest(level=level)
                figures[f"ours_{level.name.lower()}_{label}_per_s"] = rate(
                    lambda pdf=pdf, request=request: sign_pdf(pdf, key, request, services),
                    seconds if level != SignatureLevel.B_LTA else seconds / 2, min_runs=2)
    return figures


def profile_signing(level: SignatureLevel = SignatureLevel.B_B, signatures: int = 300, top: int = 20) -> None:
    """Print where one-page signing at ``level`` spends its time (cProfile, cumulative and own time)."""
    import cProfile
    import pstats

    pdf = one_page_pdf()
    with PKIServer() as server:
        key = InMemoryKeySource.from_identity(server.pki.signer_rsa)
        services = SigningServices(trust_roots=tuple(server.pki.trust_roots_asn1()), tsa_url=server.tsa_url)
        request = SignatureRequest(level=level)
        sign_pdf(pdf, key, request, services)  # warm-up: imports, certificate check, cached DER
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(signatures):
            sign_pdf(pdf, key, request, services)
        profiler.disable()
        elapsed = time.perf_counter() - started
        tsa_split = _tsa_cost(server, services) if level.needs_timestamp else None
    print(f"{signatures} one-page {level.value} signatures in {elapsed:.2f} s under the profiler "
          f"({signatures / elapsed:.1f}/s; the profiler itself slows Python code down)")
    if tsa_split is not None:
        server_ms, round_trip_ms = tsa_split
        print(f"Timestamp, without the profiler: the TSA server builds a token in {server_ms:.2f} ms; the client's "
              f"HTTP round trip (token included) takes {round_trip_ms:.2f} ms, so {round_trip_ms - server_ms:.2f} ms "
              f"is HTTP on both sides")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def batch_benchmark(records: int, workers: int, tsa_delay_ms: float = 0.0) -> dict[str, float]:
    """Sign ``records`` one-page records at B-T into a fresh folder; the figures of that run."""
    import json
    import resource
    import tempfile

    from signing.batch import JOURNAL_NAME, sign_folder

    template = one_page_pdf()
    with tempfile.TemporaryDirectory(prefix="quytrinh-batch-") as tmp, PKIServer() as server:
        source, out = Path(tmp) / "in", Path(tmp) / "out"
        source.mkdir()
        for n in range(records):  # distinct bytes per record, as real ones are
            (source / f"hoc-ba-{n:06d}.pdf").write_bytes(template + f"%record {n}\n".encode())
        server.tsa_delay = tsa_delay_ms / 1000
        key = InMemoryKeySource.from_identity(server.pki.signer_rsa)
        services = SigningServices(trust_roots=tuple(server.pki.trust_roots_asn1()), tsa_url=server.tsa_url)
        started, cpu_started = time.perf_counter(), time.process_time()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        report = sign_folder(source, out, key, SignatureRequest(level=SignatureLevel.B_T), services,
                             workers=workers)
        elapsed = time.perf_counter() - started
        parent_cpu = time.process_time() - cpu_started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, once they have exited
        workers_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
        if report.stopped_by is not None or report.failed or len(report.signed) != records:
            raise SystemExit(f"batch incomplete: {report.to_dict()}")
        journal = [json.loads(line) for line in (out / JOURNAL_NAME).read_text(encoding="utf-8").splitlines()]
        levels = {entry["level"] for entry in journal}
        if len(journal) != records or levels != {"B-T"}:
            raise SystemExit(f"journal has {len(journal)} lines, levels {levels}")
        tokens = server.requests.count(("POST", "/tsa"))
    return {"records": records, "workers": workers, "tsa_delay_ms": tsa_delay_ms, "seconds": elapsed, "per_s": records / elapsed,
            "parent_cpu_s": parent_cpu, "workers_cpu_s": workers_cpu, "tsa_tokens": tokens}


def print_batch_figures(f: dict[str, float]) -> None:
    minutes = 60_000 / f["per_s"] / 60
    delay = f" answering {f['tsa_delay_ms']:.0f} ms late" if f["tsa_delay_ms"] else ""
    print(f"Batch: {f['records']} one-page records at B-T, {f['workers']} worker processes, local TSA{delay} "
          f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    print(f"  {f['seconds']:.1f} s wall, {f['per_s']:.1f} records/s; parent process (journal + TSA) used "
          f"{f['parent_cpu_s']:.1f} CPU-s; {f['tsa_tokens']} timestamp tokens")
    print(f"  projected 60,000 records: {minutes:.1f} min (target < 15 min = 66.7 records/s)")
    cpu_per_record = (f["parent_cpu_s"] + f["workers_cpu_s"]) / f["records"]
    print(f"  CPU per record: {cpu_per_record * 1000:.1f} ms (workers {f['workers_cpu_s']:.1f} CPU-s); on "
          f"{os.cpu_count()} otherwise idle cores that is at most {(os.cpu_count() or 1) / cpu_per_record:.0f} "
          f"records/s = {60_000 * cpu_per_record / (os.cpu_count() or 1) / 60:.1f} min for 60,000")


def _tsa_cost(server: PKIServer, services: SigningServices, tokens: int = 300) -> tuple[float, float]:
    """(server-side ms per token, client round-trip ms per token): where a B-T signature's TSA time goes."""
    import hashlib

    stamper = services.make_timestamper()
    _nonce, query = stamper.request_cms(hashlib.sha256(b"record").digest(), "sha256")
    der = query.dump()
    started = time.perf_counter()
    for _ in range(tokens):
        server.timestamp_response_der(der)
    server_ms = (time.perf_counter() - started) * 1000 / tokens
    started = time.perf_counter()
    for _ in range(tokens):
        stamper.request_tsa_reply(der)
    return server_ms, (time.perf_counter() - started) * 1000 / tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--profile", action="store_true", help="profile one-page B-B signing and print the top costs")
    parser.add_argument("--profile-level", default="B-B", help="level to profile with --profile (B-B, B-T, B-LT, B-LTA)")
    parser.add_argument("--no-validation", action="store_true", help="skip the validation section")
    parser.add_argument("--batch", type=int, metavar="N", help="sign N one-page records at B-T with sign_folder")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes for --batch")
    parser.add_argument("--tsa-delay-ms", type=float, default=0.0,
                        help="with --batch: the TSA answers this late (a remote TSA's round trip)")
    args = parser.parse_args()
    if args.batch:
        print_batch_figures(batch_benchmark(args.batch, args.workers, args.tsa_delay_ms))
        return
    if args.profile:
        profile_signing(SignatureLevel.parse(args.profile_level))
        return
    f = run_signing_benchmark(args.seconds)
    print(f"Raw RSA-2048 PKCS#1 v1.5 signatures (cryptography, floor): {f['raw_rsa2048_per_s']:8.1f} /s")
    for label, title in (("one_page", "one-page PDF"), ("5mb", f"{f['big_pdf_mb']:.1f} MB PDF")):
        base = f[f"pyhanko_default_bb_{label}_per_s"]
        print(f"\n{title}")
        print(f"  pyHanko defaults, B-B            : {base:8.1f} /s")
        for level in ("b_b", "b_t", "b_lta"):
            ours = f[f"ours_{level}_{label}_per_s"]
            print(f"  quytrinh {level.upper().replace('_', '-'):<6}                 : {ours:8.1f} /s"
                  f"   ({ours / base:5.2f}x pyHanko defaults, {ours / f['raw_rsa2048_per_s']:.3f}x raw RSA)")
    bt = f["ours_b_t_one_page_per_s"]
    cores = 2
    hours = 60_000 / (bt * cores) / 3600
    print(f"\nUpper bound: 60,000 one-page documents at B-T on {cores} cores ({bt:.1f}/s per process, local TSA, "
          f"perfect scaling): {hours * 60:.1f} min; measure the real batch with --batch 2000 (a remote TSA adds "
          f"its round trip per document, overlapped by the worker processes).")
    if not args.no_validation:
        print("\nValidation: quytrinh's validator vs pyHanko's default validator (benchmarks/validation.py)")
        validation = _validation_benchmark_module()
        validation.print_validation_figures(validation.run_validation_benchmark(args.seconds))


def _validation_benchmark_module():
    """benchmarks/validation.py, loaded by path (this folder is not on sys.path: see the http.py note above)."""
    import importlib.util

    path = Path(__file__).resolve().parent / "validation.py"
    spec = importlib.util.spec_from_file_location("quytrinh_validation_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()

"""Exchange throughput end to end: packages per second from one installation's outbox to a case started
in another's, over the local hub, against a floor.

End to end = instance A's ``deliver_outbox`` POSTs each queued package (``sendEdoc``: the hub checks
the HMAC and hash, parses the package, routes and stores it) and marks the row sent with its audit;
instance B's ``poll_inbox`` lists, fetches (``getEdoc``) and acknowledges (``updateStatus``) each one,
checks the envelope, validates the signed PDF attachment with ``signing.validation`` (offline), stores
the package byte for byte and starts a QT74 case with status 01 queued, in one transaction. Each
package carries a ~100 KB PDF sealed (PAdES B-B) by a test CA the receiver trusts. Both instances are
SQLite databases; everything runs in this process on loopback.

Floor = the same package bytes POSTed to a bare Werkzeug app that does one SQLite INSERT per request
and answers, over one reused connection: what HTTP + one durable write cost on this machine with
nothing of ours in the way. End to end makes three round trips per package (send, get, ack; the list
call is shared by a batch), so the floor is also given per three requests.

Run: ``.venv/bin/python benchmarks/exchange.py [--packages 300] [--no-validate] [--profile]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/http.py (a sibling) would shadow the standard library's http package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

import requests  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from connectors.axis import AxisClient, AxisHub, HubStore, serve_in_thread  # noqa: E402
from connectors.edxml import (  # noqa: E402
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    make_attachment,
)

SENDER = ("ctu", "000.21.36.H13", "secret-ctu")
RECEIVER = ("vpcp", "000.00.00.G22", "secret-vpcp")


def signed_pdf(pki, size: int = 100_000) -> bytes:  # type: ignore[no-untyped-def]
    """A letter of about ``size`` bytes, sealed B-B by the test PKI's organisation certificate."""
    import os

    from fpdf import FPDF

    from signing.keys.memory import InMemoryKeySource
    from signing.pades import sign_pdf
    from signing.services import SigningServices
    from signing.settings import SignatureLevel, SignatureRequest

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    for _ in range(size // 1000):  # about 1000 bytes of page content per paragraph, uncompressed
        words = " ".join(os.urandom(300).hex()[i:i + 8] for i in range(0, 600, 8))
        pdf.multi_cell(0, 4, text=words, new_x="LMARGIN", new_y="NEXT")
    services = SigningServices(trust_roots=tuple(pki.trust_roots_asn1()), check_revocation=False)
    return sign_pdf(bytes(pdf.output()), InMemoryKeySource.from_identity(pki.organisation),
                    SignatureRequest(level=SignatureLevel.B_B), services).pdf_bytes


def packages(count: int, pdf: bytes) -> list[bytes]:
    attachment = make_attachment("cong-van.pdf", pdf)
    return [build_document(MessageHeader(
        from_=Organization(SENDER[1], "Trường Đại học Cần Thơ"), to=(Organization(RECEIVER[1], "VPCP"),),
        code=Code(str(i + 1), "ĐHCT-VP"), promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14)),
        subject=f"Văn bản thử {i}"), [attachment]) for i in range(count)]


def instance(workdir: Path, name: str, agency: str):  # type: ignore[no-untyped-def]
    from app.config import load_settings
    from app.container import Container
    from app.migrate import upgrade

    folder = workdir / name
    folder.mkdir()
    c = Container(load_settings(env={}, overrides={"database_url": f"sqlite:///{folder / 'q.db'}",
                                                    "data_dir": str(folder / "var"), "agency_code": agency}))
    upgrade(c.db)
    return c


def end_to_end(bodies: list[bytes], workdir: Path, pki, validate: bool, profile: bool,  # type: ignore[no-untyped-def]
               validation_processes: int = 1) -> tuple[float, str]:
    from sqlalchemy import func, select

    from app.exchange.models import ReceivedPackage
    from app.exchange.security import attachment_validation_pool, attachment_validator
    from app.exchange.service import AXIS, AXIS_ACTOR, Exchange
    from engine import SYSTEM
    from engine.db import transaction
    from engine.modeling import load_model, read_package
    from engine.runtime.outputs import enqueue
    from signing.trust import default_trust_store

    store = HubStore(workdir / "hub.db")
    hub = AxisHub(store)
    hub.register(*SENDER)
    hub.register(*RECEIVER)
    running = serve_in_thread(hub)
    a, b = instance(workdir, "a", SENDER[1]), instance(workdir, "b", RECEIVER[1])
    b.engine.deploy(load_model(read_package(ROOT / "processes" / "QT74"), known_operators=b.registry.names()), SYSTEM)
    with transaction(a.sessions) as s:
        for i, body in enumerate(bodies):
            enqueue(s, None, AXIS_ACTOR.user_id, AXIS, "edoc", {"document_id": str(i), "to": [RECEIVER[1]]}, body)
    validator = None
    if validate:
        trust = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
        if validation_processes > 0:
            validator = attachment_validation_pool(b, policy="lenient", offline=True, trust_store=trust,
                                                   processes=validation_processes).warm_up()
        else:
            validator = attachment_validator(b, policy="lenient", offline=True, trust_store=trust)
    sender = Exchange(a, AxisClient(running.url, SENDER[0], SENDER[2], SENDER[1]))
    receiver = Exchange(b, AxisClient(running.url, RECEIVER[0], RECEIVER[2], RECEIVER[1]), validator)
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        started = 0
        while started < len(bodies):
            sender.deliver_outbox(limit=50)
            started += receiver.poll_inbox(limit=50).received
        elapsed = time.perf_counter() - start
        if profiler:
            profiler.disable()
        with b.sessions() as s:
            assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == len(bodies)
            verdicts = {r.report["attachments"][0]["validation"]["indication"] if validate else None
                        for r in s.scalars(select(ReceivedPackage))}
        assert verdicts == ({"PASSED"} if validate else {None}), verdicts
        text = ""
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            text = out.getvalue()
        return len(bodies) / elapsed, text
    finally:
        if hasattr(validator, "close"):
            validator.close()
        running.stop()
        store.close()
        a.dispose()
        b.dispose()


def floor(bodies: list[bytes], workdir: Path) -> float:
    db = sqlite3.connect(workdir / "floor.db", check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    lock = threading.Lock()

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        body = Request(environ).get_data()
        with lock:
            db.execute("INSERT INTO t (body) VALUES (?)", (body,))
        return Response(b'{"status":"OK"}', content_type="application/json")(environ, start_response)

    running = serve_in_thread(app)
    session = requests.Session()
    try:
        start = time.perf_counter()
        for body in bodies:
            session.post(f"{running.url}/sendEdoc", data=body, timeout=10).raise_for_status()
        return len(bodies) / (time.perf_counter() - start)
    finally:
        running.stop()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--no-validate", action="store_true", help="skip PDF signature validation on receipt")
    parser.add_argument("--validation-processes", type=int, default=1,
                        help="worker processes validating attachments beside the receiver (0: in line)")
    parser.add_argument("--profile", action="store_true", help="print the 30 costliest calls of the end-to-end run")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)  # pyHanko narrates offline path building; the figures are what matter
    from signing.testing import TestPKI

    pki = TestPKI()
    pdf = signed_pdf(pki)
    bodies = packages(args.packages, pdf)
    size = sum(map(len, bodies)) // len(bodies)
    tmp = Path(tempfile.mkdtemp(prefix="quytrinh-exchange-"))
    try:
        e2e, profile_text = end_to_end(bodies, tmp, pki, validate=not args.no_validate, profile=args.profile,
                                       validation_processes=args.validation_processes)
        bare = floor(bodies, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    what = "attachment not validated"
    if not args.no_validate:
        what = (f"attachment validated in {args.validation_processes} worker process(es)"
                if args.validation_processes else "attachment validated in line")
    print(f"packages: {len(bodies)} of ~{size} bytes (signed PDF attachment {len(pdf)} bytes)")
    print(f"end to end (outbox → hub → inbox → QT74 case started, {what}): {e2e:8.1f} packages/s")
    print(f"floor (bare HTTP POST + one SQLite write, per request):      {bare:8.1f} requests/s")
    print(f"floor per package at 3 requests each:                         {bare / 3:8.1f} packages/s")
    print(f"ratio floor/end-to-end: {bare / e2e:.1f}x per request, {bare / 3 / e2e:.1f}x per 3 requests")
    if profile_text:
        print(profile_text)


if __name__ == "__main__":
    main()

"""Exchange throughput end to end: packages per second from one installation's outbox to a case started
in another's, over the local hub, against a floor.

End to end = instance A's ``deliver_outbox`` POSTs each queued package (``sendEdoc``: the hub checks
the HMAC and hash, reads the package's headers, routes and stores it) and marks the row sent with its
audit; instance B's ``poll_inbox`` lists, fetches (``getEdoc``) and acknowledges (``updateStatus``)
each one, checks the envelope, validates the signed PDF attachment with ``signing.validation``
(offline), stores the package byte for byte and starts a QT74 case with status 01 queued, in one
transaction. Each package carries its own ~100 KB PDF (distinct bytes), sealed (PAdES B-B) by a test CA
the receiver trusts.

Layouts: by default (``--receivers 2``) A's sender and two receivers of B run as separate processes, as
a deployment runs its exchange workers (the hub stays in this process, on a thread), receiver i taking
share i/N of the DocIds (``app.exchange.claims``), each with one worker process validating its
attachments (``--validation-processes 0``: in line). On a 2-core machine this is the fastest layout: the
receiver (storing and starting the case) is the longest stage, and two of them keep both cores busy.
``--receivers 0`` runs A, the hub and B in this one process, taking turns (``--profile`` works there).
``--postgresql`` puts B on a scratch PostgreSQL database.

Floor = the same package bytes POSTed to a bare Werkzeug app that does one SQLite INSERT per request
and answers, over one reused connection with the axis client's own transport: what HTTP + one durable
write cost on this machine with nothing of ours in the way. End to end makes three round trips per
package (send, get, ack; the list call is shared by a batch), so the floor is also given per three
requests.

Wall-clock rates on a shared machine move with the neighbours' load, so both sides also report CPU
seconds per package (or request) summed over this process and its children: that figure does not.

Run: ``.venv/bin/python benchmarks/exchange.py [--packages 300] [--no-validate] [--validation-processes N]
[--receivers N] [--postgresql [ADMIN_URL]] [--profile]``.
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
import logging  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import date  # noqa: E402

from werkzeug.wrappers import Request, Response  # noqa: E402

from benchmarks.scratch import scratch_postgresql  # noqa: E402
from connectors.axis import AxisClient, AxisHub, HubStore, serve_in_thread  # noqa: E402
from connectors.axis.transport import make_transport  # noqa: E402
from connectors.edxml import (  # noqa: E402
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    make_attachment,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SENDER = ("ctu", "000.21.36.H13", "secret-ctu")
RECEIVER = ("vpcp", "000.00.00.G22", "secret-vpcp")


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) for every process in /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return stats


def tree_cpu_by_pid(root: int | None = None) -> dict[int, float]:
    """CPU seconds used so far by ``root`` (this process) and each live descendant, by pid."""
    stats = _process_table()
    mine = {root or os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in stats.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    return {pid: stats[pid][1] for pid in mine if pid in stats}


def tree_cpu() -> float:
    """CPU seconds used so far by this process and every live descendant (validation workers, receivers).

    On a shared, loaded machine wall-clock rates move with the neighbours' load; CPU per package does not.
    """
    return sum(tree_cpu_by_pid().values())


TOKEN = b"QUYTRINH-BENCH-000000"  # replaced per package by a same-length serial, so offsets stay valid


def unsigned_letter(size: int = 100_000) -> bytes:
    """A letter of about ``size`` bytes (uncompressed text) carrying :data:`TOKEN` once, to be made unique."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    pdf.multi_cell(0, 4, text=TOKEN.decode(), new_x="LMARGIN", new_y="NEXT")
    for _ in range(size // 1000):  # about 1000 bytes of page content per paragraph, uncompressed
        words = " ".join(os.urandom(300).hex()[i:i + 8] for i in range(0, 600, 8))
        pdf.multi_cell(0, 4, text=words, new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    assert data.count(TOKEN) == 1
    return data


def signed_pdfs(pki, count: int, size: int = 100_000) -> list[bytes]:  # type: ignore[no-untyped-def]
    """``count`` distinct letters, each sealed (PAdES B-B) on its own by the test PKI's organisation certificate.

    Every package carries different bytes, so nothing content-addressed (document storage, a validation
    result) can be reused between packages: each one is stored and validated as a fresh document would be.
    """
    from signing.keys.memory import InMemoryKeySource
    from signing.pades import sign_pdf
    from signing.services import SigningServices
    from signing.settings import SignatureLevel, SignatureRequest

    base = unsigned_letter(size)
    services = SigningServices(trust_roots=tuple(pki.trust_roots_asn1()), check_revocation=False)
    key = InMemoryKeySource.from_identity(pki.organisation)
    request = SignatureRequest(level=SignatureLevel.B_B)
    out = []
    for i in range(count):
        serial = f"QUYTRINH-BENCH-{i:06d}".encode()
        out.append(sign_pdf(base.replace(TOKEN, serial), key, request, services).pdf_bytes)
    assert len(set(out)) == count
    return out


def signed_pdf(pki, size: int = 100_000) -> bytes:  # type: ignore[no-untyped-def]
    """One such sealed letter (for scripts that measure a single validation)."""
    return signed_pdfs(pki, 1, size)[0]


def packages(pdfs: list[bytes]) -> list[bytes]:
    return [build_document(MessageHeader(
        from_=Organization(SENDER[1], "Trường Đại học Cần Thơ"), to=(Organization(RECEIVER[1], "VPCP"),),
        code=Code(str(i + 1), "ĐHCT-VP"), promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14)),
        subject=f"Văn bản thử {i}"), [make_attachment("cong-van.pdf", pdf)]) for i, pdf in enumerate(pdfs)]


def instance(workdir: Path, name: str, agency: str, database_url: str = "", migrate: bool = True):  # type: ignore[no-untyped-def]
    from app.config import load_settings
    from app.container import Container
    from app.migrate import upgrade

    folder = workdir / name
    folder.mkdir(exist_ok=True)
    c = Container(load_settings(env={}, overrides={"database_url": database_url or f"sqlite:///{folder / 'q.db'}",
                                                    "data_dir": str(folder / "var"), "agency_code": agency}))
    if migrate:
        upgrade(c.db)
    return c


def _hub(workdir: Path):  # type: ignore[no-untyped-def]
    store = HubStore(workdir / "hub.db")
    hub = AxisHub(store)
    hub.register(*SENDER)
    hub.register(*RECEIVER)
    return store, serve_in_thread(hub)


def _prepare(bodies: list[bytes], workdir: Path, database_url: str = ""):  # type: ignore[no-untyped-def]
    """A with every package queued in its outbox, B (``database_url``, else SQLite) with QT74 deployed."""
    from app.exchange.service import AXIS, AXIS_ACTOR
    from engine import SYSTEM
    from engine.db import transaction
    from engine.modeling import load_model, read_package
    from engine.runtime.outputs import enqueue

    a, b = instance(workdir, "a", SENDER[1]), instance(workdir, "b", RECEIVER[1], database_url)
    b.engine.deploy(load_model(read_package(ROOT / "processes" / "QT74"), known_operators=b.registry.names()), SYSTEM)
    with transaction(a.sessions) as s:
        for i, body in enumerate(bodies):
            enqueue(s, None, AXIS_ACTOR.user_id, AXIS, "edoc", {"document_id": str(i), "to": [RECEIVER[1]]}, body)
    return a, b


def _warm(container) -> None:  # type: ignore[no-untyped-def]
    """What a long-running receiver has done long before: import its operators (the registry) and the
    script engine, load QT74's spec into the version cache and compile the checks of its start form
    (fastjsonschema compiles each schema once per process, ~0.1 s), so that the timed run measures
    receiving, not start-up."""
    from app.exchange.service import INCOMING_PROCEDURE
    from engine.errors import InvalidData
    from engine.runtime.cases import current_version
    from engine.runtime.forms import validate_form
    from engine.runtime.specs import version_data
    from engine.runtime.stepper import make_script_engine

    container.registry.names()
    make_script_engine(None)
    with container.readers() as s:
        version = current_version(s, INCOMING_PROCEDURE)
        data = version_data(s, version.id, version.content_hash)
    try:
        validate_form(data.forms.get("start"), {})
    except InvalidData:
        pass  # refused, as it should be: what counts is that its checks are compiled now


def _check_verdicts(session, validate: bool) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.exchange.models import ReceivedPackage

    verdicts = {r.report["attachments"][0]["validation"]["indication"] if validate else None
                for r in session.scalars(select(ReceivedPackage))}
    assert verdicts == ({"PASSED"} if validate else {None}), verdicts


def end_to_end(bodies: list[bytes], workdir: Path, pki, validate: bool, profile: bool,  # type: ignore[no-untyped-def]
               validation_processes: int = 1, database_url: str = "") -> tuple[float, str]:
    """Sender, hub and receiver in this one process (the hub on a thread), taking turns."""
    from sqlalchemy import func, select

    from app.exchange.models import ReceivedPackage
    from app.exchange.security import attachment_validation_pool, attachment_validator
    from app.exchange.service import Exchange
    from signing.trust import default_trust_store

    store, running = _hub(workdir)
    a, b = _prepare(bodies, workdir, database_url)
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
    _warm(b)
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler:
            profiler.enable()
        start, cpu = time.perf_counter(), tree_cpu()
        started = 0
        while started < len(bodies):
            sender.deliver_outbox(limit=50)
            started += receiver.poll_inbox(limit=50).received
        elapsed, cpu = time.perf_counter() - start, tree_cpu() - cpu
        if profiler:
            profiler.disable()
        with b.sessions() as s:
            assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == len(bodies)
            _check_verdicts(s, validate)
        text = ""
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            text = out.getvalue()
        return len(bodies) / elapsed, f"CPU per package, all processes: {1000 * cpu / len(bodies):.1f} ms\n{text}"
    finally:
        receiver.close()
        running.stop()
        store.close()
        a.dispose()
        b.dispose()


# -- several processes: sender, N receivers (the hub stays in this process's thread) -----------------
def _send_all(workdir: str, count: int, hub_url: str, ready, go) -> None:  # type: ignore[no-untyped-def]
    from app.exchange.service import Exchange

    logging.disable(logging.WARNING)
    a = instance(Path(workdir), "a", SENDER[1], migrate=False)
    sender = Exchange(a, AxisClient(hub_url, SENDER[0], SENDER[2], SENDER[1]))
    ready.put("sender")
    go.wait()
    sent = 0
    while sent < count:
        sent += sender.deliver_outbox(limit=50).sent
    a.dispose()


def _receive_all(workdir: str, database_url: str, count: int, hub_url: str, roots: list[bytes], validate: bool,
                 validation_processes: int, share: tuple[int, int], ready, go,  # type: ignore[no-untyped-def]
                 results) -> None:
    from asn1crypto import x509
    from sqlalchemy import func, select

    from app.exchange.models import ReceivedPackage
    from app.exchange.security import attachment_validation_pool, attachment_validator
    from app.exchange.service import Exchange
    from signing.trust import default_trust_store

    logging.disable(logging.WARNING)
    b = instance(Path(workdir), "b", RECEIVER[1], database_url, migrate=False)
    validator = None
    if validate:
        trust = default_trust_store().with_extra_anchors([x509.Certificate.load(der) for der in roots])
        validator = (attachment_validation_pool(b, policy="lenient", offline=True, trust_store=trust,
                                                processes=validation_processes).warm_up() if validation_processes
                     else attachment_validator(b, policy="lenient", offline=True, trust_store=trust))
    receiver = Exchange(b, AxisClient(hub_url, RECEIVER[0], RECEIVER[2], RECEIVER[1]), validator,
                        receiver_share=share)
    _warm(b)
    ready.put("receiver")
    go.wait()
    got = duplicates = 0
    while True:
        round_ = receiver.poll_inbox(limit=50)
        got, duplicates = got + round_.received, duplicates + round_.duplicates
        with b.readers() as s:  # a snapshot: a write session would queue behind the other receivers' runs
            if s.scalar(select(func.count()).select_from(ReceivedPackage)) >= count:
                break
        if not (round_.received or round_.duplicates):
            time.sleep(0.01)
    results.put((got, duplicates))
    receiver.close()
    b.dispose()


def in_processes(bodies: list[bytes], workdir: Path, pki, validate: bool, receivers: int,  # type: ignore[no-untyped-def]
                 validation_processes: int, database_url: str) -> tuple[float, str]:
    import multiprocessing

    from sqlalchemy import func, select

    from app.exchange.models import ReceivedPackage

    store, running = _hub(workdir)
    a, b = _prepare(bodies, workdir, database_url)
    a.dispose()
    roots = [c.dump() for c in pki.trust_roots_asn1()]
    ctx = multiprocessing.get_context("spawn")
    ready, go, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_send_all, args=(str(workdir), len(bodies), running.url, ready, go))]
    workers += [ctx.Process(target=_receive_all, args=(str(workdir), database_url or str(b.settings.database_url),
                                                       len(bodies), running.url, roots, validate,
                                                       validation_processes, (i, receivers), ready, go, results))
                for i in range(receivers)]
    try:
        for w in workers:
            w.start()
        for _ in workers:
            ready.get(timeout=120)
        start, before = time.perf_counter(), {pid: tree_cpu_by_pid(pid) for pid in _roles(workers)}
        go.set()
        counts = [results.get(timeout=600) for _ in range(receivers)]
        elapsed = time.perf_counter() - start
        after = {pid: tree_cpu_by_pid(pid) for pid in _roles(workers)}
        by_role: dict[str, float] = {}
        for pid, role in _roles(workers).items():
            for child, used in after[pid].items():
                # the main process's own share is the hub (its thread); a receiver's children validate
                if role == "hub" and child != pid:
                    continue  # the workers: counted under their own roles
                name = role if child == pid else "validation"
                by_role[name] = by_role.get(name, 0.0) + used - before[pid].get(child, 0.0)
        cpu = sum(by_role.values())
        for w in workers:
            w.join(timeout=60)
        with b.sessions() as s:
            assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == len(bodies)
            _check_verdicts(s, validate)
        shares = ", ".join(f"{role} {1000 * used / len(bodies):.1f}" for role, used in by_role.items())
        note = (f"CPU per package, all processes: {1000 * cpu / len(bodies):.1f} ms ({shares})\n"
                f"receivers took in {[c[0] for c in counts]} packages, "
                f"{sum(c[1] for c in counts)} duplicates between them")
        return len(bodies) / elapsed, note
    finally:
        for w in workers:
            if w.is_alive():
                w.kill()
        running.stop()
        store.close()
        b.dispose()


def _roles(workers: list) -> dict[int, str]:  # type: ignore[type-arg]
    """pid -> role: this process serves the hub; the first worker sends; the others receive."""
    roles = {os.getpid(): "hub"}
    for i, w in enumerate(workers):
        roles[w.pid] = "sender" if i == 0 else "receiver"
    return roles


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
    # the axis client's own transport (a kept-alive http.client connection), so that the floor pays for
    # HTTP what the end-to-end run pays, no more
    transport = make_transport(running.url, (10.0, 10.0))
    try:
        start, cpu = time.perf_counter(), tree_cpu()
        for body in bodies:
            reply = transport.post("sendEdoc", body, {"Content-Type": "application/json"})
            assert reply.ok, reply
        elapsed, cpu = time.perf_counter() - start, tree_cpu() - cpu
        print(f"floor CPU per request: {1000 * cpu / len(bodies):.1f} ms")
        return len(bodies) / elapsed
    finally:
        transport.close()
        running.stop()
        db.close()


@contextmanager
def receiver_database(pg_admin_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database for B, migrated, dropped afterwards ('' when not asked for)."""
    if not pg_admin_url:
        yield ""
        return
    with scratch_postgresql(pg_admin_url, "qt_bench_exchange") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--no-validate", action="store_true", help="skip PDF signature validation on receipt")
    parser.add_argument("--validation-processes", type=int, default=1,
                        help="worker processes validating attachments beside each receiver (0: in line)")
    parser.add_argument("--receivers", type=int, default=2,
                        help="run the sender and N receivers as separate processes (0: all in this process)")
    parser.add_argument("--postgresql", nargs="?", const=DEFAULT_PG, default="", metavar="ADMIN_URL",
                        help=f"B's database on PostgreSQL (a scratch database; default server {DEFAULT_PG})")
    parser.add_argument("--profile", action="store_true", help="print the 30 costliest calls of the end-to-end run (with --receivers 0)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # pyHanko narrates offline path building; the figures are what matter
    from signing.testing import TestPKI

    pki = TestPKI()
    pdfs = signed_pdfs(pki, args.packages)
    bodies = packages(pdfs)
    size = sum(map(len, bodies)) // len(bodies)
    tmp = Path(tempfile.mkdtemp(prefix="quytrinh-exchange-"))
    note = ""
    try:
        with receiver_database(args.postgresql) as url:
            if args.receivers:
                e2e, note = in_processes(bodies, tmp, pki, not args.no_validate, args.receivers,
                                         args.validation_processes, url)
            else:
                e2e, note = end_to_end(bodies, tmp, pki, validate=not args.no_validate, profile=args.profile,
                                       validation_processes=args.validation_processes, database_url=url)
        bare = floor(bodies, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    what = "attachment not validated"
    if not args.no_validate:
        what = (f"attachment validated in {args.validation_processes} worker process(es) per receiver"
                if args.validation_processes else "attachment validated in line")
    layout = (f"sender + {args.receivers} receiver process(es)" if args.receivers else "one process")
    print(f"packages: {len(bodies)} of ~{size} bytes, each with its own signed PDF of ~{len(pdfs[0])} bytes")
    print(f"layout: {layout}; B on {'PostgreSQL' if args.postgresql else 'SQLite'}; {what}")
    print(f"end to end (outbox → hub → inbox → QT74 case started):        {e2e:8.1f} packages/s")
    print(f"floor (bare HTTP POST + one SQLite write, per request):      {bare:8.1f} requests/s")
    print(f"floor per package at 3 requests each:                         {bare / 3:8.1f} packages/s")
    print(f"ratio floor/end-to-end: {bare / e2e:.1f}x per request, {bare / 3 / e2e:.1f}x per 3 requests")
    if note:
        print(note)


if __name__ == "__main__":
    main()

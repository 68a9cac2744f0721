"""Exchange throughput: packages per second end to end over the local hub, against a floor.

End to end = the sender builds a small document package (one PDF page), signs the request headers
and POSTs it (``sendEdoc``); the hub checks the HMAC and hash, parses the package safely, routes and
stores it; the receiver lists, fetches and acknowledges it (``getReceivedEdocList``, ``getEdoc``,
``updateStatus``) and parses it. Four signed HTTP round trips and four SQLite transactions per
package, all on loopback.

Floor = the same number of bytes POSTed to a bare Werkzeug app that does one SQLite INSERT and
answers: what HTTP + one durable write cost on this machine, with nothing of ours in the way.

Run: ``.venv/bin/python benchmarks/exchange.py [--packages 300]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests
from werkzeug.wrappers import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.axis import AxisClient, AxisHub, HubStore, serve_in_thread  # noqa: E402
from connectors.edxml import (  # noqa: E402
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    make_attachment,
    read_package,
)

SENDER = ("ctu", "000.21.36.H13", "secret-ctu")
RECEIVER = ("moet", "000.00.00.G03", "secret-moet")


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Cong van thu nghiem")
    return bytes(pdf.output())


def _packages(count: int) -> list[bytes]:
    pdf = make_attachment("cong-van.pdf", _pdf())
    return [build_document(MessageHeader(
        from_=Organization(SENDER[1], "Trường Đại học Cần Thơ"), to=(Organization(RECEIVER[1], "Bộ GD&ĐT"),),
        code=Code(str(i + 1), "ĐHCT-VP"), promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14)),
        subject=f"Văn bản thử {i}"), [pdf]) for i in range(count)]


def end_to_end(packages: list[bytes], workdir: Path) -> float:
    store = HubStore(workdir / "hub.db")
    hub = AxisHub(store)
    hub.register(SENDER[0], SENDER[1], SENDER[2])
    hub.register(RECEIVER[0], RECEIVER[1], RECEIVER[2])
    running = serve_in_thread(hub)
    sender = AxisClient(running.url, SENDER[0], SENDER[2], SENDER[1])
    receiver = AxisClient(running.url, RECEIVER[0], RECEIVER[2], RECEIVER[1])
    try:
        start = time.perf_counter()
        for package in packages:
            sender.send_edoc(package)
            for doc_id in receiver.list_received():
                read_package(receiver.get_edoc(doc_id))
                receiver.update_status(doc_id, "done")
        elapsed = time.perf_counter() - start
        assert receiver.list_received() == []
        return len(packages) / elapsed
    finally:
        running.stop()
        store.close()


def floor(packages: list[bytes], workdir: Path) -> float:
    db = sqlite3.connect(workdir / "floor.db", check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    lock = threading.Lock()

    def app(environ, start_response):
        body = Request(environ).get_data()
        with lock:
            db.execute("INSERT INTO t (body) VALUES (?)", (body,))
        return Response(b'{"status":"OK"}', content_type="application/json")(environ, start_response)

    running = serve_in_thread(app)
    session = requests.Session()
    try:
        start = time.perf_counter()
        for package in packages:
            session.post(f"{running.url}/sendEdoc", data=package, timeout=10).raise_for_status()
        return len(packages) / (time.perf_counter() - start)
    finally:
        running.stop()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=300)
    args = parser.parse_args()
    packages = _packages(args.packages)
    size = sum(map(len, packages)) // len(packages)
    with tempfile.TemporaryDirectory(prefix="quytrinh-exchange-") as tmp:
        e2e = end_to_end(packages, Path(tmp))
        bare = floor(packages, Path(tmp))
    print(f"packages: {len(packages)} of ~{size} bytes")
    print(f"end to end (send, list, get, ack, parse): {e2e:8.1f} packages/s")
    print(f"floor (bare HTTP POST + one SQLite write):  {bare:8.1f} packages/s")
    print(f"ratio floor/end-to-end: {bare / e2e:.1f}x (end to end makes 4 round trips per package)")


if __name__ == "__main__":
    main()

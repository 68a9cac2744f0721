"""Serving the hub (or any WSGI app) over HTTP/1.1 with kept-alive connections, via waitress.

Why not Werkzeug's development server, which served the hub before: it answers every request with
``Connection: close`` and then waits up to 10 ms in ``select`` for leftover request bytes, so each
call to the axis paid a new TCP connection and a new thread (about 0.9 ms of CPU per trivial request
with the client, against 0.44 ms for waitress on a kept-alive connection, measured on this machine).
Waitress is a maintained, production WSGI server in pure Python (no compiler, no extra system
package), with a fixed pool of worker threads, and it can be started and stopped inside a process,
which the tests and benchmarks need.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from waitress.server import create_server

log = logging.getLogger(__name__)

RECV_BYTES = 262_144


@dataclass
class RunningHub:
    """A WSGI app served on a port by a background thread; ``stop()`` closes every connection."""

    server: Any
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}"

    def stop(self) -> None:
        # close the listening socket and every kept-alive connection (the loop ends when none is left),
        # then let the worker threads finish what they hold: webtest's StopableWSGIServer does the same
        server = self.server
        while server._map:
            for channel in list(server._map.values()):
                channel.handle_close()
        server.task_dispatcher.shutdown()
        self.thread.join(timeout=5)


def make_hub_server(app: Any, host: str = "127.0.0.1", port: int = 0, *, threads: int = 8) -> Any:
    """A waitress server for ``app``, bound but not yet running (``.run()`` serves until closed).

    ``threads``: requests handled at once (the hub's store serialises its writes itself).
    ``max_request_body_size`` is left to the hub, which refuses an oversized package with its own reason.
    ``recv_bytes``: what the server's loop reads from a socket at a time. Waitress' 8 KiB took a ~140 KB
    package in ~18 reads, each a turn of the loop (poll, recv, the request parser) on the thread that
    serves every connection; 256 KiB takes it in a few (per exchanged package, strace counted 18 -> 3
    recvfrom and 21 -> 6 poll calls). The bytes are copied into the request's buffer either way.
    """
    return create_server(app, host=host, port=port, threads=threads, ident="quytrinh-axis-hub",
                         expose_tracebacks=False, asyncore_use_poll=True, recv_bytes=RECV_BYTES)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True,
                    threads: int = 8) -> RunningHub:
    """Serve ``app`` (a hub, or a hub wrapped by test middleware) on a free port in a daemon thread.

    ``quiet`` is kept for callers of the Werkzeug version: waitress writes no access line anyway (the
    hub keeps its own, hash-chained log).
    """
    server = make_hub_server(app, host, port, threads=threads)
    thread = threading.Thread(target=server.run, name="axis-hub", daemon=True)
    thread.start()
    return RunningHub(server, thread)

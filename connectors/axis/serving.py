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

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

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


# an answer's first piece up to this size goes out in one send with the status line and headers
MERGE_BYTES = 65_536


class HubTask(WSGITask):
    """Waitress' WSGI task, but the status line and headers leave in one send with a small first piece.

    ``Task.write`` hands the header block and the first piece of the body to the connection one after
    the other, and each ``write_soon`` sends at once (waitress' ``send_bytes`` is 1): two ``send`` calls
    and two TCP segments per answer, and the client woken for the headers alone. Here the two are
    joined (a copy of at most :data:`MERGE_BYTES`) when waitress would write the piece as it is: a body
    with a ``Content-Length`` it does not exceed, not chunked, bytes. Anything else (a large piece, a
    file wrapper, no length, an excess) goes through ``Task.write`` unchanged. The bytes sent are the same.
    """

    def write(self, data: bytes) -> None:
        if self.wrote_header or not data or not self.complete or len(data) > MERGE_BYTES:
            return super().write(data)
        head = self.build_response_header()
        length = self.content_length
        if (type(data) is bytes and self.has_body and not self.chunked_response and length is not None
                and self.content_bytes_written + len(data) <= length):
            self.content_bytes_written += len(data)
            self.channel.write_soon(head + data)
            self.wrote_header = True
            return None
        self.channel.write_soon(head)  # what Task.write does, from here on
        self.wrote_header = True
        return super().write(data)


class HubChannel(HTTPChannel):
    """Waitress' connection, minus the server loop's idle wake-ups while a task thread writes its answer.

    A task thread writes its answer itself (``write_soon``, waitress' ``send_bytes`` is 1) while holding
    the connection's ``outbuf_lock``; meanwhile the loop saw bytes waiting (``writable()``), asked poll
    for POLLOUT, got it at once (the socket has room), found the lock taken (``handle_write`` then does
    nothing) and asked again, round after round. Each round gives up the GIL only for the poll, so the
    task thread, back from its ``send`` and waiting for the GIL, often waited for the 5 ms switch
    interval: under load (a sender and two busy receivers) 20-135 such rounds per exchanged package.
    Here the loop does not ask for POLLOUT while the task flushes; the task pulls the loop's trigger
    when it leaves bytes the loop has to send (``write_soon``: anything left, or a failed send), as
    waitress already does, and closing (``will_close``, ``close_when_flushed``) is never held back.
    """

    task_class = HubTask
    _task_flushing = False

    def writable(self) -> bool:
        if self._task_flushing and not (self.will_close or self.close_when_flushed):
            return False  # handle_write could not take the lock the task holds: it would do nothing
        return bool(super().writable())

    def _flush_some(self, do_close: bool = True) -> bool:
        # do_close=False: called by a task thread (write_soon and its high-watermark wait), holding
        # outbuf_lock; the loop's own flushes (handle_write) and send_continue keep do_close=True
        if do_close:
            return bool(super()._flush_some(do_close))
        self._task_flushing = True
        try:
            return bool(super()._flush_some(do_close))
        finally:
            self._task_flushing = False


def make_hub_server(app: Any, host: str = "127.0.0.1", port: int = 0, *, threads: int = 8) -> Any:
    """A waitress server for ``app``, bound but not yet running (``.run()`` serves until closed).

    ``threads``: requests handled at once (the hub's store serialises its writes itself).
    ``max_request_body_size`` is left to the hub, which refuses an oversized package with its own reason.
    ``recv_bytes``: what the server's loop reads from a socket at a time. Waitress' 8 KiB took a ~140 KB
    package in ~18 reads, each a turn of the loop (poll, recv, the request parser) on the thread that
    serves every connection; 256 KiB takes it in a few (per exchanged package, strace counted 18 -> 3
    recvfrom and 21 -> 6 poll calls). The bytes are copied into the request's buffer either way.
    """
    server = create_server(app, host=host, port=port, threads=threads, ident="quytrinh-axis-hub",
                           expose_tracebacks=False, asyncore_use_poll=True, recv_bytes=RECV_BYTES)
    server.channel_class = HubChannel  # accepted connections are made by handle_accept from this
    return server


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

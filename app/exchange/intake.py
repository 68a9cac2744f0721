"""Taking packages in from the axis: list, claim, fetch, read, validate beside, store, acknowledge.

Split from :mod:`.service` (which stores and applies each package) because this part is about
order and overlap: package k+1 is fetched, read and its attachments handed to the validator
(another process when it is a :class:`~.validation_pool.ValidationPool`) before package k is stored,
so validation runs while the receiver stores, starts cases and talks to the axis. Consecutive new
documents are stored together, up to ``store_batch`` per transaction (each with its own case and
verdicts; a run that fails is rolled back whole and stored one by one), and every package is
acknowledged on its own only after the commit that stored it, in the order listed, which keeps the
exactly-once argument of :mod:`.service` unchanged.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import bindparam, select

from connectors.axis import AxisClient, AxisError
from connectors.edxml import (
    BusinessDocType,
    DocumentPackage,
    EdxmlError,
    SignatureCheck,
    check_envelope,
    describe_receipt,
    read_package_tree,
)

from .claims import Claims
from .models import ReceivedPackage
from .write_lock import WriteLockProbe

_RECEIVED = ReceivedPackage.__table__
_ALREADY_RECEIVED = (select(_RECEIVED.c.id)
                     .where(_RECEIVED.c.sender == bindparam("sender"), _RECEIVED.c.document_id == bindparam("document_id"),
                            _RECEIVED.c.business_doc_type == bindparam("doc_type"), _RECEIVED.c.status_code == "",
                            _RECEIVED.c.kind == "edoc")
                     .limit(1))


@dataclass
class RoundReport:
    sent: int = 0
    received: int = 0
    duplicates: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "received": self.received, "duplicates": self.duplicates,
                "refused": self.refused, "errors": self.errors}


@dataclass
class _Incoming:
    """A fetched package between reading (and submitting its attachments for validation) and storing."""

    data: bytes
    digest: str
    remote_id: str
    package: Any = None
    signature: SignatureCheck | None = None
    verdicts: list[Callable[[], Any]] | None = None
    outcome: str | None = None  # decided without storing a case: refused unreadable, duplicate


class AxisThreads:
    """Fetching and acknowledging on threads of their own, one each, in the order asked for.

    Why: a single-threaded receiver sat idle through every ``getEdoc`` and ``updateStatus`` round
    trip. Here the next packages are fetched while the receiver reads and stores the ones before,
    and acknowledgements travel while it goes on. An acknowledgement is still asked for only after
    the commit that stored its package, so a crash in between makes the axis deliver the package
    again, which the unique key turns into ``duplicate``, as before. Each thread has its own client
    (:meth:`AxisClient.twin`): a kept-alive connection serves one thread. The receiver takes the
    answers on its own thread, so claims are taken and released and the round's report counted
    where they always were.
    """

    def __init__(self, client: AxisClient) -> None:
        self._fetching, self._acknowledging = client.twin(), client.twin()
        self._fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="axis-fetch")
        self._acknowledger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="axis-ack")

    def fetch(self, remote_id: str) -> Future[bytes]:
        return self._fetcher.submit(self._fetching.get_edoc, remote_id)

    def acknowledge(self, remote_id: str, status: str) -> Future[None]:
        return self._acknowledger.submit(self._acknowledging.update_status, remote_id, status)

    def close(self) -> None:
        for pool in (self._fetcher, self._acknowledger):
            pool.shutdown(wait=True)
        self._fetching.close()
        self._acknowledging.close()


class Intake:
    """The receiving loop of :class:`~.service.Exchange` (a mixin: it stores through the methods there)."""

    c: Any
    client: AxisClient
    agency: str
    validator: Any
    trusted_certs: Sequence[bytes]
    read_ahead: int
    claims: Claims
    _refuse: Callable[..., str]
    _accept_document: Callable[..., str]
    _accept_status: Callable[..., str]
    _store_new_documents: Callable[..., list[str] | None]
    store_batch: int
    fetch_ahead: int
    read_ahead_while_locked: int
    write_lock: WriteLockProbe
    _axis_threads: AxisThreads | None
    #: acknowledgements asked for and not yet collected, in order: (DocId, outcome, answer)
    _unanswered: deque[tuple[str, str, Future[None]]]

    def poll_inbox(self, limit: int | None = None) -> RoundReport:
        """Take in waiting packages (``limit`` per message type): store and apply each in one transaction,
        then acknowledge it.

        A crash between the commit and the acknowledgement makes the axis deliver it again; the
        unique key turns the second delivery into ``duplicate`` and it is acknowledged then.
        Pipelined: package k+1 is fetched, read and its attachments handed to the validator (another
        process when it is a :class:`ValidationPool`) before package k is stored, so validation runs
        while the receiver stores and starts cases; fetching runs ahead and acknowledging behind on
        threads of their own (:class:`AxisThreads`). Each package is still stored (with its verdicts)
        and acknowledged on its own, in the order listed, and the round ends when every answer is in.
        """
        report = RoundReport()
        for message_type in ("edoc", "status"):
            try:
                waiting = self.client.list_received(message_type)
            except AxisError as exc:
                report.errors.append(str(exc))
                continue
            ahead: deque[_Incoming] = deque()
            batch = max(1, self.store_batch)
            try:
                with closing(self._fetched(waiting, limit, report)) as fetched:  # closed (claims released) on error too
                    for remote_id, data in fetched:
                        ahead.append(self._take(data, remote_id))
                        while len(ahead) >= batch + self.read_ahead and self._turn_to_store(len(ahead) - batch):
                            self._finish([ahead.popleft() for _ in range(batch)], report)
                while ahead:
                    self._finish([ahead.popleft() for _ in range(min(batch, len(ahead)))], report)
            finally:
                for left in ahead:  # only when an unexpected error interrupts the round
                    self.claims.release(left.remote_id)
                self._collect_acks(report, wait=True)
        return report

    def _turn_to_store(self, left_ahead: int) -> bool:
        """Whether to store a group now: yes, unless another writer holds SQLite's write lock and fewer
        than ``read_ahead_while_locked`` more packages are read ahead (see :mod:`.write_lock`)."""
        return left_ahead >= self.read_ahead + self.read_ahead_while_locked or self.write_lock.free()

    def _threads(self) -> AxisThreads:
        if self._axis_threads is None:
            self._axis_threads = AxisThreads(self.client)
        return self._axis_threads

    def _fetched(self, waiting: Sequence[str], limit: int | None, report: RoundReport) -> Iterator[tuple[str, bytes]]:
        """``(DocId, package)`` for up to ``limit`` of ``waiting`` that this receiver claims, in order,
        fetched up to ``fetch_ahead`` ahead on the fetching thread. A package that cannot be fetched is
        released and reported; whatever an interrupted round had in flight is released too."""
        ids = iter(self.claims.candidates(waiting))
        in_flight: deque[tuple[str, Future[bytes]]] = deque()
        claimed = 0

        def top_up() -> None:
            nonlocal claimed
            while len(in_flight) < max(1, self.fetch_ahead) and (limit is None or claimed < limit):
                remote_id, steal = next(ids, (None, False))
                if remote_id is None:
                    return
                if self.claims.try_claim(remote_id, steal):  # else another receiver of ours has it
                    claimed += 1
                    in_flight.append((remote_id, self._threads().fetch(remote_id)))

        try:
            top_up()
            while in_flight:
                remote_id, answer = in_flight.popleft()
                try:
                    data = answer.result()
                except AxisError as exc:
                    self.claims.release(remote_id)
                    report.errors.append(str(exc))
                    continue
                finally:
                    top_up()
                yield remote_id, data
        finally:
            for remote_id, answer in in_flight:  # only when an unexpected error interrupts the round
                answer.cancel()
                with suppress(Exception):
                    answer.result()
                self.claims.release(remote_id)

    def _finish(self, group: list[_Incoming], report: RoundReport) -> None:
        """Store a group of taken packages (new documents together, see ``_settle_group``), then ask for
        each one's acknowledgement (sent by the acknowledging thread of :class:`AxisThreads`): it only
        ever follows the commit that stored its package."""
        try:
            outcomes = self._settle_group(group)
        except BaseException:
            for incoming in group:
                self.claims.release(incoming.remote_id)
            raise
        for incoming, outcome in zip(group, outcomes, strict=True):
            answer = self._threads().acknowledge(incoming.remote_id, "done" if outcome != "refused" else "fail")
            self._unanswered.append((incoming.remote_id, outcome, answer))
        self._collect_acks(report, wait=False)

    def _collect_acks(self, report: RoundReport, *, wait: bool) -> None:
        """Count the answered acknowledgements (all of them when ``wait``), in order, releasing their claims."""
        while self._unanswered and (wait or self._unanswered[0][2].done()):
            remote_id, outcome, answer = self._unanswered.popleft()
            try:
                answer.result()
            except AxisError as exc:  # stored already: the axis delivers it again and it becomes a duplicate
                report.errors.append(str(exc))
                continue
            finally:
                self.claims.release(remote_id)
            if outcome == "duplicate":
                report.duplicates += 1
            elif outcome == "refused":
                report.refused += 1
            else:
                report.received += 1

    def _settle_group(self, group: list[_Incoming]) -> list[str]:
        """Outcomes of ``group`` in order: each run of consecutive new documents to us is stored in one
        transaction (one commit instead of one per package), everything else one by one as before.

        A run whose transaction fails for any reason (a duplicate that raced in, a case that cannot
        start) is rolled back whole and its packages stored one by one, so each gets the outcome it
        would have had alone and none is lost; only then are any of them acknowledged.
        """
        outcomes: list[str] = []
        run: list[_Incoming] = []
        for incoming in group:
            if self._joins_run(incoming):
                run.append(incoming)
                continue
            outcomes += self._settle_run(run)
            run = []
            outcomes.append(self._settle(incoming))
        return outcomes + self._settle_run(run)

    def _joins_run(self, incoming: _Incoming) -> bool:
        package = incoming.package
        return (incoming.outcome is None and isinstance(package, DocumentPackage)
                and (package.business is None or package.business.doc_type == BusinessDocType.NEW)
                and incoming.signature is not None and not incoming.signature.refuses
                and self.agency in {o.organ_id for o in package.header.to})

    def _settle_run(self, run: list[_Incoming]) -> list[str]:
        if len(run) < 2:
            return [self._settle(incoming) for incoming in run]
        receipts = [describe_receipt(i.data, i.package, i.signature, i.verdicts, sha256=i.digest) for i in run]
        outcomes = self._store_new_documents(run, receipts)
        if outcomes is None:  # rolled back: one by one, each with the outcome it has alone
            return [self._settle(incoming) for incoming in run]
        return outcomes

    def accept(self, data: bytes, remote_id: str = "") -> str:
        """Store one package and apply it; returns 'started', 'applied', 'duplicate' or 'refused'."""
        return self._settle(self._take(data, remote_id))

    def _take(self, data: bytes, remote_id: str) -> _Incoming:
        """Read a package, and for a new document to us with an acceptable envelope start validating it.

        De-duplication comes first: a redelivered document is answered from the unique key's row
        without validating its attachments again (the insert's unique key still decides races).
        """
        incoming = _Incoming(data, hashlib.sha256(data).hexdigest(), remote_id)
        try:
            incoming.package, root = read_package_tree(data)
        except EdxmlError as exc:
            incoming.outcome = self._refuse(data, incoming.digest, remote_id, sender="", document_id=incoming.digest,
                                            reason=exc.message_vi, report={"error": exc.to_dict()})
            return incoming
        incoming.signature = check_envelope(data, self.trusted_certs, root=root)  # one parse for both
        package = incoming.package
        if (not isinstance(package, DocumentPackage) or self.validator is None or incoming.signature.refuses
                or self.agency not in {o.organ_id for o in package.header.to}):
            return incoming
        if self._already_received(package):
            incoming.outcome = "duplicate"
            return incoming
        submit = getattr(self.validator, "submit", None)
        if submit is not None:
            incoming.verdicts = [submit(a.name, a.data).result for a in package.attachments]
        else:
            incoming.verdicts = [partial(self.validator, a.name, a.data) for a in package.attachments]
        return incoming

    def _already_received(self, package: DocumentPackage) -> bool:
        """Whether this document was stored before: one Core query in a read transaction (on SQLite a
        write session would queue for the file's write lock just to read, and the ORM session around
        one look-up cost more than the look-up); the unique key still decides any race."""
        doc_type = package.business.doc_type if package.business else BusinessDocType.NEW
        with self.c.db.connect() as connection:
            found = connection.execution_options(quytrinh_readonly=True).execute(_ALREADY_RECEIVED, {
                "sender": package.header.from_.organ_id, "document_id": package.header.document_id,
                "doc_type": int(doc_type)}).first()
        return found is not None

    def _settle(self, incoming: _Incoming) -> str:
        if incoming.outcome is not None:
            return incoming.outcome
        receipt = describe_receipt(incoming.data, incoming.package, incoming.signature, incoming.verdicts,
                                   sha256=incoming.digest)
        if isinstance(incoming.package, DocumentPackage):
            return self._accept_document(incoming.data, incoming.digest, incoming.remote_id, incoming.package, receipt)
        return self._accept_status(incoming.data, incoming.digest, incoming.remote_id, incoming.package, receipt)

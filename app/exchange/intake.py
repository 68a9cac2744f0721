"""Taking packages in from the axis: list, claim, fetch, read, validate beside, store, acknowledge.

Split from :mod:`.service` (which stores and applies each package) because this part is about
order and overlap: package k+1 is fetched, read and its attachments handed to the validator
(another process when it is a :class:`~.validation_pool.ValidationPool`) before package k is stored,
so validation runs while the receiver stores, starts cases and talks to the axis. Each package is
still stored (with its verdicts, in one transaction) and acknowledged on its own, in the order
listed, which keeps the exactly-once argument of :mod:`.service` unchanged.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select

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

    def poll_inbox(self, limit: int | None = None) -> RoundReport:
        """Take in waiting packages (``limit`` per message type): store and apply each in one transaction,
        then acknowledge it.

        A crash between the commit and the acknowledgement makes the axis deliver it again; the
        unique key turns the second delivery into ``duplicate`` and it is acknowledged then.
        Pipelined: package k+1 is fetched, read and its attachments handed to the validator (another
        process when it is a :class:`ValidationPool`) before package k is stored, so validation runs
        while the receiver stores, starts cases and talks to the axis. Each package is still stored
        (with its verdicts) and acknowledged on its own, in the order listed.
        """
        report = RoundReport()
        for message_type in ("edoc", "status"):
            try:
                waiting = self.client.list_received(message_type)
            except AxisError as exc:
                report.errors.append(str(exc))
                continue
            ahead: deque[_Incoming] = deque()
            taken = 0
            try:
                for remote_id in waiting:
                    if limit is not None and taken >= limit:
                        break
                    if not self.claims.try_claim(remote_id):
                        continue  # another receiver of ours has it
                    taken += 1
                    try:
                        data = self.client.get_edoc(remote_id)
                    except AxisError as exc:
                        self.claims.release(remote_id)
                        report.errors.append(str(exc))
                        continue
                    ahead.append(self._take(data, remote_id))
                    if len(ahead) > self.read_ahead:
                        self._finish(ahead.popleft(), report)
                while ahead:
                    self._finish(ahead.popleft(), report)
            finally:
                for left in ahead:  # only when an unexpected error interrupts the round
                    self.claims.release(left.remote_id)
        return report

    def _finish(self, incoming: _Incoming, report: RoundReport) -> None:
        try:
            outcome = self._settle(incoming)
            self.client.update_status(incoming.remote_id, "done" if outcome != "refused" else "fail")
        except AxisError as exc:  # stored already: the axis delivers it again and it becomes a duplicate
            report.errors.append(str(exc))
            return
        finally:
            self.claims.release(incoming.remote_id)
        if outcome == "duplicate":
            report.duplicates += 1
        elif outcome == "refused":
            report.refused += 1
        else:
            report.received += 1

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
        doc_type = package.business.doc_type if package.business else BusinessDocType.NEW
        with self.c.sessions() as s:
            return s.scalar(select(ReceivedPackage.id).where(
                ReceivedPackage.sender == package.header.from_.organ_id,
                ReceivedPackage.document_id == package.header.document_id,
                ReceivedPackage.business_doc_type == int(doc_type), ReceivedPackage.status_code == "",
                ReceivedPackage.kind == "edoc").limit(1)) is not None

    def _settle(self, incoming: _Incoming) -> str:
        if incoming.outcome is not None:
            return incoming.outcome
        receipt = describe_receipt(incoming.data, incoming.package, incoming.signature, incoming.verdicts,
                                   sha256=incoming.digest)
        if isinstance(incoming.package, DocumentPackage):
            return self._accept_document(incoming.data, incoming.digest, incoming.remote_id, incoming.package, receipt)
        return self._accept_status(incoming.data, incoming.digest, incoming.remote_id, incoming.package, receipt)

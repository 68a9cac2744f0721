"""Packages received from the national axis, kept byte for byte and de-duplicated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utcnow
from engine.db import Base


class ReceivedPackage(Base):
    """One edXML package as it arrived (document or status), with what was done with it.

    The unique key (sender, document id, business doc type, status code) makes a redelivered
    package a no-op: the axis delivers at least once, the case sees it exactly once.
    """

    __tablename__ = "received_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(16))  # edoc | status | refused
    sender: Mapped[str] = mapped_column(String(64), default="")
    document_id: Mapped[str] = mapped_column(String(255), default="")
    business_doc_type: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[str] = mapped_column(String(4), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(32), default="stored")
    reason: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("sender", "document_id", "business_doc_type", "status_code", "kind",
                                       name="uq_received_package_identity"),)

"""Asynchronous processes: report generations and their files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import TOKEN_LENGTH, Base, BigId, created_column


class AsyncProcess(Base):
    """One asynchronous process (``generateXReportAsync``), known to clients by its
    ``uuid``; its status is the truth in every deployment, whatever runs the work.

    ``context_type`` is DOMAIN, PRODUCT or PROJECT and ``context_id`` the id of that
    scope; ``product_id`` is set for product and project processes so that a product
    role sees only its own. ``request`` holds what the process was asked (report type,
    format, filter); ``message_sha1`` is the SHA-1 of the request body as received.
    The file, once written, is ``artifact`` (relative to the reports folder) until
    ``expires_at``.
    """

    __tablename__ = "async_processes"
    __table_args__ = (
        Index("ix_async_processes_status_id", "status", "id"),
        Index("ix_async_processes_org_created", "org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    request_token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    product_id: Mapped[int | None] = mapped_column(Integer)
    context_type: Mapped[str] = mapped_column(String(10), nullable=False)
    context_id: Mapped[int] = mapped_column(Integer, nullable=False)
    context_name: Mapped[str] = mapped_column(String(255), nullable=False)
    process_type: Mapped[str] = mapped_column(String(80), nullable=False)
    user_email: Mapped[str] = mapped_column(String(320), nullable=False)
    message_sha1: Mapped[str] = mapped_column(String(40), nullable=False)
    request: Mapped[Any] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # the claiming process's key (``jobs.liveness``): recovery re-queues only dead ones'
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_column()
    modified_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    artifact: Mapped[str | None] = mapped_column(String(1024))
    artifact_bytes: Mapped[int | None] = mapped_column(BigInteger)
    rows: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime())


class ReportChunk(Base):
    """One piece (``seq`` from 0) of a report file kept in the database
    (``DEPVAULT_REPORT_STORAGE=database``): every node reads it without a shared
    volume, streamed a chunk at a time in both directions."""

    __tablename__ = "report_chunks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

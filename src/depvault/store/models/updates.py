"""Inventory updates and their per-project items (the request-token lifecycle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import TOKEN_LENGTH, Base, BigId, created_column


class UpdateRequest(Base):
    """One inventory update (agent UPDATE or SBOM import), known to clients by its
    ``request_token``; its per-project work is in :class:`UpdateItem`."""

    __tablename__ = "update_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    update_type: Mapped[str] = mapped_column(String(20), nullable=False)
    user_email: Mapped[str | None] = mapped_column(String(320))
    agent: Mapped[str | None] = mapped_column(String(255))
    agent_version: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_column()


class UpdateItem(Base):
    """The update of one project by one request: its state and, until processed, its
    normalized inventory (gzip-compressed JSON). Two items of one project never run at
    once; a queued item superseded by a newer full update is SKIPPED."""

    __tablename__ = "update_items"
    __table_args__ = (
        Index("ix_update_items_state_id", "state", "id"),
        Index("ix_update_items_project_state", "project_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("update_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    components: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    queued_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    # the claiming process's key (``jobs.liveness``): recovery re-queues only dead ones'
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    # OSV ecosystems of the inventory the knowledge base knew nothing about at analysis,
    # comma-separated (the request state's message says so)
    knowledge_gaps: Mapped[str | None] = mapped_column(String(255))

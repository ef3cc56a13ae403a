"""Alerts on projects and the history of their statuses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId, created_column


class Alert(Base):
    """One alert of a project: a type, the library it is about and, for security alerts,
    the advisory. Its identity is (project, type, library, advisory), so its ``uuid`` is
    stable: an alert whose cause goes away is Resolved, and the same row comes back when
    the cause returns.

    ``status`` is what responses show (Active, Ignored or Resolved); ``chosen_status`` is
    what people last chose (Active or Ignored), restored when a resolved alert returns.
    ``org_id`` repeats the project's organization for organization-wide queries.

    Only ``project_id`` is a foreign key (deleting a project deletes its alerts).
    Libraries and advisories are append-only catalogs that nothing deletes (an advisory
    is withdrawn, never removed), and the organization is the project's: checking those
    three for each of the tens of thousands of alerts an analysis opens cost PostgreSQL
    a third of the insert, and took a share lock on catalog rows every analysis of every
    project touches (migration 0012).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_project_type", "project_id", "type"),
        Index("ix_alerts_org_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(nullable=False)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    library_id: Mapped[int] = mapped_column(BigId, nullable=False, index=True)
    advisory_id: Mapped[int | None] = mapped_column(BigId, index=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    chosen_status: Mapped[str] = mapped_column(String(10), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    comments: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    modified_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


class AlertEvent(Base):
    """A change of an alert's status: who made it (None for depvault itself), when,
    and why (the person's comment, or the reason depvault resolved or restored it)."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    user_email: Mapped[str | None] = mapped_column(String(320))
    comment: Mapped[str | None] = mapped_column(Text)

"""The progress of ``depvault migrate`` runs, so an interrupted run resumes without
duplicating anything."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import TOKEN_LENGTH, Base, created_column


class MigrationRun(Base):
    """One organization being moved in from one source server. ``report`` holds what
    the finished run printed (service-user keys left out: they are shown once)."""

    __tablename__ = "migration_runs"
    __table_args__ = (
        UniqueConstraint("source_url", "source_org_token", name="uq_migration_runs_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_url: Mapped[str] = mapped_column(String(2048), nullable=False)
    source_org_token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), nullable=False)
    target_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime] = created_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    report: Mapped[dict[str, object] | None] = mapped_column(JSON)


class MigrationStep(Base):
    """One object a run has written (``kind`` and the source's key for it), committed
    in the transaction that wrote it; ``target`` names what it became here."""

    __tablename__ = "migration_steps"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("migration_runs.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    target: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime] = created_column()

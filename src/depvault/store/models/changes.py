"""The configuration change log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base


class ChangeLogEntry(Base):
    """One configuration change: who made it, when, where, and the values before/after.

    Rows keep names rather than foreign keys to what changed, so the log outlives the
    products and projects it speaks of; ``getChangesReport`` reads it.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_org_at", "org_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    org_id: Mapped[int | None] = mapped_column(Integer)
    org_name: Mapped[str | None] = mapped_column(String(255))
    product_id: Mapped[int | None] = mapped_column(Integer)
    product_name: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[int | None] = mapped_column(Integer)
    project_name: Mapped[str | None] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(20), nullable=False)
    scope_name: Mapped[str] = mapped_column(String(255), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    change_class: Mapped[str] = mapped_column(String(40), nullable=False)
    aspect: Mapped[str] = mapped_column(String(40), nullable=False)
    operator: Mapped[str] = mapped_column(String(20), nullable=False)
    user_email: Mapped[str | None] = mapped_column(String(320))
    before: Mapped[Any] = mapped_column(JSON, nullable=False)
    after: Mapped[Any] = mapped_column(JSON, nullable=False)

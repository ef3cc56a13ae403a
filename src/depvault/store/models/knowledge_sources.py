"""What the knowledge base holds from each source, and how its last sync went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base


class KnowledgeSource(Base):
    """One source of knowledge (``osv`` per ecosystem; a source that is not split by
    ecosystem, as NVD, EPSS or KEV are, uses the ecosystem ``""``): how many records the
    knowledge base holds from it, the newest ``modified`` among them, and the outcome of
    its last sync. ``kb status`` and ``getKnowledgeBaseStatus`` answer from these rows;
    a sync that fails writes only its own row, so the records stay as they were."""

    __tablename__ = "knowledge_sources"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    ecosystem: Mapped[str] = mapped_column(String(64), primary_key=True)
    records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    newest_modified: Mapped[datetime | None] = mapped_column(DateTime())
    # the last attempt: when it ended, "ok" or "failed", why it failed, how it fetched
    # ("all.zip", "changes", "none"), and how many records it changed
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime())
    last_result: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_method: Mapped[str | None] = mapped_column(String(16))
    last_changed: Mapped[int | None] = mapped_column(Integer)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime())
    # an import met this ecosystem with no knowledge: its first sync is waiting
    requested_at: Mapped[datetime | None] = mapped_column(DateTime())

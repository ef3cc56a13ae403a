"""Retention of the tables that grow with time: the inventory history and the counted
rejections of agents' policy checks (``DEPVAULT_HISTORY_RETENTION_DAYS``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from depvault.store.engine.db import Database
from depvault.store.models import InventoryChange, PluginPolicyViolation

__all__ = ["prune_history"]


def prune_history(database: Database, retention_days: int, now: datetime) -> int:
    """Delete inventory changes made, and rejections last seen, more than
    ``retention_days`` ago (nothing when it is 0); returns how many rows went."""
    if retention_days <= 0:
        return 0
    cutoff = now - timedelta(days=retention_days)
    with database.transaction() as db:
        changes = db.execute(delete(InventoryChange).where(InventoryChange.at < cutoff))
        seen = db.execute(
            delete(PluginPolicyViolation).where(PluginPolicyViolation.last_seen < cutoff)
        )
    return sum(int(getattr(result, "rowcount", 0) or 0) for result in (changes, seen))

"""What ``GET /status`` reports about a store: knowledge freshness and queue depths."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depvault.domain.processes import ProcessStatus
from depvault.domain.timefmt import format_timestamp
from depvault.domain.updates import ItemState
from depvault.store.models import Advisory, AsyncProcess, PendingRematch, Project, UpdateItem

__all__ = ["store_status"]


def store_status(db: Session) -> dict[str, Any]:
    """The knowledge base's size and newest ``modified`` time (None before any import),
    and the work waiting: project updates, report processes, packages to re-match and
    projects whose alerts are due."""
    advisories, newest = db.execute(select(func.count(), func.max(Advisory.modified))).one()
    waiting_items = [ItemState.QUEUED.value, ItemState.IN_PROGRESS.value, ItemState.UPDATED.value]
    waiting_reports = [ProcessStatus.PENDING.value, ProcessStatus.IN_PROGRESS.value]

    def count(model: Any, *where: Any) -> int:
        return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "knowledge": {
            "advisories": int(advisories),
            "newestModified": format_timestamp(newest) if newest else None,
        },
        "queue": {
            "updates": count(UpdateItem, UpdateItem.state.in_(waiting_items)),
            "reports": count(AsyncProcess, AsyncProcess.status.in_(waiting_reports)),
            "packagesToRematch": count(PendingRematch),
            "projectsDue": count(Project, Project.analysis_due.is_(True)),
        },
    }

"""Marking projects for re-derivation after a knowledge-base change."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.orm import Session

from depvault.store.models import Project

__all__ = ["mark_analysis_due"]

IDS_PER_QUERY = 5000


def mark_analysis_due(db: Session, project_ids: Collection[int]) -> None:
    """Mark these projects ``analysis_due`` (``analysis.refresh`` derives their alerts
    again), writing only the rows not marked yet."""
    listed = sorted(project_ids)
    for start in range(0, len(listed), IDS_PER_QUERY):
        db.execute(
            update(Project)
            .where(
                Project.id.in_(listed[start : start + IDS_PER_QUERY]),
                Project.analysis_due.is_(False),
            )
            .values(analysis_due=True)
        )

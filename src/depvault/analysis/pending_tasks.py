"""Keeping the pending approval tasks of a derivation batch current.

A library whose deciding policy is REASSIGN waits for the action's group or user to
approve it: one task per (project, library, policy), reconciled at every derivation. A
new one opens; one whose cause went away (library gone, policy changed, disabled or
removed) is closed by depvault and reopens if the cause comes back; one a person closed
(``closePendingTask``) stays closed while its cause lasts, as an approval should.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.analysis.policy_alerts import Assignment, TaskKey
from depvault.domain.policies import IssueStatus
from depvault.store.engine.bulk import insert_with_uuids
from depvault.store.models import PendingTask

__all__ = ["reconcile_tasks"]


def reconcile_tasks(
    db: Session, orgs: Mapping[int, int], wanted: Mapping[TaskKey, Assignment], now: datetime
) -> None:
    """Bring the tasks of these projects (``orgs``: project → organization) in line with
    the approvals the policies ask for, in the caller's transaction."""
    missing = dict(wanted)
    closed: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    stored = db.execute(
        select(
            PendingTask.id,
            PendingTask.project_id,
            PendingTask.library_id,
            PendingTask.policy_id,
            PendingTask.status,
            PendingTask.closed_by,
            PendingTask.policy_name,
            PendingTask.assignee,
        ).where(PendingTask.project_id.in_(list(orgs)))
    )
    for row in stored:
        found = missing.pop((row.project_id, row.library_id, row.policy_id), None)
        if found is None:
            if row.status == IssueStatus.OPEN:
                closed.append({"id": row.id, "status": IssueStatus.CLOSED, "modified_at": now})
        elif row.closed_by is not None and row.status == IssueStatus.CLOSED:
            pass  # a person closed it: it stays closed while its cause lasts
        elif row.status == IssueStatus.CLOSED or (row.policy_name, row.assignee) != found:
            name, assignee = found
            changed.append(
                {
                    "id": row.id,
                    "status": IssueStatus.OPEN,
                    "policy_name": name,
                    "assignee": assignee,
                    "modified_at": now,
                }
            )
    for changes in (closed, changed):  # each executemany needs parameter sets alike
        if changes:
            db.execute(update(PendingTask), changes)
    open_ = IssueStatus.OPEN.value
    insert_with_uuids(
        db,
        PendingTask,
        _COLUMNS,
        [
            (orgs[project], project, library, policy, name, assignee, open_, now, now)
            for (project, library, policy), (name, assignee) in missing.items()
        ],
    )


_COLUMNS = (
    "org_id",
    "project_id",
    "library_id",
    "policy_id",
    "policy_name",
    "assignee",
    "status",
    "created_at",
    "modified_at",
)

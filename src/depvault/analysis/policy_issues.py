"""Keeping the policy issues of a derivation batch current.

The violations CREATE_ISSUE policies find (``analysis.policy_alerts``) are reconciled
with the stored ``policy_issues`` as alerts are with theirs: a new violation opens an
issue with a fresh ``issueUuid``; one that went away (library upgraded or gone, policy
changed, disabled or removed) is CLOSED; one that comes back reopens the same row, so a
tracker's ticket follows it. Each change moves ``modified_at``, which is what
``fetchProjectPolicyIssues`` windows on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.analysis.policy_alerts import IssueKey, Violation
from depvault.domain.policies import IssueStatus
from depvault.store.engine.bulk import insert_with_uuids
from depvault.store.models import PolicyIssue

__all__ = ["reconcile_issues"]


def reconcile_issues(
    db: Session, orgs: Mapping[int, int], wanted: Mapping[IssueKey, Violation], now: datetime
) -> None:
    """Bring the issues of these projects (``orgs``: project → organization) in line
    with the violations found, in the caller's transaction."""
    missing = dict(wanted)
    closed: list[dict[str, Any]] = []
    reopened: list[dict[str, Any]] = []
    stored = db.execute(
        select(
            PolicyIssue.id,
            PolicyIssue.project_id,
            PolicyIssue.library_id,
            PolicyIssue.policy_id,
            PolicyIssue.advisory_id,
            PolicyIssue.status,
            PolicyIssue.policy_name,
        ).where(PolicyIssue.project_id.in_(list(orgs)))
    )
    for row in stored:
        key = (row.project_id, row.library_id, row.policy_id, row.advisory_id or 0)
        found = missing.pop(key, None)
        if found is None:
            if row.status == IssueStatus.OPEN:
                closed.append({"id": row.id, "status": IssueStatus.CLOSED, "modified_at": now})
        elif row.status == IssueStatus.CLOSED or row.policy_name != found[0]:
            reopened.append(
                {
                    "id": row.id,
                    "status": IssueStatus.OPEN,
                    "policy_name": found[0],
                    "modified_at": now,
                }
            )
    for changes in (closed, reopened):  # each executemany needs parameter sets alike
        if changes:
            db.execute(update(PolicyIssue), changes)
    open_ = IssueStatus.OPEN.value
    insert_with_uuids(
        db,
        PolicyIssue,
        _COLUMNS,
        [
            (
                orgs[project],
                project,
                library,
                policy,
                name,
                advisory or None,
                kind,
                open_,
                [],
                now,
                now,
            )
            for (project, library, policy, advisory), (name, kind) in missing.items()
        ],
    )


_COLUMNS = (
    "org_id",
    "project_id",
    "library_id",
    "policy_id",
    "policy_name",
    "advisory_id",
    "violation_type",
    "status",
    "external_issues",
    "created_at",
    "modified_at",
)

"""Reading a project's policy issues, and recording what issue trackers report back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.store.models import Policy, PolicyIssue

__all__ = ["IssueView", "PolicyState", "policy_states", "project_issues", "record_external_issues"]

MAX_EXTERNAL_ISSUES = 100


@dataclass(frozen=True)
class IssueView:
    """One stored policy issue."""

    uuid: str
    library_id: int
    policy_id: int
    policy_name: str
    advisory_id: int | None
    violation_type: str
    status: str
    created_at: datetime
    modified_at: datetime
    external_issues: list[dict[str, Any]]


@dataclass(frozen=True)
class PolicyState:
    """A policy as issue trackers see it now (a removed one is gone from the table)."""

    enabled: bool
    filter_type: str
    action_type: str


def project_issues(
    db: Session, project_id: int, window: tuple[datetime, datetime] | None = None
) -> list[IssueView]:
    """The project's issues, open and closed; with ``window``, those created or changed
    in it (both ends included)."""
    query = select(PolicyIssue).where(PolicyIssue.project_id == project_id)
    if window is not None:
        query = query.where(PolicyIssue.modified_at.between(*window))
    return [
        IssueView(
            row.uuid,
            row.library_id,
            row.policy_id,
            row.policy_name,
            row.advisory_id,
            row.violation_type,
            row.status,
            row.created_at,
            row.modified_at,
            list(row.external_issues),
        )
        for row in db.scalars(query.order_by(PolicyIssue.id))
    ]


def policy_states(db: Session, policy_ids: Sequence[int]) -> dict[int, PolicyState]:
    """The current state of these policies; removed ones are left out."""
    return {
        pid: PolicyState(enabled, str(flt["type"]), str(action["type"]))
        for pid, enabled, flt, action in db.execute(
            select(Policy.id, Policy.enabled, Policy.filter, Policy.action).where(
                Policy.id.in_(sorted(set(policy_ids)))
            )
        )
    }


def record_external_issues(
    db: Session, project_id: int, issue_uuid: str, reported: Sequence[dict[str, Any]]
) -> bool:
    """Merge what a tracker reported into the issue's external issues (by
    ``identifier``: a known one is replaced, a new one added); False when the project
    has no issue of that uuid."""
    issue = db.scalar(
        select(PolicyIssue)
        .where(PolicyIssue.project_id == project_id, PolicyIssue.uuid == issue_uuid)
        .with_for_update()
    )
    if issue is None:
        return False
    merged = {entry["identifier"]: entry for entry in issue.external_issues}
    for entry in reported:
        merged[entry["identifier"]] = entry
    # the newest reports win when a tracker keeps reporting new identifiers
    issue.external_issues = list(merged.values())[-MAX_EXTERNAL_ISSUES:]
    return True

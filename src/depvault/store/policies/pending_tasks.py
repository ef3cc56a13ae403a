"""Reading an organization's open approval tasks, and closing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.domain.policies import IssueStatus
from depvault.store.models import PendingTask, Product, Project

__all__ = ["TaskView", "close_task", "open_tasks"]


@dataclass(frozen=True)
class TaskView:
    """An open task with where it stands."""

    uuid: str
    library_id: int
    policy_name: str
    assignee: dict[str, Any]
    created_at: datetime
    modified_at: datetime
    product_name: str
    product_token: str
    project_name: str
    project_token: str


def open_tasks(
    db: Session, org_id: int, only_products: frozenset[int] | None = None
) -> list[TaskView]:
    """The organization's open tasks (of these products only, for a product role),
    oldest first."""
    query = (
        select(
            PendingTask.uuid,
            PendingTask.library_id,
            PendingTask.policy_name,
            PendingTask.assignee,
            PendingTask.created_at,
            PendingTask.modified_at,
            Product.name,
            Product.token,
            Project.name,
            Project.token,
        )
        .join(Project, Project.id == PendingTask.project_id)
        .join(Product, Product.id == Project.product_id)
        .where(PendingTask.org_id == org_id, PendingTask.status == IssueStatus.OPEN)
        .order_by(PendingTask.id)
    )
    if only_products is not None:
        query = query.where(Project.product_id.in_(sorted(only_products)))
    return [TaskView(*row) for row in db.execute(query)]


def close_task(db: Session, org_id: int, uuid: str, closed_by: str, now: datetime) -> bool:
    """Close one of the organization's open tasks; False when it has none of that uuid
    open."""
    result = db.execute(
        update(PendingTask)
        .where(
            PendingTask.org_id == org_id,
            PendingTask.uuid == uuid,
            PendingTask.status == IssueStatus.OPEN,
        )
        .values(status=IssueStatus.CLOSED, closed_by=closed_by, modified_at=now)
    )
    return bool(getattr(result, "rowcount", 0))

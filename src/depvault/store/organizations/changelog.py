"""Writing the configuration change log that ``getChangesReport`` reads.

Entries are written in the transaction of the change they describe, so a change and
its record commit or vanish together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Caller, Scope
from depvault.store.models import ChangeLogEntry

__all__ = ["Change", "changes_since", "record_change"]

_SCOPE_NAMES = {
    Level.NONE: "SERVER",
    Level.GLOBAL_ORG: "GLOBAL_ORGANIZATION",
    Level.ORG: "ORGANIZATION",
    Level.PRODUCT: "PRODUCT",
    Level.PROJECT: "PROJECT",
}


@dataclass(frozen=True)
class Change:
    """What changed: ``change_class`` is the kind of thing (ENTITY, TAG, USER, GROUP,
    ROLE, USER_KEY …), ``aspect`` what happened to it (CREATED, DELETED, UPDATED,
    ADDED, REMOVED, MOVED …); ``before``/``after`` are the values, as JSON."""

    change_class: str
    aspect: str
    before: Any = None
    after: Any = None
    category: str = "CONFIGURATION"


def record_change(
    db: Session, at: datetime, actor: Caller | None, scope: Scope, change: Change
) -> None:
    """Add one entry; ``actor`` None means the server itself (the CLI, a job)."""
    where = scope.ref(scope.level)
    db.add(
        ChangeLogEntry(
            at=at,
            org_id=scope.org.id if scope.org else None,
            org_name=scope.org.name if scope.org else None,
            product_id=scope.product.id if scope.product else None,
            product_name=scope.product.name if scope.product else None,
            project_id=scope.project.id if scope.project else None,
            project_name=scope.project.name if scope.project else None,
            scope=_SCOPE_NAMES[scope.level],
            scope_name=where.name if where else "",
            category=change.category,
            change_class=change.change_class,
            aspect=change.aspect,
            operator="USER" if actor else "SYSTEM",
            user_email=actor.email if actor else None,
            before=_as_list(change.before),
            after=_as_list(change.after),
        )
    )


def _as_list(value: Any) -> list[Any]:
    # The report's beforeChange/afterChange are lists (HYG fixture): keep them so.
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def changes_since(
    db: Session, org_id: int, start: datetime | None, limit: int
) -> list[ChangeLogEntry]:
    """An organization's changes from ``start`` (all without it), oldest first, at most
    ``limit``."""
    query = select(ChangeLogEntry).where(ChangeLogEntry.org_id == org_id)
    if start is not None:
        query = query.where(ChangeLogEntry.at >= start)
    return list(db.scalars(query.order_by(ChangeLogEntry.id).limit(limit)))

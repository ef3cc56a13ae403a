"""People changing alerts' statuses (``setAlertsStatus``, ``ignoreAlerts``).

People choose Active or Ignored; Resolved is depvault's to set (the cause went away),
so a resolved alert cannot be changed until its cause comes back. A request names
alerts by uuid within one organization; one unknown or resolved uuid refuses the whole
request (its transaction writes nothing). Each change is written to the alert's history
with who made it, when, and the comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertStatus
from depvault.errors import InvalidParameter, NotFound
from depvault.store.engine.bulk import bulk_insert
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import Alert, AlertEvent, Project

__all__ = ["set_alert_status"]

CHUNK = 2000


def set_alert_status(
    db: Session,
    which: ProjectFilter,
    uuids: Sequence[str],
    status: AlertStatus,
    comment: str | None,
    user_email: str,
    now: datetime,
) -> int:
    """Set the status of these alerts of the scope; returns how many changed (an alert
    already in that status keeps its history unchanged, its comment is updated)."""
    if status is AlertStatus.RESOLVED:
        raise InvalidParameter("status", "only Active or Ignored can be set")
    wanted = list(dict.fromkeys(uuids))
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), CHUNK):
        for alert_id, alert_uuid, current in db.execute(
            select(Alert.id, Alert.uuid, Alert.status)
            .join(Project, Project.id == Alert.project_id)
            .where(Alert.uuid.in_(wanted[start : start + CHUNK]), *which.clauses())
            .with_for_update(of=Alert)
        ):
            found[alert_uuid] = (alert_id, current)
    missing = [u for u in wanted if u not in found]
    if missing:
        raise NotFound(f"No alert {missing[0]} in this organization")
    resolved = [u for u in wanted if found[u][1] == AlertStatus.RESOLVED]
    if resolved:
        raise InvalidParameter(
            "alertUuids", f"alert {resolved[0]} is resolved; only its return reopens it"
        )
    changing = [found[u][0] for u in wanted if found[u][1] != status]
    ids = [found[u][0] for u in wanted]
    for start in range(0, len(ids), CHUNK):
        db.execute(
            update(Alert)
            .where(Alert.id.in_(ids[start : start + CHUNK]))
            .values(status=status.value, chosen_status=status.value, comments=comment)
        )
        db.execute(
            update(Alert)
            .where(Alert.id.in_(changing[start : start + CHUNK]))
            .values(modified_at=now)
        )
    bulk_insert(
        db,
        AlertEvent,
        [
            {
                "alert_id": alert_id,
                "at": now,
                "status": status.value,
                "user_email": user_email,
                "comment": comment,
            }
            for alert_id in changing
        ],
    )
    return len(changing)

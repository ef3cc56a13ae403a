"""Recording what the agents' policy checks rejected, counted per distinct violation."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from depvault.store.models import PluginPolicyViolation

__all__ = ["CheckedBy", "SeenViolation", "record_plugin_violations"]


@dataclass(frozen=True)
class SeenViolation:
    """A rejected library of one checked project."""

    product_name: str
    project_name: str
    library_key: str  # the library's identity key: what makes two sightings the same
    library: str
    library_version: str
    policy_id: int
    policy_name: str
    policy_level: str

    @property
    def violation_key(self) -> str:
        """The row's unique key within the organization."""
        parts = (self.product_name, self.project_name, self.library_key, str(self.policy_id))
        return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class CheckedBy:
    """Who ran the check."""

    agent: str
    agent_version: str
    user_email: str


def record_plugin_violations(
    db: Session, org_id: int, seen: Sequence[SeenViolation], by: CheckedBy, now: datetime
) -> None:
    """Count one more sighting of each violation (a new one starts at one), in one
    upsert."""
    rows = {
        key: {
            "org_id": org_id,
            "violation_key": key,
            "product_name": v.product_name[:255],
            "project_name": v.project_name[:255],
            "library": v.library[:1024],
            "library_version": v.library_version[:255],
            "policy_id": v.policy_id,
            "policy_name": v.policy_name[:255],
            "policy_level": v.policy_level,
            "first_seen": now,
            "last_seen": now,
            "checks": 1,
            "agent": by.agent[:64],
            "agent_version": by.agent_version[:64],
            "user_email": by.user_email[:320],
        }
        for v, key in ((v, v.violation_key) for v in seen)
    }
    if not rows:
        return
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(PluginPolicyViolation)
    refreshed = ("library_version", "policy_name", "policy_level", "last_seen", "agent")
    statement = insert.on_conflict_do_update(
        index_elements=["org_id", "violation_key"],
        set_={
            **{column: insert.excluded[column] for column in refreshed},
            "agent_version": insert.excluded.agent_version,
            "user_email": insert.excluded.user_email,
            "checks": PluginPolicyViolation.checks + 1,
        },
    )
    # ordered by key: two concurrent checks lock the rows they share in the same order
    db.connection().execute(statement, [rows[key] for key in sorted(rows)])

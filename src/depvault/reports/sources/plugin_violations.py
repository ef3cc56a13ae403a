"""The Plugin Policy Violation report's rows: what agents' policy checks rejected."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.timefmt import format_timestamp
from depvault.reports.sources.core import stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import PluginPolicyViolation

__all__ = ["plugin_violation_rows"]


def plugin_violation_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """One row per distinct violation the organization's checks found, the most
    recently seen first."""
    v = PluginPolicyViolation
    statement = (
        select(
            v.product_name,
            v.project_name,
            v.library,
            v.library_version,
            v.policy_name,
            v.policy_level,
            v.first_seen,
            v.last_seen,
            v.checks,
            v.agent,
            v.agent_version,
            v.user_email,
        )
        .where(v.org_id == which.org_id)
        .order_by(v.last_seen.desc(), v.id)
    )
    for chunk in stream_chunks(db, statement):  # type: ignore[arg-type]
        for product, project, library, version, policy, level, first, last, *rest in chunk:
            checks, agent, agent_version, user = rest
            yield (
                product, project, library, version, policy, level,
                format_timestamp(first), format_timestamp(last), checks, agent, agent_version,
                user,
            )  # fmt: skip

"""Row sources of the activity reports: update history, plugin requests and the
configuration change log, streamed from a cursor like the core sources."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depvault.domain.timefmt import format_timestamp
from depvault.reports.sources.core import in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    ChangeLogEntry,
    Product,
    Project,
    UpdateItem,
    UpdateRequest,
)

__all__ = [
    "change_log_rows",
    "history_rows",
    "plugin_request_rows",
]

Rows = Iterator[Sequence[object]]


def history_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per inventory update of the scope's projects, newest first."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            UpdateItem.queued_at,
            UpdateItem.finished_at,
            UpdateRequest.channel,
            UpdateRequest.update_type,
            UpdateRequest.agent,
            UpdateRequest.agent_version,
            UpdateRequest.user_email,
            UpdateItem.state,
            UpdateItem.components,
            UpdateItem.failure_reason,
            UpdateRequest.request_token,
        )
        .select_from(UpdateItem)
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .join(Project, Project.id == UpdateItem.project_id),
        which,
    ).order_by(UpdateItem.id.desc())
    for chunk in stream_chunks(db, statement):
        for (product, project, queued, finished, channel, kind, agent, version, email, state,
             components, reason, token) in chunk:  # fmt: skip
            yield (
                product, project, format_timestamp(queued),
                format_timestamp(finished) if finished else "", channel, kind, agent or "",
                version or "", email or "", state, components, reason or "", token,
            )  # fmt: skip


def plugin_request_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per update request the organization received (agent or SBOM import)."""
    projects = (
        select(UpdateItem.request_id, func.count().label("projects"))
        .group_by(UpdateItem.request_id)
        .subquery()
    )
    statement = (
        select(
            UpdateRequest.created_at,
            UpdateRequest.channel,
            UpdateRequest.update_type,
            UpdateRequest.agent,
            UpdateRequest.agent_version,
            UpdateRequest.user_email,
            projects.c.projects,
            UpdateRequest.request_token,
        )
        .outerjoin(projects, projects.c.request_id == UpdateRequest.id)
        .where(UpdateRequest.org_id == which.org_id)
        .order_by(UpdateRequest.id.desc())
    )
    for chunk in stream_chunks(db, statement):
        for created, channel, kind, agent, version, email, count, token in chunk:
            yield (
                format_timestamp(created), channel, kind, agent or "", version or "",
                email or "", count or 0, token,
            )  # fmt: skip


def change_log_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """The organization's configuration changes, newest first."""
    statement = (
        select(
            ChangeLogEntry.at,
            ChangeLogEntry.scope,
            ChangeLogEntry.scope_name,
            ChangeLogEntry.category,
            ChangeLogEntry.change_class,
            ChangeLogEntry.aspect,
            ChangeLogEntry.operator,
            ChangeLogEntry.user_email,
            ChangeLogEntry.before,
            ChangeLogEntry.after,
        )
        .where(ChangeLogEntry.org_id == which.org_id)
        .order_by(ChangeLogEntry.id.desc())
    )
    for chunk in stream_chunks(db, statement):
        for at, scope, name, category, kind, aspect, operator, email, before, after in chunk:
            yield (
                format_timestamp(at), scope, name, category, kind, aspect, operator,
                email or "", _values(before), _values(after),
            )  # fmt: skip


def _values(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, list):
        return "; ".join(_values(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)

"""Policy issues: what CREATE_ISSUE policies found, for issue-tracker integrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId, created_column


class PolicyIssue(Base):
    """One violation a CREATE_ISSUE policy found in a project: its library and, for a
    vulnerability filter, one advisory (a library with three matching vulnerabilities
    has three). Its identity is (project, library, policy, advisory), so its ``uuid``
    (the ``issueUuid`` trackers keep) is stable: a violation that goes away is CLOSED
    and the same row reopens when it returns. ``external_issues`` holds what the
    tracker reported back (``updateExternalIntegrationIssues``).

    Only the project is a foreign key, as for alerts: libraries and advisories are
    append-only catalogs, and a removed policy closes its issues at the re-derivation
    its removal schedules (``policy_name`` keeps what it was called).
    """

    __tablename__ = "policy_issues"
    __table_args__ = (Index("ix_policy_issues_project_modified", "project_id", "modified_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(nullable=False)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    library_id: Mapped[int] = mapped_column(BigId, nullable=False)
    policy_id: Mapped[int] = mapped_column(Integer, nullable=False)
    policy_name: Mapped[str] = mapped_column(String(255), nullable=False)
    advisory_id: Mapped[int | None] = mapped_column(BigId)
    violation_type: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    external_issues: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = created_column()
    modified_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


class PendingTask(Base):
    """A library waiting for someone's approval: a REASSIGN policy decided for it, and
    the task is assigned to the action's group or user (``assignee``, as the policy
    names it). Its identity is (project, library, policy), so its ``uuid`` is stable.
    OPEN while the policy still decides so; depvault closes it when that stops (the
    library left, the policy changed), a person closes it with ``closePendingTask``
    (``closed_by``), and a task people closed stays closed while its cause lasts."""

    __tablename__ = "pending_tasks"
    __table_args__ = (Index("ix_pending_tasks_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(nullable=False)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    library_id: Mapped[int] = mapped_column(BigId, nullable=False)
    policy_id: Mapped[int] = mapped_column(Integer, nullable=False)
    policy_name: Mapped[str] = mapped_column(String(255), nullable=False)
    assignee: Mapped[Any] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    closed_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = created_column()
    modified_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

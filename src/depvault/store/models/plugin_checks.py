"""What the scanning agents' policy checks rejected (the Plugin Policy Violation report)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId


class PluginPolicyViolation(Base):
    """A library a policy check (``CHECK_POLICY_COMPLIANCE`` / ``CHECK_POLICIES``)
    found rejected, for one project name and one policy. A build pipeline checks the
    same project hundreds of times a day, so a violation is one row counted
    (``checks``) with when it was first and last seen and who checked last, not one
    row per check: the table grows with distinct violations, not with traffic.

    ``violation_key`` is the SHA-1 of (product, project, library key, policy id), the
    unique key within the organization (the names themselves are too long to index).
    Names are kept as the check saw them: the project may not exist yet.
    """

    __tablename__ = "plugin_policy_violations"
    __table_args__ = (
        UniqueConstraint("org_id", "violation_key", name="uq_plugin_policy_violations_key"),
        Index("ix_plugin_policy_violations_last_seen", "last_seen"),  # retention by age
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    violation_key: Mapped[str] = mapped_column(String(40), nullable=False)
    product_name: Mapped[str] = mapped_column(String(255), nullable=False)
    project_name: Mapped[str] = mapped_column(String(255), nullable=False)
    library: Mapped[str] = mapped_column(String(1024), nullable=False)
    library_version: Mapped[str] = mapped_column(String(255), nullable=False)
    policy_id: Mapped[int] = mapped_column(Integer, nullable=False)
    policy_name: Mapped[str] = mapped_column(String(255), nullable=False)
    policy_level: Mapped[str] = mapped_column(String(10), nullable=False)
    first_seen: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    last_seen: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    checks: Mapped[int] = mapped_column(Integer, nullable=False)
    agent: Mapped[str] = mapped_column(String(64), nullable=False)
    agent_version: Mapped[str] = mapped_column(String(64), nullable=False)
    user_email: Mapped[str] = mapped_column(String(320), nullable=False)

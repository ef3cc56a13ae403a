"""Policies of global organizations, organizations, products and projects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, created_column

# Exactly one scope column is set, the one of the policy's level.
_ONE_SCOPE = (
    "(CASE WHEN global_org_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN org_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN product_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Policy(Base):
    """A policy (``domain.policies``): a filter and an action, defined at one scope.

    ``level`` is the ``policyContext`` (GLOBAL, DOMAIN, PRODUCT, PROJECT) and exactly
    one scope column is set, so deleting the scope deletes its policies. ``priority``
    orders the policies of one scope (1 decides first); ``filter`` and ``action`` are
    stored normalised. The owner is a user; deleting the user keeps the policy
    without an owner.
    """

    __tablename__ = "policies"
    __table_args__ = (CheckConstraint(_ONE_SCOPE, name="one_scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    global_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("global_orgs.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    filter: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    action: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    inclusive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_column()
    modified_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

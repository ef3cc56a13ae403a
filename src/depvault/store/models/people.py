"""Users, memberships, groups and the roles granted to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, created_column


class User(Base):
    """A person or a service account.

    A person (one e-mail address) may belong to several organizations and has one
    personal key for all of them, as in Mend. A service user belongs to exactly one
    organization. Only a SHA-256 digest of the key is stored (see ``domain.secrets``).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    key_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    key_created_at: Mapped[datetime | None] = mapped_column(DateTime())
    is_service: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_site_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = created_column()


class OrgMember(Base):
    """Membership of a user in an organization; roles are granted on top of it."""

    __tablename__ = "org_members"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_column()
    invited_by: Mapped[str | None] = mapped_column(String(320))


class Group(Base):
    """A named set of users of one organization; roles may be granted to it."""

    __tablename__ = "user_groups"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_user_groups_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()


class GroupMember(Base):
    """A user's membership in a group."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RoleAssignment(Base):
    """A role granted to a user or a group at one global organization, organization or
    product. Exactly one scope column and exactly one principal column are set; the
    foreign keys cascade, so deleting a scope or a principal removes its grants.
    """

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(
            "CASE WHEN global_org_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN org_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN product_id IS NULL THEN 0 ELSE 1 END = 1",
            name="one_scope",
        ),
        CheckConstraint(
            "CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END = 1",
            name="one_principal",
        ),
        Index("ix_role_assignments_user", "user_id"),
        Index("ix_role_assignments_group", "group_id"),
        Index("ix_role_assignments_org", "org_id"),
        Index("ix_role_assignments_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    global_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("global_orgs.id", ondelete="CASCADE")
    )
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("user_groups.id", ondelete="CASCADE"))

"""Organizations, products, projects and their tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from depvault.store.models.base import TOKEN_LENGTH, Base, created_column, token_column


class GlobalOrganization(Base):
    """A group of organizations administered together (Mend's "global organization")."""

    __tablename__ = "global_orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = token_column()
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[datetime] = created_column()


class Organization(Base):
    """A tenant: its products, projects, users, groups and policies belong to it."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = token_column()
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    global_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("global_orgs.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = created_column()


class Product(Base):
    """A product of an organization; it holds projects."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_products_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = token_column()
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


class Project(Base):
    """A project of a product: one inventory of libraries.

    ``org_id`` repeats the product's organization so that organization-wide queries over
    millions of rows need no join through products; moving a project between products
    is only allowed within one organization, which keeps it true.
    """

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("product_id", "name", name="uq_projects_product_name"),
        Index("ix_projects_org_updated", "org_id", "updated_at"),
        # only the few projects waiting for re-analysis: what idle workers look for
        Index(
            "ix_projects_analysis_due",
            "id",
            sqlite_where=text("analysis_due"),
            postgresql_where=text("analysis_due"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = token_column()
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), nullable=False, index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    plugin_name: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[str | None] = mapped_column(String(255))
    last_scan_comment: Mapped[str | None] = mapped_column(Text)
    last_request_token: Mapped[str | None] = mapped_column(String(TOKEN_LENGTH))
    # Its libraries' matches changed (a knowledge-base import) and its alerts are not
    # derived again yet; cleared in the transaction that derives them.
    analysis_due: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class ProductTag(Base):
    """One ``key: value`` tag of a product (a key may carry several values)."""

    __tablename__ = "product_tags"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class ProjectTag(Base):
    """One ``key: value`` tag of a project (a key may carry several values)."""

    __tablename__ = "project_tags"
    __table_args__ = (Index("ix_project_tags_key_value", "key", "value"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)

"""Custom attributes: names an organization defines, and their values on the organization
itself, its products and its projects (the Attributes report reads them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
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

from depvault.store.models.base import Base, created_column

# A value's target: the organization when both are NULL, else the one that is set.
_ORG_LEVEL = text("product_id IS NULL AND project_id IS NULL")


class CustomAttribute(Base):
    """An attribute of an organization (Mend's "custom attribute"): a name unique in the
    organization; its values are :class:`CustomAttributeValue` rows."""

    __tablename__ = "custom_attributes"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_custom_attributes_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()


class CustomAttributeValue(Base):
    """The value of one attribute on one target: the attribute's organization (product
    and project both NULL), one of its products, or one of its projects.

    One table rather than one per level, so the report reads every level with one
    query; the CHECK keeps a row on a single target. Uniqueness per (attribute, target)
    takes a plain constraint for products and projects (NULLs never collide) and a
    partial unique index for the organization level, where both columns are NULL. The
    product and project constraints lead with the target column, so they also serve the
    ``ON DELETE CASCADE`` lookups.
    """

    __tablename__ = "custom_attribute_values"
    __table_args__ = (
        CheckConstraint("product_id IS NULL OR project_id IS NULL", name="one_target"),
        UniqueConstraint(
            "product_id", "attribute_id", name="uq_custom_attribute_values_product_attribute"
        ),
        UniqueConstraint(
            "project_id", "attribute_id", name="uq_custom_attribute_values_project_attribute"
        ),
        Index(
            "uq_custom_attribute_values_org_attribute",
            "attribute_id",
            unique=True,
            sqlite_where=_ORG_LEVEL,
            postgresql_where=_ORG_LEVEL,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute_id: Mapped[int] = mapped_column(
        ForeignKey("custom_attributes.id", ondelete="CASCADE"), nullable=False
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(Text, nullable=False)
    modified_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

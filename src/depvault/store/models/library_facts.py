"""Per-organization facts about catalog libraries (notices, in-house marks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId


class LibraryNotice(Base):
    """An organization's notice text for a library (``setLibraryNotice``), printed by
    ``getNoticesTextFile`` for the products that use the library."""

    __tablename__ = "library_notices"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    reference: Mapped[str | None] = mapped_column(String(4096))
    updated_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


class InHouseLibrary(Base):
    """A library an organization marked as its own (in-house) code."""

    __tablename__ = "in_house_libraries"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    marked_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

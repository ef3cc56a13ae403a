"""The library catalog and project inventories (libraries, edges, locations, source files)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId, created_column


class Library(Base):
    """One catalog entry per library identity (``domain.identity``), shared by every
    organization; ``id`` is the protocol's ``keyId``, ``key_uuid`` its ``keyUuid``."""

    __tablename__ = "libraries"
    __table_args__ = (
        Index("ix_libraries_ecosystem_name", "ecosystem", "name"),
        Index("ix_libraries_osv_package", "osv_ecosystem", "osv_name"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    key_uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    ecosystem: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    group_id: Mapped[str | None] = mapped_column(String(512))
    version: Mapped[str | None] = mapped_column(String(255))
    classifier: Mapped[str | None] = mapped_column(String(255))
    packaging: Mapped[str | None] = mapped_column(String(64))
    purl: Mapped[str | None] = mapped_column(String(2048))
    # The OSV package (``domain.osv_packages``); None for ecosystems OSV does not cover.
    osv_ecosystem: Mapped[str | None] = mapped_column(String(64))
    osv_name: Mapped[str | None] = mapped_column(String(512))
    library_type: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(1024), nullable=False)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    license_expression: Mapped[str | None] = mapped_column(Text)
    copyright: Mapped[str | None] = mapped_column(Text)
    references: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = created_column()


class LibraryLicense(Base):
    """A license of a library, as a normalised SPDX id (or ``LicenseRef-…``)."""

    __tablename__ = "library_licenses"

    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    license_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), nullable=False)


class ProjectLibrary(Base):
    """A library in a project's inventory: direct or transitive, its scope and its
    depth (1 = direct; the shortest path from the project)."""

    __tablename__ = "project_libraries"
    __table_args__ = (Index("ix_project_libraries_library", "library_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    direct: Mapped[bool] = mapped_column(Boolean, nullable=False)
    depth: Mapped[int] = mapped_column(Integer, nullable=False)
    scope: Mapped[str | None] = mapped_column(String(40))


class ProjectDependency(Base):
    """An edge of a project's dependency graph: ``parent`` depends on ``child``."""

    __tablename__ = "project_dependencies"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )


class LibraryLocation(Base):
    """Where a library was found in a project: a path and/or a dependency file."""

    __tablename__ = "library_locations"
    __table_args__ = (Index("ix_library_locations_project_library", "project_id", "library_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    )
    path: Mapped[str | None] = mapped_column(String(4096))
    dependency_file: Mapped[str | None] = mapped_column(String(4096))


class SourceFileRow(Base):
    """A source file of a project attributed to a library."""

    __tablename__ = "source_files"
    __table_args__ = (Index("ix_source_files_project_library", "project_id", "library_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    )
    sha1: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(1024), nullable=False)
    path: Mapped[str | None] = mapped_column(String(4096))


class InventoryChange(Base):
    """A library entering or leaving a project's inventory, written by the inventory
    update that did it: the project's inventory history (the Diff reports read it).
    Only differences are written, so a re-scan that changes nothing writes nothing.
    ``write_key`` is one random number per write: times are kept to the second, and two
    updates of a project within one second are still two."""

    __tablename__ = "inventory_changes"
    __table_args__ = (
        Index("ix_inventory_changes_project_at", "project_id", "at"),
        Index("ix_inventory_changes_at", "at"),  # retention deletes by age
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    write_key: Mapped[int] = mapped_column(BigInteger, nullable=False)
    change: Mapped[str] = mapped_column(String(10), nullable=False)  # ADDED or REMOVED
    library_id: Mapped[int] = mapped_column(BigId, nullable=False)

"""The vulnerability knowledge base (OSV advisories) and its matches to libraries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId


class Advisory(Base):
    """A vulnerability advisory imported from OSV (``domain.osv_records``); ``key`` is
    the OSV id, ``name`` what responses show (a CVE alias when there is one)."""

    __tablename__ = "advisories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(8), nullable=False)
    aliases: Mapped[Any] = mapped_column(JSON, nullable=False)
    modified: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    published: Mapped[datetime | None] = mapped_column(DateTime())
    withdrawn: Mapped[datetime | None] = mapped_column(DateTime())
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)
    cvss2_score: Mapped[float | None] = mapped_column(Float)
    cvss2_vector: Mapped[str | None] = mapped_column(String(255))
    cvss3_score: Mapped[float | None] = mapped_column(Float)
    cvss3_vector: Mapped[str | None] = mapped_column(String(255))
    cvss4_score: Mapped[float | None] = mapped_column(Float)
    cvss4_vector: Mapped[str | None] = mapped_column(String(512))
    band: Mapped[str] = mapped_column(String(10), nullable=False)
    scored: Mapped[bool] = mapped_column(Boolean, nullable=False)
    references: Mapped[Any] = mapped_column(JSON, nullable=False)


class AdvisoryPackage(Base):
    """One ``affected[]`` entry of an advisory: the package (ecosystem, normalised name)
    and what decides its versions (ranges, explicit versions, fixes) as JSON."""

    __tablename__ = "advisory_packages"
    __table_args__ = (Index("ix_advisory_packages_package", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    advisory_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ecosystem: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    ranges: Mapped[Any] = mapped_column(JSON, nullable=False)
    versions: Mapped[Any] = mapped_column(JSON, nullable=False)
    fixed: Mapped[Any] = mapped_column(JSON, nullable=False)


class LibraryVulnerability(Base):
    """A catalog library affected by an advisory (vulnerability is a property of a
    library version, so every project holding it shares the match)."""

    __tablename__ = "library_vulnerabilities"

    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    advisory_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MatchedLibrary(Base):
    """A catalog library that has been matched against the knowledge base. From then on
    every knowledge-base change re-matches it (``analysis.refresh``), so an analysis
    only matches the libraries its inventory brought in new: a narrow table, because
    marking a flag on ``libraries`` would rewrite wide rows and all of their indexes."""

    __tablename__ = "matched_libraries"

    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    # the revision of the matching rules that matched it (``analysis.matching.MATCHER``)
    matcher: Mapped[int] = mapped_column(nullable=False)


class PendingRematch(Base):
    """An OSV package whose advisories changed and whose libraries are not matched
    again yet. Written in the import's transaction and deleted in the re-match's, so a
    re-match interrupted by a crash is finished by the next process that starts."""

    __tablename__ = "pending_rematches"

    ecosystem: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), primary_key=True)


class NewestRelease(Base):
    """The newest known release of an OSV package (``domain.alert_rules.newest_release``
    over the catalog's versions and the advisories' fixed and listed ones), as computed
    at ``computed_at``. A cache for the new-version alerts: an analysis reads it instead
    of every known version of every package it holds. Kept current by
    ``analysis.newest``, and ignored after a day (``NEWEST_RELEASE_TTL`` there), so a
    concurrent change cannot leave it wrong for long."""

    __tablename__ = "newest_releases"

    ecosystem: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), primary_key=True)
    version: Mapped[str | None] = mapped_column(String(255))
    computed_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

"""The vulnerability knowledge base (OSV advisories) and its matches to libraries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, BigId


class Advisory(Base):
    """A vulnerability advisory imported from OSV (``domain.osv_records``); ``key`` is
    the OSV id.

    Records that name each other (``id`` + ``aliases`` + ``upstream``, transitively) are
    one vulnerability, its *group* (``domain.vulnerability_groups``): every member
    carries the group's ``group_key`` and the group's facts, which reads show (``name``
    a CVE when the group has one, the best CVSS vectors of any member or NVD, the band
    and its ``score_source``, EPSS and KEV signals, ``malicious``). The record's own
    severity stays in the ``own_*`` columns, from which ``analysis.regroup`` computes the
    group's again when a record, an NVD entry or a signal changes. Keeping the group's
    facts on every member keeps every read a plain join on ``advisories``."""

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
    upstream: Mapped[Any | None] = mapped_column(JSON)
    group_key: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    own_cvss2_vector: Mapped[str | None] = mapped_column(String(255))
    own_cvss3_vector: Mapped[str | None] = mapped_column(String(255))
    own_cvss4_vector: Mapped[str | None] = mapped_column(String(512))
    own_band: Mapped[str | None] = mapped_column(String(10))  # database_specific.severity
    own_cwes: Mapped[Any | None] = mapped_column(JSON)
    score_source: Mapped[str] = mapped_column(String(24), nullable=False, server_default="default")
    cwes: Mapped[Any | None] = mapped_column(JSON)
    epss: Mapped[float | None] = mapped_column(Float)
    epss_percentile: Mapped[float | None] = mapped_column(Float)
    kev_date_added: Mapped[date | None] = mapped_column(Date)
    known_ransomware: Mapped[bool | None] = mapped_column(Boolean)
    malicious: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())


class AdvisoryIdentifier(Base):
    """One name an advisory answers to (its id, an alias, an upstream id): the index
    that finds the records a new one links to, without reading every ``aliases`` list."""

    __tablename__ = "advisory_identifiers"

    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    advisory_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PendingRegroup(Base):
    """An advisory whose group must be computed again (a new or changed record, an NVD
    entry of one of its CVEs): written in the import's transaction, drained by
    ``analysis.regroup`` before re-matching, so a crash in between loses nothing."""

    __tablename__ = "pending_regroups"

    advisory_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True
    )


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

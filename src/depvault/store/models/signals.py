"""What other sources than OSV know about vulnerabilities, keyed by CVE id: NVD's
scores and weaknesses, FIRST's EPSS probabilities, CISA's Known Exploited
Vulnerabilities, and when each source was last imported (``store.knowledge_sources``).
``analysis.regroup`` copies them onto the advisories of each CVE's group."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base


class NvdCve(Base):
    """A CVE as NVD's CVE JSON 2.0 feeds describe it: its primary CVSS vectors and CWE
    ids (``ingest.nvd``); ``last_modified`` makes re-imports incremental."""

    __tablename__ = "nvd_cves"

    cve: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_modified: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    cvss2_vector: Mapped[str | None] = mapped_column(String(255))
    cvss3_vector: Mapped[str | None] = mapped_column(String(255))
    cvss4_vector: Mapped[str | None] = mapped_column(String(512))
    cwes: Mapped[Any] = mapped_column(JSON, nullable=False)


class EpssScore(Base):
    """FIRST's EPSS for a CVE: the probability of exploitation in the next 30 days and
    its percentile among all scored CVEs (``ingest.epss``)."""

    __tablename__ = "epss_scores"

    cve: Mapped[str] = mapped_column(String(32), primary_key=True)
    epss: Mapped[float] = mapped_column(Float, nullable=False)
    percentile: Mapped[float] = mapped_column(Float, nullable=False)


class KevEntry(Base):
    """A CVE of CISA's Known Exploited Vulnerabilities catalog (``ingest.kev``)."""

    __tablename__ = "kev_entries"

    cve: Mapped[str] = mapped_column(String(32), primary_key=True)
    date_added: Mapped[date | None] = mapped_column(Date)
    ransomware: Mapped[bool] = mapped_column(Boolean, nullable=False)


class KnowledgeImport(Base):
    """The last import of each knowledge source other than an OSV ecosystem (nvd,
    epss, kev): when, from what, what it read, what it refused and why."""

    __tablename__ = "knowledge_imports"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    origin: Mapped[str] = mapped_column(Text, nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)
    changed: Mapped[int] = mapped_column(Integer, nullable=False)
    invalid: Mapped[int] = mapped_column(Integer, nullable=False)
    newest: Mapped[str | None] = mapped_column(String(64))
    problems: Mapped[Any] = mapped_column(JSON, nullable=False)


class KnowledgeFeedFile(Base):
    """A file of a fetched feed (``ingest.knowledge.feed_fetch``) as last imported: the
    URL (or path) it came from and the validators its server gave (``ETag``,
    ``Last-Modified``; for a local file its size and modification time), sent back as
    ``If-None-Match`` / ``If-Modified-Since`` so an unchanged file is not downloaded
    again. Written only once the file was imported: a failed fetch asks again."""

    __tablename__ = "knowledge_feed_files"

    feed: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

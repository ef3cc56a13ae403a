"""An OSV advisory as depvault keeps it: identity, names, severity, affected packages.

From ``spec/osv-matching.md``: the vulnerability ``name`` shown in responses is a
``CVE-…`` alias when there is one (type CVE), else the OSV id (type WS); the OSV id is
kept either way. Severity comes from CVSS v3, v4 or v2 vectors (the cvss library), else
from the record's own ``database_specific.severity`` band; scores stay None when no
source gives one, never invented. Clients require the v1.3 ``severity`` field to be one
of high, medium, low or none, so an advisory no source scores gets a configurable
default band and ``scored`` False.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from depvault.domain.osv.ranges import Range, parse_range

__all__ = [
    "Advisory",
    "AffectedPackage",
    "Severity",
    "band_of",
    "headline_score",
    "normalise_name",
    "parse_advisory",
    "v13_band",
]

DATABASE_BANDS = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "LOW": "low",
}


@dataclass(frozen=True, slots=True)
class Severity:
    """What is known of an advisory's severity.

    ``band`` is the v1.4 band (critical, high, medium, low, none); ``v13_band`` the v1.3
    one, where critical is high. ``scored`` is False when no source gave a severity and
    the band is the configured default.
    """

    cvss2_score: float | None = None
    cvss2_vector: str | None = None
    cvss3_score: float | None = None
    cvss3_vector: str | None = None
    cvss4_score: float | None = None
    cvss4_vector: str | None = None
    band: str = "medium"
    scored: bool = False

    @property
    def v13_band(self) -> str:
        """The band v1.3 clients accept (they fail on "critical")."""
        return v13_band(self.band)


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """One ``affected[]`` entry: a package (name normalised per ecosystem), its ranges,
    its explicit versions, and the versions that fix it."""

    ecosystem: str
    name: str
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    fixed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Advisory:
    """An OSV record, parsed."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    modified: datetime
    published: datetime | None
    withdrawn: datetime | None
    summary: str
    details: str
    severity: Severity
    affected: tuple[AffectedPackage, ...]
    references: tuple[tuple[str, str], ...]


def normalise_name(ecosystem: str, name: str) -> str:
    """A package name as its ecosystem compares it (PyPI: PEP 503)."""
    if ecosystem == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def v13_band(band: str) -> str:
    """A band as v1.3 clients accept it: they know no "critical", which is "high" there."""
    return "high" if band == "critical" else band


def headline_score(cvss3: float | None, cvss4: float | None, cvss2: float | None) -> float | None:
    """The CVSS score a person reads first: v3, else v4, else v2 (policy filters and
    the agent's checks judge by it)."""
    return cvss3 if cvss3 is not None else cvss4 if cvss4 is not None else cvss2


def band_of(score: float) -> str:
    """The CVSS v3 qualitative band of a score (catalog §4)."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "none"


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _scores(entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in entries:
        kind, vector = entry.get("type"), entry.get("score")
        if not isinstance(vector, str):
            continue
        try:
            if kind == "CVSS_V3" and "cvss3_score" not in found:
                found["cvss3_score"], found["cvss3_vector"] = CVSS3(vector).base_score, vector
            elif kind == "CVSS_V4" and "cvss4_score" not in found:
                found["cvss4_score"], found["cvss4_vector"] = CVSS4(vector).base_score, vector
            elif kind == "CVSS_V2" and "cvss2_score" not in found:
                found["cvss2_score"], found["cvss2_vector"] = CVSS2(vector).base_score, vector
        except CVSSError:  # a malformed vector gives no score; nothing is invented
            continue
    return {k: float(v) if k.endswith("score") else v for k, v in found.items()}


def _severity(data: Mapping[str, Any], default_band: str) -> Severity:
    entries = list(data.get("severity") or [])
    for affected in data.get("affected") or []:
        entries.extend(affected.get("severity") or [])
    scores = _scores(entries)
    for key in ("cvss3_score", "cvss4_score", "cvss2_score"):
        if scores.get(key) is not None:
            return Severity(**scores, band=band_of(scores[key]), scored=True)
    stated = str((data.get("database_specific") or {}).get("severity", "")).upper()
    if stated in DATABASE_BANDS:
        return Severity(band=DATABASE_BANDS[stated], scored=True)
    return Severity(band=default_band, scored=False)


def _affected(entry: Mapping[str, Any]) -> AffectedPackage:
    package = entry.get("package") or {}
    ecosystem = str(package.get("ecosystem", ""))
    ranges = tuple(parse_range(r) for r in entry.get("ranges") or [])
    fixed = tuple(
        dict.fromkeys(
            e.version for r in ranges for e in r.events if e.kind == "fixed" and r.type != "GIT"
        )
    )
    return AffectedPackage(
        ecosystem=ecosystem,
        name=normalise_name(ecosystem, str(package.get("name", ""))),
        ranges=ranges,
        versions=tuple(str(v) for v in entry.get("versions") or []),
        fixed=fixed,
    )


def parse_advisory(data: Mapping[str, Any], default_band: str = "medium") -> Advisory:
    """An advisory from its OSV JSON; ``ValueError`` when ``id`` or ``modified`` is
    missing or malformed (both are required by the schema)."""
    advisory_id, modified = data.get("id"), _time(data.get("modified"))
    if not isinstance(advisory_id, str) or not advisory_id or modified is None:
        raise ValueError("an OSV record needs an id and a modified time")
    aliases = tuple(str(a) for a in data.get("aliases") or [])
    cve = next((a for a in aliases if a.startswith("CVE-")), None)
    if advisory_id.startswith("CVE-"):
        cve = advisory_id
    return Advisory(
        id=advisory_id,
        name=cve or advisory_id,
        type="CVE" if cve else "WS",
        aliases=aliases,
        modified=modified,
        published=_time(data.get("published")),
        withdrawn=_time(data.get("withdrawn")),
        summary=str(data.get("summary") or ""),
        details=str(data.get("details") or ""),
        severity=_severity(data, default_band),
        affected=tuple(_affected(a) for a in data.get("affected") or []),
        references=tuple(
            (str(r.get("type", "WEB")), str(r["url"]))
            for r in data.get("references") or []
            if r.get("url")
        ),
    )

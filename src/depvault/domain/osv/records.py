"""An OSV advisory as depvault keeps it: identity, names, severity, affected packages.

From ``spec/osv-matching.md``: the vulnerability ``name`` shown in responses is a
``CVE-…`` alias when there is one (type CVE), else the OSV id (type WS); the OSV id is
kept either way. Severity (:func:`rate`) comes from CVSS vectors (the cvss library), v4
before v3.1/3.0 before v2, else from the record's own ``database_specific.severity``
band; scores stay None when no source gives one, never invented. Clients require the
v1.3 ``severity`` field to be one of high, medium, low or none, so an advisory no source
scores gets a configurable default band, ``scored`` False and ``source`` "default".
A record's severity here is its own; ``domain.vulnerability_groups`` rates the group of
records that describe one vulnerability from all of theirs and NVD's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from depvault.domain.osv.ranges import Range, parse_range

__all__ = [
    "MALICIOUS",
    "Advisory",
    "AffectedPackage",
    "ScoreSource",
    "Severity",
    "band_of",
    "headline_score",
    "normalise_name",
    "parse_advisory",
    "rate",
    "v13_band",
]

DATABASE_BANDS = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "LOW": "low",
}


class ScoreSource(StrEnum):
    """Where a vulnerability's severity came from (``scoreSource`` in v1.4 answers).
    ``MALICIOUS``: an OSV ``MAL-`` record, a malicious package, always the top band."""

    OSV_VECTOR = "osv-vector"
    NVD = "nvd"
    OSV_DATABASE_BAND = "osv-database-band"
    MALICIOUS = "malicious"
    DEFAULT = "default"


# OSV's malicious-package records (ossf/malicious-packages) have ids MAL-YYYY-N.
MALICIOUS = "MAL-"

# CVSS vector kinds of the OSV ``severity[]`` entries, in the order of preference.
_KINDS = ("CVSS_V4", "CVSS_V3", "CVSS_V2")
_CALCULATORS = {"CVSS_V4": CVSS4, "CVSS_V3": CVSS3, "CVSS_V2": CVSS2}


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
    source: str = ScoreSource.DEFAULT.value

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
    upstream: tuple[str, ...] = ()
    # The record's own facts, from which its group is rated (``vulnerability_groups``):
    # its valid CVSS vectors as (kind, vector), its database band, its CWE ids.
    vectors: tuple[tuple[str, str], ...] = ()
    stated_band: str | None = None
    cwes: tuple[str, ...] = ()

    @property
    def malicious(self) -> bool:
        """An OSV malicious-package record."""
        return self.id.startswith(MALICIOUS)


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


def _vectors(entries: list[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """The first vector of each CVSS kind that the cvss library reads (a malformed one
    gives no score; nothing is invented)."""
    found: dict[str, str] = {}
    for entry in entries:
        kind, vector = str(entry.get("type")), entry.get("score")
        if kind in _CALCULATORS and kind not in found and _score(kind, vector) is not None:
            found[kind] = str(vector)
    return tuple((kind, found[kind]) for kind in _KINDS if kind in found)


def _score(kind: str, vector: Any) -> float | None:
    if not isinstance(vector, str):
        return None
    try:
        return float(_CALCULATORS[kind](vector).base_score)
    except (CVSSError, KeyError, ValueError, IndexError, TypeError):
        return None


def _preference(kind: str, vector: str, score: float) -> tuple[int, float]:
    """Among vectors of one kind: v3.1 before v3.0, then the higher score."""
    return (1 if kind == "CVSS_V3" and vector.startswith("CVSS:3.1/") else 0, score)


def _best(vectors: Iterable[tuple[str, str]]) -> dict[str, tuple[float, str]]:
    best: dict[str, tuple[float, str]] = {}
    for kind, vector in vectors:
        score = _score(kind, vector)
        if score is None:
            continue
        known = best.get(kind)
        if known is None or _preference(kind, vector, score) > _preference(kind, *known[::-1]):
            best[kind] = (score, vector)
    return best


def rate(
    vectors: Iterable[tuple[str, str]],
    stated_band: str | None,
    default_band: str,
    *,
    nvd_vectors: Iterable[tuple[str, str]] = (),
    malicious: bool = False,
) -> Severity:
    """The severity of a vulnerability from what its sources say: the best OSV vector
    of each kind, the band from v4 before v3 before v2; without any OSV vector, NVD's
    vectors (a measured score beats a database's coarse band, and score filters need a
    score); then the OSV database band; else the default band. A malicious package is
    the top band whatever its vectors say."""
    best, source = _best(vectors), ScoreSource.OSV_VECTOR
    if not best:
        best, source = _best(nvd_vectors), ScoreSource.NVD
    columns: dict[str, Any] = {}
    for kind, (score, vector) in best.items():
        prefix = f"cvss{kind[-1]}"
        columns[f"{prefix}_score"], columns[f"{prefix}_vector"] = score, vector
    if malicious:
        return Severity(**columns, band="critical", scored=True, source=ScoreSource.MALICIOUS)
    for kind in _KINDS:
        if kind in best:
            return Severity(**columns, band=band_of(best[kind][0]), scored=True, source=source)
    if stated_band is not None:
        return Severity(band=stated_band, scored=True, source=ScoreSource.OSV_DATABASE_BAND)
    return Severity(band=default_band, scored=False)


def _stated_band(data: Mapping[str, Any]) -> str | None:
    stated = str((data.get("database_specific") or {}).get("severity", "")).upper()
    return DATABASE_BANDS.get(stated)


def _cwes(data: Mapping[str, Any]) -> tuple[str, ...]:
    listed = (data.get("database_specific") or {}).get("cwe_ids") or []
    return tuple(str(c) for c in listed if isinstance(c, str) and c.startswith("CWE-"))


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
    entries = list(data.get("severity") or [])
    for affected in data.get("affected") or []:
        entries.extend(affected.get("severity") or [])
    vectors, stated = _vectors(entries), _stated_band(data)
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
        severity=rate(vectors, stated, default_band, malicious=advisory_id.startswith(MALICIOUS)),
        affected=tuple(_affected(a) for a in data.get("affected") or []),
        references=tuple(
            (str(r.get("type", "WEB")), str(r["url"]))
            for r in data.get("references") or []
            if r.get("url")
        ),
        upstream=tuple(str(u) for u in data.get("upstream") or []),
        vectors=vectors,
        stated_band=stated,
        cwes=_cwes(data),
    )

"""The vulnerability and alert objects (catalog §4), built from store values.

Severity is never invented: ``score`` is the CVSS v2 score, else the v3 or v4 score the
band came from, else null; ``cvss3_score`` is null without a v3 vector. ``severity``
takes only high, medium, low or none (v1.3 clients fail on anything else) and
``cvss3_severity`` says critical only in v1.4 answers. ``scored`` is false when no
source scored the advisory and the band is the configured default; v1.4 answers say
where the score came from and carry the exploit signals (:func:`signals_json`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from depvault.api.request_types import ApiVersion
from depvault.domain.alert_rules import top_fix
from depvault.domain.osv.packages import osv_package
from depvault.domain.osv.records import band_of, v13_band
from depvault.domain.timefmt import epoch_millis, format_date, format_timestamp
from depvault.store.alerts.reads import AlertView
from depvault.store.inventories.reads import LibraryRow
from depvault.store.knowledge.vulnerability_reads import (
    AdvisoryView,
    advisories_by_id,
    library_advisories,
)

__all__ = [
    "AnswerShapes",
    "add_vulnerabilities",
    "alert_json",
    "osv_url",
    "severity_band",
    "signals_json",
    "vulnerability_json",
]


def osv_url(advisory: AdvisoryView) -> str:
    """The advisory's public page."""
    return f"https://osv.dev/vulnerability/{advisory.key}"


def severity_band(advisory: AdvisoryView, version: ApiVersion) -> str:
    """The band an answer of this version shows (critical only in v1.4)."""
    return advisory.band if version is ApiVersion.V1_4 else v13_band(advisory.band)


def vulnerability_json(
    advisory: AdvisoryView, library: LibraryRow, version: ApiVersion
) -> dict[str, Any]:
    """An advisory as it applies to one library: its fixes are those of the library's
    package, the top fix the lowest one above the library's version."""
    return AnswerShapes(version).vulnerability(advisory, library)


class AnswerShapes:
    """The vulnerability objects (and alert dates) of one answer, built with what does
    not depend on the library made once per advisory: an alert list showed the same
    advisory's scores, dates and references once per alert (issue 15).

    Objects built here share those parts (the ``references`` list and its items): an
    answer is serialised, never edited. One instance per answer, never kept longer.
    """

    def __init__(self, version: ApiVersion) -> None:
        self.version = version
        self._advisories: dict[int, _AdvisoryParts] = {}
        self._packages: dict[tuple[str, str | None, str], tuple[str, str] | None] = {}
        self._dates: dict[datetime, str] = {}

    def vulnerability(self, advisory: AdvisoryView, library: LibraryRow) -> dict[str, Any]:
        """The advisory as it applies to this library (see :func:`vulnerability_json`)."""
        parts = self._advisories.get(advisory.id)
        if parts is None:
            parts = self._advisories[advisory.id] = _AdvisoryParts(advisory, self.version)
        package = self._package(library)
        fixed = advisory.fixes.get(package, ()) if package else ()
        best = top_fix(package[0], library.version, fixed) if package else None
        name = package[1] if package else library.name
        item = dict(parts.head)
        item["topFix"] = parts.fix(name, best) if best else None
        item["allFixes"] = [parts.fix(name, f) for f in fixed]
        item["fixResolutionText"] = f"Upgrade to version {best}" if best else ""
        item.update(parts.tail)
        return item

    def date(self, value: datetime) -> str:
        """:func:`format_date`, once per distinct value of the answer."""
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = format_date(value)
        return text

    def _package(self, library: LibraryRow) -> tuple[str, str] | None:
        key = (library.ecosystem, library.group_id, library.name)
        if key not in self._packages:
            self._packages[key] = osv_package(*key)
        return self._packages[key]


class _AdvisoryParts:
    """What a vulnerability object shows of its advisory whatever the library: the
    fields before the fixes (``head``), those after them (``tail``) and the fixed parts
    of a fix object; in the object's key order."""

    def __init__(self, advisory: AdvisoryView, version: ApiVersion) -> None:
        self.head = _head(advisory, version)
        self.tail = _tail(advisory, version)
        self._name = advisory.name
        self._url = self.head["url"]
        self._date = format_timestamp(advisory.modified)
        self._extra = f"osvId={advisory.key}"

    def fix(self, package: str, fixed: str) -> dict[str, Any]:
        """A fix object: upgrading ``package`` to ``fixed``."""
        return {
            "vulnerability": self._name,
            "type": "UPGRADE_VERSION",
            "origin": "OSV",
            "url": self._url,
            "fixResolution": f"Upgrade to version {fixed}",
            "date": self._date,
            "message": f"Upgrade {package} to version {fixed}",
            "extraData": self._extra,
        }


def _head(advisory: AdvisoryView, version: ApiVersion) -> dict[str, Any]:
    score = advisory.cvss2_score
    if score is None:
        score = advisory.cvss3_score if advisory.cvss3_score is not None else advisory.cvss4_score
    cvss3_band = band_of(advisory.cvss3_score) if advisory.cvss3_score is not None else None
    if cvss3_band is not None and version is not ApiVersion.V1_4:
        cvss3_band = v13_band(cvss3_band)
    return {
        "name": advisory.name,
        "type": advisory.type,
        "severity": severity_band(advisory, ApiVersion.V1_3),
        "score": score,
        "cvss3_severity": cvss3_band or severity_band(advisory, version),
        "cvss3_score": advisory.cvss3_score,
        "scoreMetadataVector": advisory.cvss3_vector
        or advisory.cvss4_vector
        or advisory.cvss2_vector
        or "",
        "scored": advisory.scored,
        "publishDate": format_date(advisory.published or advisory.modified),
        "lastUpdatedDate": format_date(advisory.modified),
        "url": osv_url(advisory),
        "description": advisory.details or advisory.summary,
    }


def _tail(advisory: AdvisoryView, version: ApiVersion) -> dict[str, Any]:
    return {
        "references": [
            {
                "value": url,
                "source": kind,
                "url": url,
                "advisory": kind == "ADVISORY",
                "patch": kind == "FIX",
            }
            for kind, url in advisory.references
        ],
        "osvId": advisory.key,
        **(signals_json(advisory) if version is ApiVersion.V1_4 else {}),
    }


def signals_json(advisory: AdvisoryView) -> dict[str, Any]:
    """What v1.4 answers add to a vulnerability beyond Mend's fields: where its score
    came from (``scoreSource``: osv-vector, nvd, osv-database-band, malicious, default),
    its weaknesses, FIRST's EPSS, CISA's KEV listing, and whether the record is a
    malicious package."""
    return {
        "scoreSource": advisory.score_source,
        "cweIds": list(advisory.cwes),
        "epss": advisory.epss,
        "epssPercentile": advisory.epss_percentile,
        "knownExploited": advisory.known_exploited,
        "kevDateAdded": advisory.kev_date_added.isoformat() if advisory.kev_date_added else None,
        "knownRansomware": bool(advisory.known_ransomware),
        "malicious": advisory.malicious,
    }


def alert_json(
    alert: AlertView,
    version: ApiVersion,
    library_json: dict[str, Any],
    shapes: AnswerShapes | None = None,
) -> dict[str, Any]:
    """An alert; security alerts carry their ``vulnerability``; alerts read with their
    history carry ``statusHistory`` (oldest first). A list answer passes one
    :class:`AnswerShapes` for all its alerts."""
    if shapes is None:
        shapes = AnswerShapes(version)
    created = shapes.date(alert.created_at)
    item: dict[str, Any] = {
        "type": alert.type,
        "level": alert.level,
        "library": library_json,
        "project": alert.project_name,
        "projectId": alert.project_id,
        "projectToken": alert.project_token,
        "product": alert.product_name,
        "productToken": alert.product_token,
        "directDependency": alert.library.direct,
        "description": alert.description,
        "date": created,
        "creation_date": created,
        "modifiedDate": shapes.date(alert.modified_at),
        "time": epoch_millis(alert.created_at),
        "alertUuid": alert.uuid,
        "status": alert.status,
        "comments": alert.comments or "",
    }
    if alert.advisory is not None:
        item["vulnerability"] = shapes.vulnerability(alert.advisory, alert.library)
    if alert.history:
        item["statusHistory"] = history_json(alert.history)
    return item


def history_json(history: Sequence[Any]) -> list[dict[str, Any]]:
    """An alert's status changes; ``user`` is empty for changes depvault made."""
    return [
        {
            "status": change.status,
            "date": format_timestamp(change.at),
            "user": change.user_email or "",
            "comments": change.comment or "",
        }
        for change in history
    ]


def add_vulnerabilities(
    db: Session,
    version: ApiVersion,
    libraries: Sequence[tuple[LibraryRow, dict[str, Any]]],
) -> None:
    """Set ``vulnerabilities`` on library objects (an empty list when none affects the
    library): two statements for the whole answer."""
    matched = library_advisories(db, [row.id for row, _ in libraries])
    advisories = advisories_by_id(db, {a for ids in matched.values() for a in ids})
    shapes = AnswerShapes(version)
    for row, item in libraries:
        item["vulnerabilities"] = [
            shapes.vulnerability(advisories[a], row)
            for a in matched.get(row.id, ())
            if a in advisories
        ]

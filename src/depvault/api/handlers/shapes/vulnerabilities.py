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
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from depvault.api.request_types import ApiVersion
from depvault.domain.alert_rules import top_fix
from depvault.domain.osv.packages import osv_package
from depvault.domain.osv.records import band_of, v13_band
from depvault.domain.timefmt import format_date, format_timestamp
from depvault.store.alerts.reads import AlertView
from depvault.store.inventories.reads import LibraryRow
from depvault.store.knowledge.vulnerability_reads import (
    AdvisoryView,
    advisories_by_id,
    library_advisories,
)

__all__ = [
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


def _fix(advisory: AdvisoryView, package: str, fixed: str) -> dict[str, Any]:
    return {
        "vulnerability": advisory.name,
        "type": "UPGRADE_VERSION",
        "origin": "OSV",
        "url": osv_url(advisory),
        "fixResolution": f"Upgrade to version {fixed}",
        "date": format_timestamp(advisory.modified),
        "message": f"Upgrade {package} to version {fixed}",
        "extraData": f"osvId={advisory.key}",
    }


def vulnerability_json(
    advisory: AdvisoryView, library: LibraryRow, version: ApiVersion
) -> dict[str, Any]:
    """An advisory as it applies to one library: its fixes are those of the library's
    package, the top fix the lowest one above the library's version."""
    package = osv_package(library.ecosystem, library.group_id, library.name)
    fixed = advisory.fixes.get(package, ()) if package else ()
    score = advisory.cvss2_score
    if score is None:
        score = advisory.cvss3_score if advisory.cvss3_score is not None else advisory.cvss4_score
    cvss3_band = band_of(advisory.cvss3_score) if advisory.cvss3_score is not None else None
    if cvss3_band is not None and version is not ApiVersion.V1_4:
        cvss3_band = v13_band(cvss3_band)
    best = top_fix(package[0], library.version, fixed) if package else None
    name = package[1] if package else library.name
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
        "topFix": _fix(advisory, name, best) if best else None,
        "allFixes": [_fix(advisory, name, f) for f in fixed],
        "fixResolutionText": f"Upgrade to version {best}" if best else "",
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
    alert: AlertView, version: ApiVersion, library_json: dict[str, Any]
) -> dict[str, Any]:
    """An alert; security alerts carry their ``vulnerability``; alerts read with their
    history carry ``statusHistory`` (oldest first)."""
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
        "date": format_date(alert.created_at),
        "creation_date": format_date(alert.created_at),
        "modifiedDate": format_date(alert.modified_at),
        "time": int(alert.created_at.replace(tzinfo=UTC).timestamp() * 1000),
        "alertUuid": alert.uuid,
        "status": alert.status,
        "comments": alert.comments or "",
    }
    if alert.advisory is not None:
        item["vulnerability"] = vulnerability_json(alert.advisory, alert.library, version)
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
    for row, item in libraries:
        item["vulnerabilities"] = [
            vulnerability_json(advisories[a], row, version)
            for a in matched.get(row.id, ())
            if a in advisories
        ]

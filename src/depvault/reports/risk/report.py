"""The Risk report: the one-page view of a scope's risk an AppSec lead hands to
management, as a PDF (``get{Organization,Product,Project}RiskReport`` and the
asynchronous ``RiskReport``).

The figures come from ``risk_reads`` (aggregated in the database, a fixed number of
statements whatever the scope's size); this module turns license expressions and ids
into the risk categories of ``domain.license_profiles`` (a few hundred distinct values,
classified in Python with the same rules as every other license answer) and hands the
whole to ``risk_pdf``. Lists are cut to their top entries so the document stays a few
pages long; each table says how many it leaves out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertType
from depvault.domain.licensing.licenses import expression_profile, license_info
from depvault.domain.licensing.profiles import Category, Copyleft
from depvault.domain.osv.records import v13_band
from depvault.domain.timefmt import utcnow
from depvault.reports.risk import libraries as risk_libraries
from depvault.reports.risk import reads
from depvault.reports.risk import scopes as risk_scopes
from depvault.reports.risk.model import Counted, LicenseConcern, RiskFigures
from depvault.reports.risk.pdf import render_risk_pdf
from depvault.reports.risk.reads import BandCount, ExpressionUse, LicenseUse
from depvault.store.inventories.hierarchy import ProjectFilter

__all__ = [
    "TOP_LIBRARIES",
    "TOP_LICENSES",
    "TOP_SCOPES",
    "risk_figures",
    "scope_noun",
    "write_risk_report",
]

TOP_LIBRARIES = 10
TOP_LICENSES = 15
TOP_SCOPES = 50
BANDS = ("high", "medium", "low")
OUTDATED_LABELS = {
    AlertType.NEW_MAJOR_VERSION: "New major version",
    AlertType.NEW_MINOR_VERSION: "New minor version",
    AlertType.MULTIPLE_LIBRARY_VERSIONS: "Multiple library versions",
}
# Categories whose obligations a person must review: anything beyond attribution.
_REVIEW = frozenset({Category.PROPRIETARY_FREE, Category.UNKNOWN, Category.COMMERCIAL})


def scope_noun(which: ProjectFilter) -> str:
    """The level the filter stands for, as the report's title names it."""
    if which.project_id is not None:
        return "Project"
    if which.product_id is not None:
        return "Product"
    return "Organization"


def risk_figures(
    db: Session, which: ProjectFilter, scope_name: str, now: datetime | None = None
) -> RiskFigures:
    """Read and classify every figure of the scope's Risk report."""
    noun = scope_noun(which)
    headline, expressions = reads.headline_and_expressions(db, which)
    counts = reads.alert_counts(db, which)
    risks, unlicensed = _license_risks(expressions)
    concerns = _concerns(reads.license_uses(db, which))
    return RiskFigures(
        noun=noun,
        scope_name=scope_name,
        generated=now or utcnow(),
        headline=headline,
        severities=_severities(counts),
        vulnerable_libraries=reads.vulnerable_library_count(db, which),
        top_libraries=tuple(risk_libraries.top_vulnerable_libraries(db, which, TOP_LIBRARIES)),
        license_risks=risks,
        unlicensed=unlicensed,
        concerns=tuple(concerns[:TOP_LICENSES]),
        concern_total=len(concerns),
        outdated=_outdated(counts),
        products=(
            tuple(risk_scopes.ranked_products(db, which, TOP_SCOPES))
            if noun == "Organization"
            else None
        ),
        projects=(
            tuple(risk_scopes.ranked_projects(db, which, TOP_SCOPES)) if noun != "Project" else None
        ),
    )


def write_risk_report(
    db: Session,
    which: ProjectFilter,
    options: Any,
    target: BinaryIO,
    title: str,
    *,
    fmt: str = "pdf",
) -> int:
    """The report engine's document writer: the scope's Risk report PDF into
    ``target`` (``title`` is the scope's name; there are no options; PDF is its one
    ``fmt``). Returns the library instances it summarizes."""
    if fmt != "pdf":
        raise ValueError(f"the Risk report is written as pdf, not {fmt}")
    figures = risk_figures(db, which, title)
    render_risk_pdf(figures, target)
    return figures.headline.instances


def _severities(counts: Iterable[BandCount]) -> tuple[Counted, ...]:
    """Open security alerts per v1.3 band (critical is high there); "none" only when an
    advisory scored none. Libraries per band add up a library once per band it has."""
    alerts: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    for count in counts:
        if count.type == reads.SECURITY:
            band = v13_band(count.band or "none")
            alerts[band] += count.alerts
            libraries[band] += count.libraries
    bands = [*BANDS, *(["none"] if alerts["none"] else [])]
    return tuple(Counted(band.capitalize(), alerts[band], libraries[band]) for band in bands)


def _outdated(counts: Iterable[BandCount]) -> tuple[Counted, ...]:
    """Open alerts of each outdated-library type, zero when there are none."""
    by_type = {count.type: count for count in counts if count.type != reads.SECURITY}
    return tuple(
        Counted(
            OUTDATED_LABELS[kind],
            by_type[kind.value].alerts if kind.value in by_type else 0,
            by_type[kind.value].libraries if kind.value in by_type else 0,
        )
        for kind in reads.OUTDATED
    )


def _license_risks(expressions: Iterable[ExpressionUse]) -> tuple[tuple[Counted, ...], Counted]:
    """Libraries (and instances) per license category, most restrictive first, and
    those stating no license at all. An expression's category is its profile's
    (``licenses.expression_profile``: AND takes the worst, OR the easiest choice)."""
    libraries: Counter[Category] = Counter()
    instances: Counter[Category] = Counter()
    none_instances = none_libraries = 0
    for use in expressions:
        if not use.expression:
            none_instances += use.instances
            none_libraries += use.libraries
            continue
        category = expression_profile(use.expression).category
        libraries[category] += use.libraries
        instances[category] += use.instances
    ordered = sorted(libraries, key=lambda category: category.rank, reverse=True)
    risks = tuple(Counted(c.value, instances[c], libraries[c]) for c in ordered)
    return risks, Counted("No license", none_instances, none_libraries)


def _concerns(uses: Iterable[LicenseUse]) -> list[LicenseConcern]:
    """The licenses asking more than attribution, most restrictive first, then the
    most used."""
    found = []
    for use in uses:
        profile = license_info(use.license_id).profile
        if profile.copyleft is Copyleft.NO and profile.category not in _REVIEW:
            continue
        found.append((profile.restrictiveness(), use, profile))
    found.sort(key=lambda item: item[1].license_id)  # ties by id; the next sort is stable
    found.sort(key=lambda item: (item[0], item[1].libraries), reverse=True)
    return [
        LicenseConcern(
            use.license_id, use.name, profile.category.value, profile.copyleft.value, use.libraries
        )
        for _, use, profile in found
    ]

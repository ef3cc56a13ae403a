"""The document reports' entries: SBOMs (CycloneDX, SPDX, in every format document 003
names), Attribution and Risk."""

from __future__ import annotations

from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from depvault.reports.attribution.report import EXPORT_FORMATS, AttributionFilter, write_attribution
from depvault.reports.catalog.spec import Offered, ReportSpec
from depvault.reports.risk.report import write_risk_report
from depvault.reports.sbom.cyclonedx_json import CYCLONEDX_FORMATS, SbomFilter, write_cyclonedx
from depvault.reports.sbom.spdx import SYNTAXES, write_spdx
from depvault.store.inventories.hierarchy import ProjectFilter

# The formats of each SBOM ``standard`` (``SbomFilter`` makes it canonical), document
# 003's: CycloneDX in JSON or XML, SPDX in JSON, tag-value (``tv``, a ``.spdx`` file as
# ``getProjectSpdxReport`` names it), YAML, XML or the SPDX spreadsheet (xlsx, the
# default when no format is named).
SBOM_FORMATS: dict[str, tuple[str, ...]] = {
    "CycloneDX": CYCLONEDX_FORMATS,
    "SPDX": tuple(SYNTAXES),
}


def _sbom_options(options: Any) -> SbomFilter:
    return options if isinstance(options, SbomFilter) else SbomFilter()


def write_sbom(
    db: Session, which: ProjectFilter, options: Any, target: BinaryIO, title: str, *, fmt: str
) -> int:
    """The SBOM document in the standard its options name (CycloneDX without options),
    in ``fmt``: one of that standard's :data:`SBOM_FORMATS`."""
    opts = _sbom_options(options)
    if opts.standard == "SPDX":
        return write_spdx(db, which, opts, target, title, syntax=fmt)
    return write_cyclonedx(db, which, opts, target, title, fmt=fmt)


def sbom_formats(options: Any) -> Offered:
    """The formats of the standard the SBOM's options name."""
    standard = _sbom_options(options).standard
    return Offered(SBOM_FORMATS[standard], f"standard {standard}")


SBOM = ReportSpec(
    "SBOM",
    "Software Bill of Materials",
    formats=tuple(dict.fromkeys(f for offered in SBOM_FORMATS.values() for f in offered)),
    filter=SbomFilter,
    document=write_sbom,
    formats_for=sbom_formats,
)
# The Attribution report (``reports/attribution/report.py``) as a document, in each
# ``exportFormat`` the synchronous get{Product,Project}AttributionReport answer too
# (JSON, TXT, HTML), by the same writers.
ATTRIBUTION = ReportSpec(
    "Attribution",
    "Attribution Report",
    formats=tuple(EXPORT_FORMATS),
    filter=AttributionFilter,
    document=write_attribution,
)
# The Risk report (``reports/risk/report.py``): one PDF summarizing the scope's risk, figures
# aggregated in the database, lists cut to their top entries. It takes no options.
RISK = ReportSpec("Risk", "Risk Report", formats=("pdf",), document=write_risk_report)

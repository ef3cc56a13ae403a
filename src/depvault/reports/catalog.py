"""The report catalog: every report type the asynchronous document names, at every scope
it lists, mapped to what builds it (columns, a row source, its JSON shape, its filter).

Every listed report type is built: those of data depvault does not hold (bugs,
containers, clusters, effective usage: ``reports/always_empty.py``) answer their headers
and no rows, and say why in ``always_empty``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, NamedTuple, Protocol

from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.reports import always_empty
from depvault.reports.always_empty import no_rows
from depvault.reports.attribution.report import EXPORT_FORMATS, AttributionFilter, write_attribution
from depvault.reports.filters import NoFilter, StatusFilter
from depvault.reports.formats.xlsx import Column
from depvault.reports.risk.report import write_risk_report
from depvault.reports.sbom.cyclonedx_json import CYCLONEDX_FORMATS, SbomFilter, write_cyclonedx
from depvault.reports.sbom.spdx import SYNTAXES, write_spdx
from depvault.reports.sources.activity import (
    change_log_rows,
    history_rows,
    plugin_request_rows,
)
from depvault.reports.sources.attributes import attribute_rows
from depvault.reports.sources.core import (
    EARLY_WARNING_TYPES,
    SECURITY_ONLY,
    alert_rows,
    early_warning_rows,
    inventory_rows,
    vulnerability_rows,
)
from depvault.reports.sources.diff import DiffFilter, diff_rows
from depvault.reports.sources.inventory_details import (
    in_house_rows,
    library_location_rows,
    library_security_alert_rows,
    license_rows,
    source_file_rows,
)
from depvault.reports.sources.json_rows import inventory_objects, vulnerability_objects
from depvault.reports.sources.licenses import effective_license_rows, license_compatibility_rows
from depvault.reports.sources.members import member_rows
from depvault.reports.sources.plugin_violations import plugin_violation_rows
from depvault.store.inventories.hierarchy import ProjectFilter

__all__ = [
    "FORMATS",
    "REPORT_TYPES",
    "Document",
    "Offered",
    "ReportSpec",
    "ReportType",
    "report_type",
]

FORMATS = ("xlsx", "json", "xml", "pdf")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
Source = Callable[[Session, ProjectFilter, Any], Iterator[Sequence[object]]]


class Document(Protocol):
    """A document writer: the whole file of a report, in ``fmt`` (one of the formats its
    spec offers), into ``target``; ``title`` names the scope. Returns how many items it
    holds."""

    def __call__(
        self,
        db: Session,
        which: ProjectFilter,
        options: Any,
        target: BinaryIO,
        title: str,
        *,
        fmt: str,
    ) -> int: ...


class Offered(NamedTuple):
    """The formats a report is offered in, and what in its options decides them
    (``"standard SPDX"``; empty when they do not depend on options)."""

    formats: tuple[str, ...]
    given: str = ""

    def refusal(self, report: str) -> str:
        """Why another format of ``report`` is refused: the formats there are."""
        given = f" with {self.given}" if self.given else ""
        return f"{report}{given} is offered as {', '.join(self.formats)}"


@dataclass(frozen=True)
class ReportSpec:
    """What a report is, whatever its scope."""

    key: str
    title: str
    columns: tuple[Column, ...] = ()
    source: Source | None = None
    root: str = "rows"
    item: str = "row"
    formats: tuple[str, ...] = FORMATS
    filter: type[NoFilter] = NoFilter
    # JSON rows as API objects (``reports.json_rows``) instead of one key per column: a
    # converter of the whole row stream, so it may share work between rows.
    json_objects: Callable[[Iterable[Sequence[Any]]], Iterator[dict[str, Any]]] | None = None
    # A report that is one document rather than a table (an SBOM): it writes the whole
    # file itself, in the format requested, and returns how many items it holds.
    document: Document | None = None
    # When the formats depend on the options (the SBOM's ``standard``): those the
    # validated options offer, a subset of ``formats`` (which then lists them all).
    formats_for: Callable[[Any], Offered] | None = None
    # Why a report is always empty (depvault holds no such data); empty for the others.
    always_empty: str = ""

    def offered(self, options: Any) -> Offered:
        """The formats this report is offered in with these validated options."""
        return self.formats_for(options) if self.formats_for is not None else Offered(self.formats)

    def default_format(self, options: Any) -> str:
        """The format of a request that names none (document 003): xlsx where it is
        offered, else the first offered."""
        formats = self.offered(options).formats
        return "xlsx" if "xlsx" in formats else formats[0]

    @property
    def built(self) -> bool:
        return self.source is not None or self.document is not None


@dataclass(frozen=True)
class ReportType:
    """One ``reportType`` value: its name, scope level and report."""

    name: str
    level: Level
    spec: ReportSpec

    @property
    def process_type(self) -> str:
        """``ProjectInventoryReport`` → ``PROJECT_INVENTORY_REPORT`` (as Mend spells
        ``PROJECT_SBOM_REPORT``)."""
        return _WORD_BREAK.sub("_", self.name).upper()


INVENTORY = ReportSpec(
    "Inventory",
    "Inventory Report",
    (
        Column("Product", 24),
        Column("Project", 24),
        Column("Library", 40),
        Column("Name", 24),
        Column("Group Id", 24),
        Column("Version", 14),
        Column("Type", 14),
        Column("Licenses", 30),
        Column("Vulnerabilities", 10, "number"),
        Column("Direct Dependency", 10),
        Column("Depth", 8, "number"),
        Column("Scope", 12),
        Column("Package URL", 40),
        Column("SHA-1", 42),
        Column("Homepage", 30),
        Column("Key UUID", 38),
    ),
    inventory_rows,
    root="libraries",
    item="library",
    json_objects=inventory_objects,
)

# Beyond Mend's columns: where the severity came from (``domain.osv_records.ScoreSource``)
# and the exploit signals (``domain.vulnerability_groups``), blank for other alerts.
SIGNAL_COLUMNS = (
    Column("Score Source", 16),
    Column("EPSS", 8, "number"),
    Column("EPSS Percentile", 10, "number"),
    Column("Known Exploited", 10),
    Column("KEV Date Added", 12),
    Column("Known Ransomware", 10),
    Column("Malicious", 10),
)

VULNERABILITY = ReportSpec(
    "Vulnerability",
    "Vulnerability Report",
    (
        Column("Vulnerability", 28),
        Column("Type", 8),
        Column("Severity", 10),
        Column("Score", 8, "number"),
        Column("CVSS 3 Score", 10, "number"),
        Column("Publish Date", 14),
        Column("Library", 40),
        Column("Version", 14),
        Column("Library Type", 14),
        Column("Direct Dependency", 10),
        Column("Top Fix", 28),
        Column("Product", 20),
        Column("Project", 20),
        Column("URL", 30),
        Column("Description", 40),
        Column("Library Key UUID", 30),
        Column("CVSS 3 Severity", 10),
        *SIGNAL_COLUMNS,
    ),
    vulnerability_rows,
    root="vulnerabilities",
    item="vulnerability",
    filter=StatusFilter,
    json_objects=vulnerability_objects,
)

_ALERT_COLUMNS = (
    Column("Alert Type", 26),
    Column("Level", 8),
    Column("Status", 13),
    Column("Vulnerability", 28),
    Column("Severity", 9),
    Column("CVSS 3 Score", 9, "number"),
    Column("Library", 36),
    Column("Version", 12),
    Column("Library Type", 12),
    Column("Product", 18),
    Column("Project", 18),
    Column("Description", 36),
    Column("Comments", 20),
    Column("Creation Date", 18),
    Column("Modified Date", 18),
    Column("Alert UUID", 30),
    *SIGNAL_COLUMNS,
)


def _alerts(
    key: str, title: str, statuses: list[str] | None, types: Any = None, advisories: Any = None
) -> ReportSpec:
    return ReportSpec(
        key,
        title,
        _ALERT_COLUMNS,
        alert_rows(statuses, types, advisories),
        root="alerts",
        item="alert",
        filter=StatusFilter,
    )


ALERTS = _alerts("Alerts", "Alerts Report", [AlertStatus.ACTIVE.value])
IGNORED = _alerts("IgnoredAlerts", "Ignored Alerts Report", [AlertStatus.IGNORED.value])
RESOLVED = _alerts("ResolvedAlerts", "Resolved Alerts Report", [AlertStatus.RESOLVED.value])
SECURITY = _alerts("SecurityAlerts", "Security Alerts Report", None, SECURITY_ONLY)
# Early warnings: vulnerabilities known before a CVE is assigned (``sources.
# EARLY_WARNING_TYPES``), as the vulnerability rows and as security alerts.
EARLY_WARNINGS = replace(
    VULNERABILITY, key="EarlyWarnings", title="Early Warnings Report", source=early_warning_rows
)
EARLY_WARNING_ALERTS = _alerts(
    "EarlyWarningsAlert", "Early Warnings Alert Report", None, SECURITY_ONLY, EARLY_WARNING_TYPES
)
# License and compliance alerts: those policies raise (every status; ``status`` narrows).
COMPLIANCE = _alerts(
    "LicenseAndComplianceAlert",
    "License and Compliance Alert Report",
    None,
    (AlertType.REJECTED_BY_POLICY_RESOURCE.value,),
)


def _scope_columns(*columns: Column) -> tuple[Column, ...]:
    return (Column("Product", 20), Column("Project", 20), *columns)


LIBRARY_LOCATION = ReportSpec(
    "LibraryLocation",
    "Library Location Report",
    _scope_columns(
        Column("Library", 40),
        Column("Version", 14),
        Column("Type", 14),
        Column("Path", 50),
        Column("Dependency File", 40),
        Column("Key UUID", 30),
    ),
    library_location_rows,
    root="libraryLocations",
    item="location",
)
SOURCE_FILES = ReportSpec(
    "SourceFileInventory",
    "Source File Inventory Report",
    _scope_columns(
        Column("File Name", 30),
        Column("Path", 50),
        Column("SHA-1", 42),
        Column("Library", 40),
        Column("Library Version", 14),
        Column("Key UUID", 30),
    ),
    source_file_rows,
    root="sourceFiles",
    item="sourceFile",
)
IN_HOUSE = ReportSpec(
    "InHouse",
    "In-House Libraries Report",
    _scope_columns(
        Column("Library", 40),
        Column("Version", 14),
        Column("Type", 14),
        Column("Marked", 20),
        Column("Key UUID", 30),
    ),
    in_house_rows,
    root="libraries",
    item="library",
)
LICENSES = ReportSpec(
    "Licenses",
    "Licenses Report",
    _scope_columns(
        Column("Library", 36),
        Column("Version", 12),
        Column("License", 28),
        Column("SPDX Id", 20),
        Column("Copyleft", 10),
        Column("Linking", 12),
        Column("Royalty Free", 10),
        Column("Copyright Risk", 10),
        Column("Patent Risk", 10),
        Column("Copyright", 30),
        Column("License URL", 30),
        Column("Key UUID", 30),
    ),
    license_rows,
    root="licenses",
    item="license",
)
# The license that governs each library (``domain.effective_licenses``: OR resolved to
# the least restrictive choice, AND keeps every term), one row per (project, library).
EFFECTIVE_LICENSES = ReportSpec(
    "EffectiveLicenses",
    "Effective Licenses Report",
    _scope_columns(
        Column("Library", 36),
        Column("Version", 12),
        Column("Type", 12),
        Column("Licenses", 30),
        Column("Effective License", 28),
        Column("Category", 16),
        Column("Copyleft", 10),
        Column("Reason", 30),
        Column("Key UUID", 30),
    ),
    effective_license_rows,
    root="libraries",
    item="library",
)
# Pairs of the scope's effective licenses known to conflict (``domain.
# license_compatibility``'s cited table), with the libraries carrying each side.
LICENSE_COMPATIBILITY = ReportSpec(
    "LicenseCompatibility",
    "License Compatibility Report",
    (
        Column("License", 24),
        Column("Libraries", 40),
        Column("Library Count", 10, "number"),
        Column("Conflicting License", 24),
        Column("Conflicting Libraries", 40),
        Column("Conflicting Library Count", 10, "number"),
        Column("Direction", 10),
        Column("Reason", 50),
        Column("Source", 40),
    ),
    license_compatibility_rows,
    root="incompatibilities",
    item="incompatibility",
)
LIBRARY_SECURITY = ReportSpec(
    "LibrarySecurityAlerts",
    "Library Security Alerts Report",
    (
        Column("Library", 40),
        Column("Library Type", 14),
        Column("Product", 20),
        Column("Project", 20),
        Column("High", 8, "number"),
        Column("Medium", 8, "number"),
        Column("Low", 8, "number"),
        Column("Total Alerts", 10, "number"),
        Column("Ignored Alerts", 10, "number"),
        Column("Resolved Alerts", 10, "number"),
        Column("Creation Date", 20),
        Column("Modified Date", 20),
    ),
    library_security_alert_rows,
    root="alerts",
    item="alert",
    filter=StatusFilter,
)
HISTORY = ReportSpec(
    "History",
    "History Report",
    _scope_columns(
        Column("Queued", 20),
        Column("Finished", 20),
        Column("Channel", 10),
        Column("Update Type", 12),
        Column("Agent", 14),
        Column("Agent Version", 12),
        Column("User", 26),
        Column("State", 12),
        Column("Components", 10, "number"),
        Column("Failure Reason", 40),
        Column("Request Token", 40),
    ),
    history_rows,
    root="updates",
    item="update",
)
PLUGIN_REQUESTS = ReportSpec(
    "PluginRequestHistory",
    "Plugin Request History Report",
    (
        Column("Received", 20),
        Column("Channel", 10),
        Column("Update Type", 12),
        Column("Agent", 14),
        Column("Agent Version", 12),
        Column("User", 26),
        Column("Projects", 10, "number"),
        Column("Request Token", 40),
    ),
    plugin_request_rows,
    root="requests",
    item="request",
)
# The inventory history (``reports/sources/diff.py``): what each update changed.
DIFF = ReportSpec(
    "Diff",
    "Diff Report",
    _scope_columns(
        Column("Date", 20),
        Column("Change", 10),
        Column("Library", 36),
        Column("Type", 12),
        Column("From Version", 14),
        Column("To Version", 14),
        Column("Key UUID", 30),
    ),
    diff_rows,
    root="changes",
    item="change",
    filter=DiffFilter,
)
PLUGIN_VIOLATIONS = ReportSpec(
    "PluginPolicyViolation",
    "Plugin Policy Violation Report",
    (
        Column("Product", 20),
        Column("Project", 20),
        Column("Library", 36),
        Column("Version", 14),
        Column("Policy", 24),
        Column("Policy Level", 12),
        Column("First Seen", 20),
        Column("Last Seen", 20),
        Column("Checks", 10, "number"),
        Column("Agent", 14),
        Column("Agent Version", 12),
        Column("User", 26),
    ),
    plugin_violation_rows,
    root="violations",
    item="violation",
)
MEMBERS = ReportSpec(
    "Members",
    "Members Report",
    (
        Column("Name", 24),
        Column("Email", 30),
        Column("User Type", 10),
        Column("Groups", 24),
        Column("Roles", 50),
        Column("Member Since", 20),
    ),
    member_rows,
    root="members",
    item="member",
)
ATTRIBUTES = ReportSpec(
    "Attributes",
    "Custom Attribute Values Report",
    (
        Column("Level", 14),
        Column("Product", 24),
        Column("Project", 24),
        Column("Attribute", 24),
        Column("Value", 40),
        Column("Last Modified", 20),
    ),
    attribute_rows,
    root="attributes",
    item="attribute",
)
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
CHANGE_LOG = ReportSpec(
    "ChangeLog",
    "Change Log Report",
    (
        Column("Date", 20),
        Column("Scope", 14),
        Column("Scope Name", 24),
        Column("Category", 14),
        Column("Change Class", 14),
        Column("Change Aspect", 14),
        Column("Operator", 10),
        Column("User", 26),
        Column("Before", 40),
        Column("After", 40),
    ),
    change_log_rows,
    root="changes",
    item="change",
)


def _empty(family: tuple[str, str, tuple[Column, ...], str, str, str]) -> ReportSpec:
    key, title, columns, root, item, reason = family
    return ReportSpec(key, title, columns, no_rows, root=root, item=item, always_empty=reason)


BUGS = _empty(always_empty.BUGS)
CONTAINER_VULNERABILITY = _empty(always_empty.CONTAINER_VULNERABILITY)
CLUSTER_INVENTORY = _empty(always_empty.CLUSTER_INVENTORY)
EFFECTIVE_USAGE = _empty(always_empty.EFFECTIVE_USAGE)


# reportType suffix (after the scope prefix) → report; one entry per name in the
# asynchronous document, whether built yet or not.
_BY_SUFFIX: dict[str, ReportSpec] = {
    "InventoryReport": INVENTORY,
    "VulnerabilityReport": VULNERABILITY,
    "AlertsReport": ALERTS,
    "IgnoreAlertsReport": IGNORED,
    "ResolvedAlertsReport": RESOLVED,
    "SecurityAlertsReport": SECURITY,
    "LicenseAndComplianceAlertReport": COMPLIANCE,
    "LibraryLocationReport": LIBRARY_LOCATION,
    "SourceFileInventoryReport": SOURCE_FILES,
    "InHouseReport": IN_HOUSE,
    "LicensesReport": LICENSES,
    "EffectiveLicensesReport": EFFECTIVE_LICENSES,
    "LicenseCompatibilityReport": LICENSE_COMPATIBILITY,
    "LibrarySecurityAlertsReport": LIBRARY_SECURITY,
    "HistoryReport": HISTORY,
    "PluginRequestHistoryReport": PLUGIN_REQUESTS,
    "PluginPolicyViolationReport": PLUGIN_VIOLATIONS,
    "DiffReport": DIFF,
    "EarlyWarningsReport": EARLY_WARNINGS,
    "EarlyWarningsAlertReport": EARLY_WARNING_ALERTS,
    "ChangeLogReport": CHANGE_LOG,
    "MembersReport": MEMBERS,
    "AttributesReport": ATTRIBUTES,
    "SBOMReport": SBOM,
    # ProductAttributionReport, and the project's unprefixed AttributionReport
    "AttributionReport": ATTRIBUTION,
    "RiskReport": RISK,
    "BugsReport": BUGS,
    "ContainerVulnerabilityReport": CONTAINER_VULNERABILITY,
    "ClusterInventoryReport": CLUSTER_INVENTORY,
    "EffectiveUsageAnalysisReport": EFFECTIVE_USAGE,
}
_SCOPE_NAMES = {
    Level.ORG: (
        "Org",
        "History Inventory Licenses SourceFileInventory ClusterInventory Alerts IgnoreAlerts "
        "ResolvedAlerts SecurityAlerts LibrarySecurityAlerts Vulnerability "
        "ContainerVulnerability Bugs Members Attributes EffectiveLicenses InHouse "
        "LibraryLocation LicenseAndComplianceAlert EarlyWarningsAlert EarlyWarnings "
        "EffectiveUsageAnalysis",
    ),
    Level.PRODUCT: (
        "Product",
        "History Inventory LicenseCompatibility Licenses SourceFileInventory "
        "ClusterInventory Alerts IgnoreAlerts ResolvedAlerts SecurityAlerts "
        "LibrarySecurityAlerts Vulnerability ContainerVulnerability Bugs Members Attributes "
        "EffectiveLicenses Diff Attribution InHouse LibraryLocation "
        "LicenseAndComplianceAlert EarlyWarningsAlert EarlyWarnings SBOM",
    ),
    Level.PROJECT: (
        "Project",
        "History Inventory LicenseCompatibility Licenses SourceFileInventory Alerts "
        "IgnoreAlerts ResolvedAlerts SecurityAlerts LibrarySecurityAlerts Vulnerability "
        "ContainerVulnerability Bugs Members Diff InHouse LibraryLocation "
        "LicenseAndComplianceAlert EarlyWarningsAlert EarlyWarnings SBOM",
    ),
}
# Names without a scope prefix, and the levels that list them.
_UNPREFIXED = {
    "RiskReport": (Level.ORG, Level.PRODUCT, Level.PROJECT),
    "PluginPolicyViolationReport": (Level.ORG,),
    "PluginRequestHistoryReport": (Level.ORG,),
    "ChangeLogReport": (Level.ORG,),
    "AttributionReport": (Level.PROJECT,),
}


def _catalog() -> dict[tuple[Level, str], ReportType]:
    table: dict[tuple[Level, str], ReportType] = {}
    for level, (prefix, names) in _SCOPE_NAMES.items():
        for short in names.split():
            suffix = f"{short}Report"
            spec = _BY_SUFFIX[suffix]
            name = f"{prefix}{suffix}"
            table[(level, name)] = ReportType(name, level, spec)
    for name, levels in _UNPREFIXED.items():
        for level in levels:
            spec = _BY_SUFFIX[name]
            table[(level, name)] = ReportType(name, level, spec)
    return table


REPORT_TYPES = _catalog()


# client-compat.md: ws-sdk spells the organization prefix out ("OrganizationInventory
# Report" for "OrgInventoryReport"); both name the same report type.
_LONG_ORG = "Organization"


def report_type(level: Level, name: str) -> ReportType | None:
    """The report type of this name at this scope level (an organization report also
    as ``Organization…Report``)."""
    found = REPORT_TYPES.get((level, name))
    if found is None and level is Level.ORG and name.startswith(_LONG_ORG):
        short = REPORT_TYPES.get((level, "Org" + name.removeprefix(_LONG_ORG)))
        if short is not None and short.name.startswith("Org"):
            found = short
    return found

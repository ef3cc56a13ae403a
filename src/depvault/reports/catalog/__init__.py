"""The report catalog: every report type the asynchronous document names, at every scope
it lists, mapped to what builds it (columns, a row source, its JSON shape, its filter).
The table is assembled here in plain sight, as the request table is, from one module per
family: ``core``, ``inventory_details``, ``activity``, ``documents`` and ``empty``
(``spec`` says what an entry is).

Every listed report type is built: those of data depvault does not hold (bugs,
containers, clusters, effective usage: ``reports/always_empty.py``) answer their headers
and no rows, and say why in ``always_empty``.

May import ``depvault.domain``, ``depvault.store`` and the rest of ``depvault.reports``;
the protocol layer reads report types here.
"""

from __future__ import annotations

from depvault.domain.access import Level
from depvault.reports.catalog.activity import (
    ATTRIBUTES,
    CHANGE_LOG,
    DIFF,
    HISTORY,
    MEMBERS,
    PLUGIN_REQUESTS,
    PLUGIN_VIOLATIONS,
)
from depvault.reports.catalog.core import (
    ALERTS,
    COMPLIANCE,
    EARLY_WARNING_ALERTS,
    EARLY_WARNINGS,
    IGNORED,
    INVENTORY,
    RESOLVED,
    SECURITY,
    SIGNAL_COLUMNS,
    VULNERABILITY,
)
from depvault.reports.catalog.documents import (
    ATTRIBUTION,
    RISK,
    SBOM,
    SBOM_FORMATS,
    sbom_formats,
    write_sbom,
)
from depvault.reports.catalog.empty import (
    BUGS,
    CLUSTER_INVENTORY,
    CONTAINER_VULNERABILITY,
    EFFECTIVE_USAGE,
)
from depvault.reports.catalog.inventory_details import (
    EFFECTIVE_LICENSES,
    IN_HOUSE,
    LIBRARY_LOCATION,
    LIBRARY_SECURITY,
    LICENSE_COMPATIBILITY,
    LICENSES,
    SOURCE_FILES,
)
from depvault.reports.catalog.spec import FORMATS, Document, Offered, ReportSpec, ReportType, Source

__all__ = [
    "ALERTS",
    "ATTRIBUTES",
    "ATTRIBUTION",
    "BUGS",
    "CHANGE_LOG",
    "CLUSTER_INVENTORY",
    "COMPLIANCE",
    "CONTAINER_VULNERABILITY",
    "DIFF",
    "EARLY_WARNINGS",
    "EARLY_WARNING_ALERTS",
    "EFFECTIVE_LICENSES",
    "EFFECTIVE_USAGE",
    "FORMATS",
    "HISTORY",
    "IGNORED",
    "INVENTORY",
    "IN_HOUSE",
    "LIBRARY_LOCATION",
    "LIBRARY_SECURITY",
    "LICENSES",
    "LICENSE_COMPATIBILITY",
    "MEMBERS",
    "PLUGIN_REQUESTS",
    "PLUGIN_VIOLATIONS",
    "REPORT_TYPES",
    "RESOLVED",
    "RISK",
    "SBOM",
    "SBOM_FORMATS",
    "SECURITY",
    "SIGNAL_COLUMNS",
    "SOURCE_FILES",
    "VULNERABILITY",
    "Document",
    "Offered",
    "ReportSpec",
    "ReportType",
    "Source",
    "report_type",
    "sbom_formats",
    "write_sbom",
]


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

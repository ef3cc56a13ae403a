"""The core reports' entries: Inventory, Vulnerability and the alert reports (all,
ignored, resolved, security, early warnings, license and compliance)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.reports.catalog.spec import ReportSpec
from depvault.reports.filters import StatusFilter
from depvault.reports.formats.xlsx import Column
from depvault.reports.sources.core import (
    EARLY_WARNING_TYPES,
    SECURITY_ONLY,
    alert_rows,
    early_warning_rows,
    inventory_rows,
    vulnerability_rows,
)
from depvault.reports.sources.json_rows import inventory_objects, vulnerability_objects

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

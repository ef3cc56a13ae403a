"""The inventory-detail reports' entries: library locations, source files, in-house
libraries, licenses, effective licenses, license compatibility, library security."""

from __future__ import annotations

from depvault.reports.catalog.spec import ReportSpec
from depvault.reports.filters import StatusFilter
from depvault.reports.formats.xlsx import Column
from depvault.reports.sources.inventory_details import (
    in_house_rows,
    library_location_rows,
    library_security_alert_rows,
    license_rows,
    source_file_rows,
)
from depvault.reports.sources.licenses import effective_license_rows, license_compatibility_rows


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

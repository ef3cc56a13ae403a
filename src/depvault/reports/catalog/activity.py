"""The activity reports' entries: update history, plugin requests, the inventory diff,
plugin policy violations, members, custom attributes and the change log."""

from __future__ import annotations

from depvault.reports.catalog.inventory_details import _scope_columns
from depvault.reports.catalog.spec import ReportSpec
from depvault.reports.formats.xlsx import Column
from depvault.reports.sources.activity import (
    change_log_rows,
    history_rows,
    plugin_request_rows,
)
from depvault.reports.sources.attributes import attribute_rows
from depvault.reports.sources.diff import DiffFilter, diff_rows
from depvault.reports.sources.members import member_rows
from depvault.reports.sources.plugin_violations import plugin_violation_rows

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

"""Alerts requests (catalog §6.2): reading alerts of a scope, the two security-alert
reports (json and xlsx), and people changing alerts' statuses.

The plain requests (``getXAlerts``, ``getXAlertsByType``, the tag variants) answer
Active alerts, the ignored requests Ignored ones; the reports take an optional
``status`` (all statuses when absent). ``fromDate`` / ``toDate`` select alerts created
or changed in the window (GMT, both ends included).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from depvault.api.call import Call
from depvault.api.handlers.shapes.common import library_json
from depvault.api.handlers.shapes.vulnerabilities import (
    AnswerShapes,
    alert_json,
    severity_band,
)
from depvault.api.request_types import (
    BinaryResult,
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    admin_request,
    in_category,
)
from depvault.domain.access import Level
from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.domain.timefmt import format_timestamp, parse_timestamp
from depvault.errors import InvalidParameter
from depvault.reports.catalog import SIGNAL_COLUMNS
from depvault.reports.engine import Column, signal_cells, xlsx_bytes
from depvault.store.alerts.reads import AlertQuery, AlertView, list_alerts
from depvault.store.alerts.status import set_alert_status
from depvault.store.inventories.hierarchy import ProjectFilter

__all__ = ["REQUEST_TYPES"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUCCESS_MESSAGE = "Successfully set the alert's status"
ALERT_TYPES = ", ".join(AlertType)


def _alerts(call: Call, query: AlertQuery, *, with_history: bool = False) -> list[dict[str, Any]]:
    return _alert_items(call, list_alerts(call.db, query, with_history=with_history))


def _alert_items(call: Call, alerts: Sequence[AlertView]) -> list[dict[str, Any]]:
    """The alerts' objects. Built once per answer and shared by the alerts that show
    them (the answer is serialised, never edited): each advisory's library-independent
    parts, and each library's object (a library has several alerts, 76 alerts of a
    200-library project name 17 libraries)."""
    shapes = AnswerShapes(call.version)
    libraries: dict[tuple[int, bool], dict[str, Any]] = {}
    items = []
    for alert in alerts:
        key = (alert.library.id, alert.library.direct)
        shown = libraries.get(key)
        if shown is None:
            shown = libraries[key] = library_json(alert.library)
        items.append(alert_json(alert, call.version, shown, shapes))
    return items


def _status(text: str, parameter: str = "status") -> AlertStatus:
    for status in AlertStatus:
        if text.strip().lower() == status.value.lower():
            return status
    raise InvalidParameter(parameter, "expected Active, Ignored or Resolved")


# --- reading -------------------------------------------------------------------------


def get_alerts(call: Call, params: NoParams) -> Result:
    """The scope's Active alerts."""
    query = AlertQuery(call.projects(), statuses=[AlertStatus.ACTIVE])
    return {"alerts": _alerts(call, query)}


class AlertsByType(Params):
    alert_type: str = Field(min_length=1)
    from_date: str | None = None
    to_date: str | None = None

    @field_validator("alert_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in set(AlertType):
            raise ValueError(f"expected one of {ALERT_TYPES}")
        return value

    @field_validator("from_date", "to_date")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            parse_timestamp(value)
        return value

    def window(self) -> tuple[datetime, datetime] | None:
        if self.from_date is None and self.to_date is None:
            return None
        start = parse_timestamp(self.from_date) if self.from_date else datetime.min
        end = parse_timestamp(self.to_date) if self.to_date else datetime.max
        if self.to_date and len(self.to_date.strip()) == 10:  # a date: the whole day
            end = end.replace(hour=23, minute=59, second=59)
        if end < start:
            raise InvalidParameter("toDate", "must not be earlier than fromDate")
        return start, end


def get_alerts_by_type(call: Call, params: AlertsByType) -> Result:
    """The scope's Active alerts of one type, optionally in a time window."""
    query = AlertQuery(
        call.projects(),
        statuses=[AlertStatus.ACTIVE],
        types=[params.alert_type],
        modified_between=params.window(),
    )
    return {"alerts": _alerts(call, query)}


class AlertsByProjectTag(Params):
    tag_key: str = Field(min_length=1, max_length=255)
    tag_value: str = Field(min_length=1, max_length=255)


def get_alerts_by_project_tag(call: Call, params: AlertsByProjectTag) -> Result:
    """Active alerts of the organization's projects tagged ``tagKey: tagValue``."""
    query = AlertQuery(
        call.projects(),
        statuses=[AlertStatus.ACTIVE],
        project_tag=(params.tag_key, params.tag_value),
    )
    return {"alerts": _alerts(call, query)}


def get_ignored_alerts(call: Call, params: NoParams) -> Result:
    """The scope's Ignored alerts, with their comments and history."""
    query = AlertQuery(call.projects(), statuses=[AlertStatus.IGNORED])
    return {"alerts": _alerts(call, query, with_history=True)}


# --- reports -------------------------------------------------------------------------


class SecurityReport(Params):
    format: Literal["json", "xlsx"]
    status: str | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    def query(self, which: ProjectFilter) -> AlertQuery:
        statuses = None if self.status is None else [_status(self.status)]
        return AlertQuery(which, statuses=statuses, types=[AlertType.SECURITY_VULNERABILITY.value])


BY_VULNERABILITY_COLUMNS = (
    Column("Vulnerability", 20),
    Column("Type", 8),
    Column("Severity", 10),
    Column("Score", 8, "number"),
    Column("CVSS 3 Severity", 14),
    Column("CVSS 3 Score", 12, "number"),
    Column("Publish Date", 12),
    Column("Library", 40),
    Column("Library Type", 14),
    Column("Direct Dependency", 10),
    Column("Top Fix", 24),
    Column("Product", 24),
    Column("Project", 24),
    Column("Status", 10),
    Column("Comments", 30),
    Column("Creation Date", 12),
    Column("Modified Date", 12),
    Column("Alert UUID", 38),
    Column("URL", 40),
    Column("Description", 60),
    *SIGNAL_COLUMNS,
)


def _by_vulnerability_rows(
    alerts: Iterable[dict[str, Any]], views: Iterable[AlertView]
) -> Iterable[Sequence[object]]:
    for a, view in zip(alerts, views, strict=True):
        v, advisory = a["vulnerability"], view.advisory
        signals = (
            signal_cells(
                advisory.score_source,
                advisory.epss,
                advisory.epss_percentile,
                advisory.kev_date_added,
                advisory.known_ransomware,
                advisory.malicious,
            )
            if advisory is not None
            else signal_cells(None, None, None, None, None, None)
        )
        top = v["topFix"]
        yield (
            v["name"],
            v["type"],
            v["severity"],
            v["score"],
            v["cvss3_severity"],
            v["cvss3_score"],
            v["publishDate"],
            a["library"]["filename"],
            a["library"]["type"],
            a["directDependency"],
            top["fixResolution"] if top else "",
            a["product"],
            a["project"],
            a["status"],
            a["comments"],
            a["creation_date"],
            a["modifiedDate"],
            a["alertUuid"],
            v["url"],
            v["description"],
            *signals,
        )


def get_security_alerts_by_vulnerability(call: Call, params: SecurityReport) -> Result:
    """One row per (project, library, vulnerability), every status unless ``status``."""
    views = list_alerts(call.db, params.query(call.projects()), with_history=True)
    alerts = _alert_items(call, views)
    if params.format == "json":
        return {"alerts": alerts}
    rows = _by_vulnerability_rows(alerts, views)
    body = xlsx_bytes("Security Alerts", BY_VULNERABILITY_COLUMNS, rows)
    return BinaryResult(XLSX, body, "security_alerts_by_vulnerability.xlsx")


def _by_library(alerts: Sequence[AlertView], call: Call) -> list[dict[str, Any]]:
    groups: dict[tuple[int, int], list[AlertView]] = defaultdict(list)
    for alert in alerts:
        groups[(alert.project_id, alert.library.id)].append(alert)
    rows = []
    for members in groups.values():
        first = members[0]
        bands = Counter(
            severity_band(a.advisory, call.version) for a in members if a.advisory is not None
        )
        rows.append(
            {
                "libraryName": first.library.filename,
                "keyUuid": first.library.key_uuid,
                "libraryType": first.library.library_type,
                "product": first.product_name,
                "productToken": first.product_token,
                "project": first.project_name,
                "projectToken": first.project_token,
                "severity": dict(sorted(bands.items())),
                "totalAlerts": len(members),
                "ignoredAlerts": sum(a.status == AlertStatus.IGNORED for a in members),
                "resolvedAlerts": sum(a.status == AlertStatus.RESOLVED for a in members),
                "creationDate": format_timestamp(min(a.created_at for a in members)),
                "modifiedDate": format_timestamp(max(a.modified_at for a in members)),
            }
        )
    return rows


BANDS = ("critical", "high", "medium", "low", "none")
BY_LIBRARY_COLUMNS = (
    Column("Library", 40),
    Column("Library Type", 14),
    Column("Product", 24),
    Column("Project", 24),
    *(Column(band.capitalize(), 9, "number") for band in BANDS),
    Column("Total Alerts", 12, "number"),
    Column("Ignored Alerts", 12, "number"),
    Column("Resolved Alerts", 12, "number"),
    Column("Creation Date", 20),
    Column("Modified Date", 20),
)


def get_security_alerts_by_library(call: Call, params: SecurityReport) -> Result:
    """One row per (project, library) with its security alerts counted by severity."""
    alerts = list_alerts(call.db, params.query(call.projects()))
    rows = _by_library(alerts, call)
    if params.format == "json":
        return {"alerts": rows}
    table = (
        (
            r["libraryName"],
            r["libraryType"],
            r["product"],
            r["project"],
            *(r["severity"].get(band, 0) for band in BANDS),
            r["totalAlerts"],
            r["ignoredAlerts"],
            r["resolvedAlerts"],
            r["creationDate"],
            r["modifiedDate"],
        )
        for r in rows
    )
    body = xlsx_bytes("Library Security Alerts", BY_LIBRARY_COLUMNS, table)
    return BinaryResult(XLSX, body, "security_alerts_by_library.xlsx")


# --- changing statuses ------------------------------------------------------------------


class SetAlertsStatus(Params):
    alert_uuids: list[str] = Field(min_length=1, max_length=10_000)
    status: str
    comments: str | None = Field(default=None, max_length=4000)


def set_alerts_status(call: Call, params: SetAlertsStatus) -> Result:
    """Set alerts of the organization Active or Ignored (with an optional comment).
    The answer is Mend's message exactly: clients compare the whole string
    (client-compat.md), so it carries no count."""
    status = _status(params.status)
    if status is AlertStatus.RESOLVED:
        raise InvalidParameter("status", "only Active or Ignored can be set")
    set_alert_status(
        call.db,
        ProjectFilter(org_id=call.org.id),
        params.alert_uuids,
        status,
        params.comments,
        call.caller.email,
        call.now,
    )
    return {"message": SUCCESS_MESSAGE}


class IgnoreAlerts(Params):
    alert_uuids: list[str] = Field(min_length=1, max_length=10_000)
    comments: str = Field(min_length=1, max_length=4000)


def ignore_alerts(call: Call, params: IgnoreAlerts) -> Result:
    """The older form of ``setAlertsStatus`` to Ignored; a comment is required."""
    changed = set_alert_status(
        call.db,
        ProjectFilter(org_id=call.org.id),
        params.alert_uuids,
        AlertStatus.IGNORED,
        params.comments,
        call.caller.email,
        call.now,
    )
    return {"message": f"Successfully ignored the alerts ({changed} changed)"}


_SCOPES = (("Organization", Level.ORG), ("Product", Level.PRODUCT), ("Project", Level.PROJECT))

REQUEST_TYPES = in_category(
    Category.ALERTS,
    [
        *(RequestType(f"get{noun}Alerts", level, NoParams, get_alerts) for noun, level in _SCOPES),
        *(
            RequestType(f"get{noun}AlertsByType", level, AlertsByType, get_alerts_by_type)
            for noun, level in _SCOPES
        ),
        RequestType(
            "getAlertsByProjectTag", Level.ORG, AlertsByProjectTag, get_alerts_by_project_tag
        ),
        RequestType(
            "getOrganizationAlertsByProjectTag",
            Level.ORG,
            AlertsByProjectTag,
            get_alerts_by_project_tag,
        ),
        *(
            RequestType(f"get{noun}IgnoredAlerts", level, NoParams, get_ignored_alerts)
            for noun, level in _SCOPES
        ),
        *(
            RequestType(
                f"get{noun}SecurityAlertsByVulnerabilityReport",
                level,
                SecurityReport,
                get_security_alerts_by_vulnerability,
            )
            for noun, level in _SCOPES
        ),
        *(
            RequestType(
                f"get{noun}SecurityAlertsByLibraryReport",
                level,
                SecurityReport,
                get_security_alerts_by_library,
            )
            for noun, level in _SCOPES
        ),
        admin_request("ignoreAlerts", Level.ORG, IgnoreAlerts, ignore_alerts, writes=True),
        admin_request(
            "setAlertsStatus", Level.ORG, SetAlertsStatus, set_alerts_status, writes=True
        ),
    ],
)

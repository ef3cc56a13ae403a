"""Synchronous reports (catalog §6.4.1): the same engine as the asynchronous ones,
answered in the request.

A file format answers the raw file with its content type (no charset); ``json``
answers the documented JSON object. A report over ``DEPVAULT_SYNC_REPORT_MAX_ROWS``
rows is refused with an error naming the asynchronous request and report type that
make it, so nothing is cut silently.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from pydantic import Field, ValidationError, field_validator

from depvault.api.call import Call
from depvault.api.request_types import (
    BinaryResult,
    Category,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Level
from depvault.domain.timefmt import format_timestamp, parse_timestamp
from depvault.errors import InvalidParameter, ReportTooLarge
from depvault.reports import catalog
from depvault.reports.catalog import ReportSpec
from depvault.reports.engine import render_files
from depvault.reports.writers import MEDIA_TYPES
from depvault.store.changelog import changes_since

__all__ = ["REQUEST_TYPES"]

NOUNS = {Level.ORG: "Organization", Level.PRODUCT: "Product", Level.PROJECT: "Project"}
ASYNC_PREFIX = {Level.ORG: "Org", Level.PRODUCT: "Product", Level.PROJECT: "Project"}


class SyncReport(Params):
    format: str | None = Field(default=None, max_length=10)
    status: str | None = None


def _sync(
    spec: ReportSpec, async_name: str, formats: tuple[str, ...], *, prefixed: bool = True
) -> Callable[[Call, SyncReport], Result]:
    """A handler answering ``spec`` in one of ``formats`` (the first is the default);
    ``async_name`` is the asynchronous reportType suffix named when a report is too
    large (without the scope prefix unless ``prefixed`` is False)."""

    def handler(call: Call, params: SyncReport) -> Result:
        fmt = (params.format or formats[0]).strip().lower()
        if fmt not in formats:
            raise InvalidParameter("format", f"this report is offered as {', '.join(formats)}")
        try:
            options = spec.filter.model_validate({"status": params.status} if params.status else {})
        except ValidationError as exc:
            raise InvalidParameter("status", exc.errors()[0]["msg"]) from None
        level = call.scope.level
        scope = call.scope.require(level)
        limit = call.config.sync_report_max_rows
        report_type = ASYNC_PREFIX[level] + async_name if prefixed else async_name
        with tempfile.TemporaryDirectory() as work:
            rendered = render_files(
                call.db,
                spec,
                call.projects(),
                options,
                fmt,
                Path(work),
                (report_type, scope.name, scope.id),
                rows_per_file=limit + 1,
                limit=limit + 1,
                # the JSON answer is the documented object, without extra keys
                metadata=None
                if fmt == "json"
                else {"reportName": report_type, "scope": scope.name},
            )
            if rendered.rows > limit:
                raise ReportTooLarge(
                    f"The report has more than {limit} rows: request it with "
                    f"generate{NOUNS[level]}ReportAsync, reportType {report_type}"
                )
            [path] = rendered.files
            data = path.read_bytes()
        if fmt == "json":
            answer: dict[str, Any] = orjson.loads(data)
            return answer
        return BinaryResult(MEDIA_TYPES[fmt], data, path.name)

    handler.__doc__ = f"{spec.title}, synchronously ({', '.join(formats)})."
    return handler


ALL = ("xlsx", "json", "xml", "pdf")


def _three(
    name: str,
    spec: ReportSpec,
    suffix: str,
    formats: tuple[str, ...] = ALL,
    levels: tuple[Level, ...] = tuple(NOUNS),
) -> list[RequestType[Any]]:
    """``get{Organization,Product,Project}<name>`` (those of ``levels``)."""
    return [
        RequestType(f"get{NOUNS[level]}{name}", level, SyncReport, _sync(spec, suffix, formats))
        for level in levels
    ]


class ChangesReport(Params):
    start_date_time: str | None = None

    @field_validator("start_date_time")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            parse_timestamp(value)
        return value


def get_changes_report(call: Call, params: ChangesReport) -> Result:
    """The organization's configuration changes since ``startDateTime`` (all of them
    without it), oldest first, in the shape of the change-log JSON."""
    start = parse_timestamp(params.start_date_time) if params.start_date_time else None
    limit = call.config.sync_report_max_rows
    changes = []
    for entry in changes_since(call.db, call.org.id, start, limit + 1):
        changes.append(
            {
                "startDateTime": format_timestamp(entry.at),
                "changeCategory": entry.category,
                "changeClass": entry.change_class,
                "changeAspect": entry.aspect,
                "scope": entry.scope,
                "scopeName": entry.scope_name,
                "changeScopeId": entry.project_id or entry.product_id or entry.org_id,
                "beforeChange": entry.before,
                "afterChange": entry.after,
                "operator": entry.operator,
                "userEmail": entry.user_email or "",
                "orgId": entry.org_id,
                "orgName": entry.org_name,
                "productId": entry.product_id,
                "productName": entry.product_name,
                "projectId": entry.project_id,
                "projectName": entry.project_name,
            }
        )
    if len(changes) > limit:
        raise ReportTooLarge(
            "The change log has more rows than DEPVAULT_SYNC_REPORT_MAX_ROWS: request it with "
            "generateOrganizationReportAsync, reportType ChangeLogReport, or a later "
            "startDateTime"
        )
    return {"changes": changes}


REQUEST_TYPES = in_category(
    Category.REPORTS,
    [
        *_three("InventoryReport", catalog.INVENTORY, "InventoryReport"),
        *_three("VulnerabilityReport", catalog.VULNERABILITY, "VulnerabilityReport"),
        *_three("SourceFileInventoryReport", catalog.SOURCE_FILES, "SourceFileInventoryReport"),
        *_three("DueDiligenceReport", catalog.LICENSES, "LicensesReport", ("xlsx", "json")),
        *_three("InHouseReport", catalog.IN_HOUSE, "InHouseReport"),
        *_three("AlertsReport", catalog.ALERTS, "AlertsReport"),
        *_three("IgnoredAlertsReport", catalog.IGNORED, "IgnoreAlertsReport"),
        *_three("ResolvedAlertsReport", catalog.RESOLVED, "ResolvedAlertsReport"),
        *_three("RequestHistoryReport", catalog.HISTORY, "HistoryReport"),
        # catalog §6.4.1: names from the documentation's table of contents only (unverified)
        *_three("MembersReport", catalog.MEMBERS, "MembersReport"),
        *_three(
            "LibraryLocationReport",
            catalog.LIBRARY_LOCATION,
            "LibraryLocationReport",
            levels=(Level.ORG, Level.PRODUCT),
        ),
        # "Custom Attribute Values": organization and product only, as the catalog's
        # index and the asynchronous document list them
        *_three(
            "AttributesReport",
            catalog.ATTRIBUTES,
            "AttributesReport",
            levels=(Level.ORG, Level.PRODUCT),
        ),
        RequestType(
            "getPluginRequestHistoryReport",
            Level.ORG,
            SyncReport,
            _sync(catalog.PLUGIN_REQUESTS, "PluginRequestHistoryReport", ALL, prefixed=False),
        ),
        RequestType("getChangesReport", Level.ORG, ChangesReport, get_changes_report),
    ],
)

"""Synchronous reports (catalog §6.4.1): the same engine as the asynchronous ones,
answered in the request.

A file format answers the raw file with its content type (no charset); ``json``
answers the documented JSON object. A report over ``DEPVAULT_SYNC_REPORT_MAX_ROWS``
rows is refused with an error naming the asynchronous request and report type that
make it, so nothing is cut silently.
"""

from __future__ import annotations

import io
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
    NoParams,
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
from depvault.reports.engine import (
    ATTRIBUTION_FORMATS,
    ATTRIBUTION_MEDIA_TYPES,
    MEDIA_TYPES,
    AttributionFilter,
    SbomFilter,
    member_name,
    render_files,
    write_attribution,
    write_risk_report,
    write_spdx,
)
from depvault.store.organizations.changelog import changes_since

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

    empty = f"; always empty: {spec.always_empty}" if spec.always_empty else ""
    handler.__doc__ = f"{spec.title}, synchronously ({', '.join(formats)}){empty}."
    return handler


ALL = ("xlsx", "json", "xml", "pdf")
XLSX_JSON = ("xlsx", "json")


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


# getProjectSpdxReport's ``format`` (case-insensitive, "_" read as "-") → the writer's
# syntax; the catalog confirms JSON only, tag-value is depvault's reading of "TV".
SPDX_FORMATS = {"json": "json", "tv": "tv", "tag-value": "tv", "tagvalue": "tv"}
TAG_VALUE = "text/spdx; charset=utf-8"  # the SPDX tag-value media type


class SpdxReport(Params):
    format: str | None = Field(default=None, max_length=20)
    version: str | None = Field(default=None, max_length=10)


def get_project_spdx_report(call: Call, params: SpdxReport) -> Result:
    """The project's SPDX document, 2.2 (the SBOM report's default) or 2.3
    (``version``), every dependency level: the document itself as the JSON answer (the
    default), or a tag-value file (``TV``)."""
    syntax = SPDX_FORMATS.get((params.format or "json").strip().lower().replace("_", "-"))
    if syntax is None:
        raise InvalidParameter(
            "format", "getProjectSpdxReport is offered as JSON or TV (tag-value)"
        )
    project = call.project
    limit = call.config.sync_report_max_rows
    document = io.BytesIO()
    try:
        options = SbomFilter(standard="SPDX", version=params.version)
    except ValidationError as exc:
        raise InvalidParameter("version", exc.errors()[0]["msg"]) from None
    count = write_spdx(
        call.db, call.projects(), options, document, project.name, syntax=syntax, limit=limit
    )
    if count > limit:
        raise ReportTooLarge(
            f"The project has more than {limit} libraries: request its SPDX document with "
            "generateProjectReportAsync, reportType ProjectSBOMReport, standard SPDX"
        )
    if syntax == "json":
        answer: dict[str, Any] = orjson.loads(document.getvalue())
        return answer
    name = member_name("ProjectSpdxReport", project.name, project.id, "spdx")
    return BinaryResult(TAG_VALUE, document.getvalue(), name)


class AttributionReport(AttributionFilter, Params):
    """The report's options (``AttributionFilter``, checked at the edge: a wrong value is
    refused naming the accepted ones) and ``exportFormat``, any case, JSON by default
    (the SDK's default, and the format clients parse)."""

    export_format: str = Field(default="json", max_length=10)

    @field_validator("export_format", mode="before")
    @classmethod
    def _format(cls, value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in ATTRIBUTION_FORMATS:
            return value.strip().lower()
        raise ValueError("expected TXT, HTML or JSON")


# The asynchronous report type of each level's Attribution report (document 003).
ATTRIBUTION_ASYNC = {Level.PRODUCT: "ProductAttributionReport", Level.PROJECT: "AttributionReport"}
ATTRIBUTION_SUMMARY = (
    "The Attribution report (third-party notices): JSON (default), TXT or HTML "
    "(exportFormat). reportingAggregationMode BY_PROJECT (default) or BY_COMPONENT; "
    "reportingScope SUMMARY, LICENSES, COPYRIGHTS, NOTICES, PRIMARY_ATTRIBUTES or several "
    "separated by commas (default all): JSON keys summary, detail {<license>: [{library, "
    "licenses: [{license, licenseText}]}]} and licenses, libraries [{library, copyrights, "
    "notices}]; missingLicenseDisplayOption BLANK (default) or GENERIC_LICENSE; "
    "licenseReferenceTextPlacement LICENSE_SECTION (default) or APPENDIX_SECTION; "
    "includeVersions True (default) or False; reportTitle, reportHeader, reportFooter, "
    "customAttribute (its value on the scope)."
)


def get_attribution_report(call: Call, params: AttributionReport) -> Result:
    """The product's or project's Attribution report (shapes: ``reports/attribution/report.py``):
    JSON as the answer, TXT and HTML as files. A report over
    ``DEPVAULT_SYNC_REPORT_MAX_ROWS`` rows is refused, naming the asynchronous report
    (JSON) that makes it."""
    level = call.scope.level
    scope = call.scope.require(level)
    limit = call.config.sync_report_max_rows
    fmt = params.export_format
    document = io.BytesIO()
    rows = write_attribution(
        call.db, call.projects(), params, document, scope.name, fmt=fmt, limit=limit
    )
    if rows > limit:
        raise ReportTooLarge(
            f"The report has more than {limit} rows: request it with "
            f"generate{NOUNS[level]}ReportAsync, reportType {ATTRIBUTION_ASYNC[level]} "
            "(format json)"
        )
    if fmt == "json":
        answer: dict[str, Any] = orjson.loads(document.getvalue())
        return answer
    name = member_name(f"{NOUNS[level]}AttributionReport", scope.name, scope.id, fmt)
    return BinaryResult(ATTRIBUTION_MEDIA_TYPES[fmt], document.getvalue(), name)


def get_effective_usage_analysis(call: Call, params: NoParams) -> Result:
    """The organization's effective usage analysis in its documented shape, with no
    products: it needs Mend's code reachability analysis, which depvault does not have
    (``reports/always_empty.py``)."""
    return {
        "analysisReportDateTime": format_timestamp(call.now),
        "orgName": call.org.name,
        "products": [],
    }


RISK_SUMMARY = (
    "The Risk report as PDF (no options): headline figures; open security alerts by "
    "severity and the most vulnerable libraries with their top fix; libraries by license "
    "category and without a license; outdated-library alerts; products and projects "
    "ranked by open alerts (top 50)."
)


def get_risk_report(call: Call, params: NoParams) -> Result:
    """The organization's, product's or project's Risk report: the PDF itself. Its
    lists are cut to their top entries, so it needs no row limit."""
    level = call.scope.level
    scope = call.scope.require(level)
    document = io.BytesIO()
    write_risk_report(call.db, call.projects(), None, document, scope.name)
    name = member_name(f"{NOUNS[level]}RiskReport", scope.name, scope.id, "pdf")
    return BinaryResult(MEDIA_TYPES["pdf"], document.getvalue(), name)


REQUEST_TYPES = in_category(
    Category.REPORTS,
    [
        *_three("InventoryReport", catalog.INVENTORY, "InventoryReport"),
        *_three("VulnerabilityReport", catalog.VULNERABILITY, "VulnerabilityReport"),
        *_three("SourceFileInventoryReport", catalog.SOURCE_FILES, "SourceFileInventoryReport"),
        *_three("DueDiligenceReport", catalog.LICENSES, "LicensesReport", ("xlsx", "json")),
        *_three("InHouseReport", catalog.IN_HOUSE, "InHouseReport"),
        # catalog §6.4.1: xlsx (the default); JSON too, the engine makes it free
        *_three(
            "EffectiveLicensesReport",
            catalog.EFFECTIVE_LICENSES,
            "EffectiveLicensesReport",
            ("xlsx", "json"),
            levels=(Level.ORG, Level.PRODUCT),
        ),
        *_three(
            "LicenseCompatibilityReport",
            catalog.LICENSE_COMPATIBILITY,
            "LicenseCompatibilityReport",
            ("xlsx", "json"),
            levels=(Level.PRODUCT, Level.PROJECT),
        ),
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
        # Reports of data depvault does not hold: the headers, no rows (always_empty.py)
        *_three("BugsReport", catalog.BUGS, "BugsReport"),
        RequestType(
            "getOrganizationContainerVulnerabilityReportRequest",
            Level.ORG,
            SyncReport,
            _sync(catalog.CONTAINER_VULNERABILITY, "ContainerVulnerabilityReport", XLSX_JSON),
        ),
        RequestType(  # a cluster is named by its product's token
            "getClusterVulnerabilityReportRequest",
            Level.PRODUCT,
            SyncReport,
            _sync(catalog.CONTAINER_VULNERABILITY, "ContainerVulnerabilityReport", XLSX_JSON),
        ),
        RequestType(
            "getOrganizationEffectiveUsageAnalysis",
            Level.ORG,
            NoParams,
            get_effective_usage_analysis,
        ),
        RequestType("getProjectSpdxReport", Level.PROJECT, SpdxReport, get_project_spdx_report),
        *(
            RequestType(
                f"get{NOUNS[level]}AttributionReport",
                level,
                AttributionReport,
                get_attribution_report,
                summary=ATTRIBUTION_SUMMARY,
            )
            for level in (Level.PRODUCT, Level.PROJECT)
        ),
        *(
            RequestType(
                f"get{noun}RiskReport", level, NoParams, get_risk_report, summary=RISK_SUMMARY
            )
            for level, noun in NOUNS.items()
        ),
    ],
)

"""Asynchronous reports (catalog §6.4.2, source document 003): generating a report at
an organization, product or project, following its process, downloading its ZIP.

A format its report does not offer is refused when the process is requested (never
accepted and then FAILED); without ``format``, xlsx where the report offers it, else its
first format (document 003). Organization report types are also accepted spelled
``Organization…Report`` (ws-sdk's spelling, client-compat.md). ``getAsyncProcessStatus``
and ``downloadAsyncReport`` are organization requests that product roles may call for
the processes of their own products.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

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
from depvault.domain.timefmt import format_timestamp
from depvault.errors import InvalidParameter, MissingParameter, NotFound
from depvault.jobs.reports import ProcessStatus, enqueue_report, find_process
from depvault.reports.catalog import REPORT_TYPES, report_type
from depvault.store.models import AsyncProcess

__all__ = ["REQUEST_TYPES"]

ZIP = "application/zip"


class GenerateReport(Params):
    report_type: str = Field(min_length=1, max_length=100)
    format: str | None = Field(default=None, min_length=1, max_length=10)
    filter: dict[str, Any] | None = None
    # SBOM reports take their options beside ``filter`` (document 003)
    standard: str | None = None
    version: str | None = None
    max_depth_level: int | None = None
    include_vulnerabilities: bool | None = None

    def options(self) -> dict[str, Any]:
        """``filter`` with the SBOM options given beside it."""
        given = dict(self.filter or {})
        for key, value in (
            ("standard", self.standard),
            ("version", self.version),
            ("maxDepthLevel", self.max_depth_level),
            ("includeVulnerabilities", self.include_vulnerabilities),
        ):
            if value is not None:
                given[key] = value
        return given


def generate_report(call: Call, params: GenerateReport) -> Result:
    """Queue a report process; answers its ``asyncProcessStatus`` (PENDING)."""
    level = call.scope.level
    kind = report_type(level, params.report_type)
    if kind is None:
        offered = sorted(name for (lvl, name) in REPORT_TYPES if lvl is level)
        raise InvalidParameter("reportType", f"expected one of {', '.join(offered)}")
    try:
        options = kind.spec.filter.model_validate(params.options())
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise InvalidParameter(f"filter.{where}", problem["msg"]) from None
    fmt = (params.format or kind.spec.default_format(options)).strip().lower()
    formats = kind.spec.offered(options)  # an SBOM's depend on its standard
    if fmt not in formats.formats:
        raise InvalidParameter("format", formats.refusal(kind.name))
    row = enqueue_report(
        call.db,
        org_id=call.org.id,
        product_id=call.product.id if level is not Level.ORG else None,
        level=level,
        context=call.scope.require(level),
        kind=kind,
        fmt=fmt,
        options=params.options(),
        user_email=call.caller.email,
        body_sha1=call.body_sha1,
        now=call.now,
    )
    call.after_commit.append(call.jobs.notify)
    return {"asyncProcessStatus": _status_json(row)}


def _status_json(row: AsyncProcess) -> dict[str, Any]:
    status: dict[str, Any] = {
        "uuid": row.uuid,
        "requestToken": row.request_token,
        "contextId": row.context_id,
        "contextType": row.context_type,
        "processType": row.process_type,
        "userEmail": row.user_email,
        "messageContentSha1": row.message_sha1,
        "status": row.status,
        "created": format_timestamp(row.created_at),
        "modified": format_timestamp(row.modified_at),
    }
    if row.status == ProcessStatus.FAILED.value:
        status["failureReason"] = row.failure_reason or ""
    return status


def _visible_process(call: Call, process_uuid: str) -> AsyncProcess:
    row = find_process(call.db, call.org.id, process_uuid, call.visible_product_ids)
    if row is None:
        raise NotFound(f"No asynchronous process {process_uuid} in this organization")
    return row


class ProcessStatusParams(Params):
    uuid: str = Field(min_length=1, max_length=64)


def get_async_process_status(call: Call, params: ProcessStatusParams) -> Result:
    """A process's status (with ``failureReason`` when FAILED)."""
    return {"asyncProcessStatus": _status_json(_visible_process(call, params.uuid))}


class DownloadParams(Params):
    report_status_uuid: str | None = Field(
        default=None, alias="reportStatusUUID", min_length=1, max_length=64
    )
    uuid: str | None = Field(default=None, min_length=1, max_length=64)  # some tools send it


def download_async_report(call: Call, params: DownloadParams) -> Result:
    """The ZIP of a finished process."""
    wanted = params.report_status_uuid or params.uuid
    if wanted is None:
        raise MissingParameter("reportStatusUUID")
    row = _visible_process(call, wanted)
    if row.status == ProcessStatus.FAILED.value:
        raise InvalidParameter(
            "reportStatusUUID", f"the process failed: {row.failure_reason or 'no reason given'}"
        )
    if row.status != ProcessStatus.SUCCESS.value:
        raise InvalidParameter(
            "reportStatusUUID", f"the report is not ready yet (status {row.status})"
        )
    files = call.files
    if files is None:
        raise RuntimeError("downloads need the report files of the dispatcher")
    if not row.artifact or not files.exists(row.artifact):
        expired = format_timestamp(row.expires_at) if row.expires_at else "its retention time"
        raise NotFound(f"The report of process {row.uuid} expired at {expired}")
    name = f"{row.request['reportType']}-{row.uuid[:8]}.zip"
    path = files.local_path(row.artifact)
    if path is not None:
        return BinaryResult(ZIP, b"", name, path=path)
    return BinaryResult(ZIP, b"", name, chunks=files.chunks(row.artifact))


_GENERATE = (
    ("generateOrganizationReportAsync", Level.ORG),
    ("generateProductReportAsync", Level.PRODUCT),
    ("generateProjectReportAsync", Level.PROJECT),
)

REQUEST_TYPES = in_category(
    Category.REPORTS,
    [
        *(
            RequestType(name, level, GenerateReport, generate_report, writes=True)
            for name, level in _GENERATE
        ),
        RequestType(
            "getAsyncProcessStatus",
            Level.ORG,
            ProcessStatusParams,
            get_async_process_status,
            product_roles_may_call_org=True,
        ),
        RequestType(
            "downloadAsyncReport",
            Level.ORG,
            DownloadParams,
            download_async_report,
            product_roles_may_call_org=True,
        ),
    ],
)

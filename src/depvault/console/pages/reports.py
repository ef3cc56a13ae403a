"""Asynchronous reports: request one for the organization, a product or a project,
watch its status (htmx polls the status fragment while it runs; without script, the
page refreshes itself), download it; the recent ones.

Requesting and downloading go through the API's own requests
(``generate…ReportAsync``, ``downloadAsyncReport``) for the signed-in person, so the
console offers exactly what the API allows them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from depvault.api.request_types import ApiVersion, BinaryResult
from depvault.console.access import Opened, open_scope
from depvault.console.web import PageMissing, PageRefused, Visit
from depvault.domain.access import Level
from depvault.domain.scope import Caller
from depvault.errors import DepvaultError
from depvault.jobs.reports import ProcessStatus, find_process
from depvault.reports.catalog import REPORT_TYPES
from depvault.store.portfolio.activity import process_row, processes_page
from depvault.store.portfolio.paging import PageRequest

__all__ = ["download", "process", "process_status", "reports", "request_report"]

LEVELS = {"organization": Level.ORG, "product": Level.PRODUCT, "project": Level.PROJECT}
NOUNS = {Level.ORG: "Organization", Level.PRODUCT: "Product", Level.PROJECT: "Project"}
TOKEN_FIELDS = {Level.ORG: "orgToken", Level.PRODUCT: "productToken", Level.PROJECT: "projectToken"}
FORMATS = ("", "xlsx", "json", "csv", "pdf", "html", "xml", "txt", "tv")
STANDARDS = ("", "CycloneDX", "SPDX")
FINISHED = {ProcessStatus.SUCCESS.value, ProcessStatus.FAILED.value}


def _target(
    db: Session, caller: Caller, org: Opened, level_name: str, token: str
) -> tuple[Level, Opened] | None:
    """The scope the form requests a report for (None: none the person may use)."""
    level = LEVELS.get(level_name)
    if level is None:
        return None
    if level is Level.ORG:
        return (level, org) if org.visible_product_ids is None else None
    opened = open_scope(db, caller, level, token)
    if opened.org.id != org.org.id:
        raise PageRefused()
    return level, opened


def _page(
    visit: Visit, *, error: str = "", status: int = 200, form: dict[str, str] | None = None
) -> Response:
    form = form or {
        "level": visit.query("scope") or "organization",
        "token": visit.query("token"),
    }
    with visit.reading() as db:
        org = open_scope(
            db, visit.caller, Level.ORG, visit.request.path_params["org"], product_roles=True
        )
        target = _target(db, visit.caller, org, form["level"], form["token"])
        processes = processes_page(
            db, org.org.id, org.visible_product_ids, PageRequest(visit.offset())
        )
    context: dict[str, Any] = {"org": org.org, "processes": processes, "error": error}
    if target is not None:
        level, scope = target
        context.update(
            level=level,
            level_name=form["level"],
            target=scope.scope.require(level),
            report_types=sorted(name for (lvl, name) in REPORT_TYPES if lvl is level),
            formats=FORMATS,
            standards=STANDARDS,
            chosen=form,
        )
    return visit.render("reports.html", status=status, **context)


def reports(visit: Visit) -> Response:
    """The recent processes and the request form."""
    return _page(visit)


def request_report(visit: Visit) -> Response:
    """Queue the report (``generate…ReportAsync``) and follow it."""
    form = {
        name: visit.field(name)[:100]
        for name in ("level", "token", "report_type", "format", "standard")
    }
    with visit.reading() as db:
        org = open_scope(
            db, visit.caller, Level.ORG, visit.request.path_params["org"], product_roles=True
        )
        target = _target(db, visit.caller, org, form["level"], form["token"])
    if target is None:
        raise PageRefused()
    level, scope = target
    body: dict[str, Any] = {
        "requestType": f"generate{NOUNS[level]}ReportAsync",
        TOKEN_FIELDS[level]: scope.scope.require(level).token,
        "reportType": form["report_type"],
    }
    if form["format"]:
        body["format"] = form["format"]
    if form["standard"]:
        body["standard"] = form["standard"]
    try:
        result = visit.console.dispatcher.dispatch_as(visit.caller, ApiVersion.V1_4, body)
    except DepvaultError as exc:
        return _page(visit, error=exc.message, status=400, form=form)
    assert isinstance(result, dict)
    uuid = result["asyncProcessStatus"]["uuid"]
    return RedirectResponse(f"/ui/orgs/{org.org.token}/reports/{quote(uuid)}", status_code=303)


def _process(visit: Visit) -> tuple[Opened, Any]:
    with visit.reading() as db:
        org = open_scope(
            db, visit.caller, Level.ORG, visit.request.path_params["org"], product_roles=True
        )
        row = find_process(
            db, org.org.id, visit.request.path_params["uuid"][:64], org.visible_product_ids
        )
        if row is None:
            raise PageMissing("that report in this organization")
        return org, process_row(row)


def process(visit: Visit) -> Response:
    """One report process, its status kept live."""
    org, row = _process(visit)
    return visit.render("process.html", org=org.org, process=row, finished=FINISHED)


def process_status(visit: Visit) -> Response:
    """The status fragment htmx polls (it stops polling once the process finished)."""
    org, row = _process(visit)
    return visit.render("process_status.html", org=org.org, process=row, finished=FINISHED)


def download(visit: Visit) -> Response:
    """The report's ZIP, through ``downloadAsyncReport``."""
    org, row = _process(visit)
    body = {
        "requestType": "downloadAsyncReport",
        "orgToken": org.org.token,
        "reportStatusUUID": row.uuid,
    }
    try:
        result = visit.console.dispatcher.dispatch_as(visit.caller, ApiVersion.V1_4, body)
    except DepvaultError as exc:
        return visit.render(
            "process.html",
            status=400,
            org=org.org,
            process=row,
            finished=FINISHED,
            error=exc.message,
        )
    assert isinstance(result, BinaryResult)
    headers = {"content-disposition": f'attachment; filename="{result.filename}"'}
    if result.path is not None:  # a report file in a folder
        return FileResponse(result.path, media_type=result.content_type, headers=headers)
    if result.chunks is not None:  # a report kept in the database, a piece at a time
        return StreamingResponse(result.chunks, media_type=result.content_type, headers=headers)
    return Response(result.body, media_type=result.content_type, headers=headers)

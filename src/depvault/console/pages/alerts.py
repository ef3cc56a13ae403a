"""A project's alerts: the filtered list, one alert with its history, and changing its
status with a comment through ``setAlertsStatus`` itself (same rules, same history)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import RedirectResponse, Response

from depvault.api.authorize import judge
from depvault.api.request_types import ApiVersion
from depvault.console.access import Opened
from depvault.console.pages.project import open_project
from depvault.console.web import PageMissing, Visit
from depvault.domain.access import Access, Level
from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.domain.scope import Scope
from depvault.errors import DepvaultError, NotAllowed
from depvault.store.portfolio.alerts import AlertFilter, alert_history, alerts_page, one_alert
from depvault.store.portfolio.overview import BANDS
from depvault.store.portfolio.paging import PageRequest

__all__ = ["alert", "alerts", "change_status"]

# What people may choose (Resolved is depvault's to set: its cause went away).
CHOICES = {"ignore": AlertStatus.IGNORED, "reactivate": AlertStatus.ACTIVE}


def _context(opened: Opened) -> dict[str, Any]:
    return {
        "org": opened.org,
        "product": opened.scope.require(Level.PRODUCT),
        "project": opened.scope.require(Level.PROJECT),
    }


def _picked(visit: Visit, name: str, allowed: tuple[str, ...]) -> list[str]:
    return [v for v in visit.request.query_params.getlist(name) if v in allowed]


def alerts(visit: Visit) -> Response:
    """One page of the project's alerts, by type, severity and status."""
    types = tuple(t.value for t in AlertType)
    statuses = tuple(s.value for s in AlertStatus)
    wanted = AlertFilter(
        types=_picked(visit, "type", types),
        bands=_picked(visit, "severity", BANDS),
        statuses=_picked(visit, "status", statuses),
    )
    with visit.reading() as db:
        opened = open_project(visit, db)
        rows = alerts_page(
            db, opened.scope.require(Level.PROJECT).id, wanted, PageRequest(visit.offset())
        )
    return visit.render(
        "alerts.html",
        rows=rows,
        wanted=wanted,
        types=types,
        statuses=statuses,
        bands=BANDS,
        query=urlencode(
            [(k, v) for k, v in visit.request.query_params.multi_items() if k != "offset"]
        ),
        **_context(opened),
    )


def _show(visit: Visit, *, error: str = "", status: int = 200) -> Response:
    uuid = visit.request.path_params["alert"]
    with visit.reading() as db:
        opened = open_project(visit, db)
        found = one_alert(db, opened.scope.require(Level.PROJECT).id, uuid[:64])
        if found is None:
            raise PageMissing("that alert in this project")
        history = alert_history(db, found.uuid)
        org_scope = Scope(Level.ORG, global_org=opened.scope.global_org, org=opened.scope.org)
        may_triage = judge(db, visit.caller, org_scope, Access.ADMIN).allowed
    return visit.render(
        "alert.html",
        status=status,
        alert=found,
        history=history,
        may_triage=may_triage,
        error=error,
        done=visit.query("done"),
        **_context(opened),
    )


def alert(visit: Visit) -> Response:
    """One alert with its status history and, for those who may, the triage form."""
    return _show(visit)


def change_status(visit: Visit) -> Response:
    """Ignore or reactivate the alert with a comment, as ``setAlertsStatus`` does."""
    choice = CHOICES.get(visit.field("action"))
    comment = visit.field("comment")[:4000]
    if choice is None:
        return _show(visit, error="Choose Ignore or Reactivate.", status=400)
    if not comment:
        return _show(visit, error="Say why in a comment: it is kept in the history.", status=400)
    uuid = visit.request.path_params["alert"][:64]
    with visit.reading() as db:
        opened = open_project(visit, db)
        if one_alert(db, opened.scope.require(Level.PROJECT).id, uuid) is None:
            raise PageMissing("that alert in this project")
    body = {
        "requestType": "setAlertsStatus",
        "orgToken": opened.org.token,
        "alertUuids": [uuid],
        "status": choice.value,
        "comments": comment,
    }
    try:
        visit.console.dispatcher.dispatch_as(visit.caller, ApiVersion.V1_4, body)
    except DepvaultError as exc:
        return _show(visit, error=exc.message, status=403 if isinstance(exc, NotAllowed) else 400)
    project = opened.scope.require(Level.PROJECT)
    return RedirectResponse(
        f"/ui/projects/{project.token}/alerts/{quote(uuid)}?done={choice.value}", status_code=303
    )

"""A library and a vulnerability, seen from an organization (a product role: from its
own products)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from depvault.console.access import open_scope
from depvault.console.web import PageMissing, Visit
from depvault.domain.access import Level
from depvault.store.portfolio.libraries import (
    library_advisories,
    library_facts,
    newest_release,
    projects_using,
    versions_in_use,
)
from depvault.store.portfolio.paging import PageRequest
from depvault.store.portfolio.vulnerabilities import affected_projects, vulnerability

__all__ = ["library", "vulnerability_page"]


def library(visit: Visit) -> Response:
    """Versions in use across the organization, vulnerabilities, licenses, the newest
    release, and the projects holding this version."""
    with visit.reading() as db:
        opened = open_scope(
            db, visit.caller, Level.ORG, visit.request.path_params["org"], product_roles=True
        )
        which = opened.projects()
        facts = library_facts(db, which, visit.request.path_params["library"][:64])
        if facts is None:
            raise PageMissing("that library in this organization's projects")
        context: dict[str, Any] = {
            "org": opened.org,
            "library": facts,
            "versions": versions_in_use(db, which, facts),
            "advisories": library_advisories(db, facts.id),
            "newest": newest_release(db, facts),
            "projects": projects_using(db, which, facts.id, PageRequest(visit.offset())),
        }
    return visit.render("library.html", **context)


def vulnerability_page(visit: Visit) -> Response:
    """The vulnerability's description, score and its source, fixes, and the
    organization's projects it affects."""
    with visit.reading() as db:
        opened = open_scope(
            db, visit.caller, Level.ORG, visit.request.path_params["org"], product_roles=True
        )
        found = vulnerability(db, visit.request.path_params["name"][:255])
        if found is None:
            raise PageMissing("a vulnerability of that name in the knowledge base")
        affected = affected_projects(
            db, opened.projects(), found.group_ids, PageRequest(visit.offset())
        )
    return visit.render(
        "vulnerability.html", org=opened.org, vulnerability=found, affected=affected
    )

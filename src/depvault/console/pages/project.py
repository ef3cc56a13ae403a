"""A project: overview (last scan, licenses, SBOM downloads), its inventory, and its
dependency tree opened one level at a time (htmx, or plain links without script)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from depvault.console.access import Opened, open_scope
from depvault.console.web import PageMissing, Visit
from depvault.domain.access import Level
from depvault.store.inventories.library_reads import license_histogram
from depvault.store.portfolio.inventory import (
    InventoryFilter,
    inventory_page,
    project_license_ids,
    tree_children,
)
from depvault.store.portfolio.paging import PageRequest
from depvault.store.portfolio.projects import last_scan

__all__ = ["inventory", "overview", "tree"]

_CHOICE = {"": None, "yes": True, "no": False}


def open_project(visit: Visit, db: object) -> Opened:
    """The project the path names, if the person may read it."""
    return open_scope(db, visit.caller, Level.PROJECT, visit.request.path_params["project"])  # type: ignore[arg-type]


def _context(opened: Opened) -> dict[str, Any]:
    return {
        "org": opened.org,
        "product": opened.scope.require(Level.PRODUCT),
        "project": opened.scope.require(Level.PROJECT),
    }


def overview(visit: Visit) -> Response:
    """The project's last scan, its licenses and its SBOM downloads."""
    with visit.reading() as db:
        opened = open_project(visit, db)
        project = opened.scope.require(Level.PROJECT)
        scan = last_scan(db, project.id)
        licenses = license_histogram(db, opened.projects())
    return visit.render("project.html", scan=scan, licenses=licenses, **_context(opened))


def inventory(visit: Visit) -> Response:
    """One page of the project's libraries: search, direct/transitive, license,
    with/without vulnerabilities."""
    wanted = InventoryFilter(
        search=visit.query("q")[:200],
        direct=_CHOICE.get(visit.query("direct")),
        license_id=visit.query("license")[:255],
        vulnerable=_CHOICE.get(visit.query("vulnerable")),
    )
    with visit.reading() as db:
        opened = open_project(visit, db)
        project = opened.scope.require(Level.PROJECT)
        rows = inventory_page(db, project.id, wanted, PageRequest(visit.offset()))
        license_ids = project_license_ids(db, project.id)
    return visit.render(
        "inventory.html",
        rows=rows,
        wanted=wanted,
        query={k: visit.query(k) for k in ("q", "direct", "license", "vulnerable")},
        license_ids=license_ids,
        **_context(opened),
    )


def tree(visit: Visit) -> Response:
    """The tree's first level, or (``?parent=ID``) one library's children: the whole
    page, or with htmx only the nested list."""
    raw = visit.query("parent")
    if raw and not (raw.isdigit() and len(raw) < 19):
        raise PageMissing("that library in this project's tree")
    parent = int(raw) if raw else None
    with visit.reading() as db:
        opened = open_project(visit, db)
        project = opened.scope.require(Level.PROJECT)
        nodes = tree_children(db, project.id, parent, PageRequest(visit.offset(), 200))
    template = "tree_level.html" if visit.request.headers.get("hx-request") else "tree.html"
    return visit.render(template, nodes=nodes, parent=parent, **_context(opened))

"""The console's routes, assembled in plain sight, mounted by ``api.app`` at ``/ui``."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from depvault.api.dispatch import Dispatcher
from depvault.api.edge import Edge
from depvault.config import Config
from depvault.console.figures import FiguresCache
from depvault.console.pages import alerts, catalog, organization, portfolio, project, reports
from depvault.console.signin import signin_endpoint, signout
from depvault.console.web import Console, PageMissing, View, Visit, page
from depvault.store.engine.db import Database

__all__ = ["console_mount"]

STATIC = Path(__file__).parent / "static"

GET = ["GET"]
POST = ["POST"]

# (path, view, methods): every page below is signed-in only
PAGES: tuple[tuple[str, View, list[str]], ...] = (
    ("/", portfolio.home, GET),
    ("/signout", signout, POST),
    ("/orgs/{org}", portfolio.organization, GET),
    ("/orgs/{org}/libraries/{library}", catalog.library, GET),
    ("/orgs/{org}/vulnerabilities/{name}", catalog.vulnerability_page, GET),
    ("/orgs/{org}/reports", reports.reports, GET),
    ("/orgs/{org}/reports", reports.request_report, POST),
    ("/orgs/{org}/reports/{uuid}", reports.process, GET),
    ("/orgs/{org}/reports/{uuid}/status", reports.process_status, GET),
    ("/orgs/{org}/reports/{uuid}/download", reports.download, GET),
    ("/orgs/{org}/policies", organization.policies, GET),
    ("/orgs/{org}/people", organization.people, GET),
    ("/orgs/{org}/requests", organization.requests, GET),
    ("/products/{product}", portfolio.product, GET),
    ("/projects/{project}", project.overview, GET),
    ("/projects/{project}/libraries", project.inventory, GET),
    ("/projects/{project}/tree", project.tree, GET),
    ("/projects/{project}/alerts", alerts.alerts, GET),
    ("/projects/{project}/alerts/{alert}", alerts.alert, GET),
    ("/projects/{project}/alerts/{alert}", alerts.change_status, POST),
)


def console_mount(database: Database, dispatcher: Dispatcher, edge: Edge, config: Config) -> Mount:
    """The console under ``/ui``: its pages, the sign-in form and its static files."""
    figures = FiguresCache(database, config.console_figures_seconds)
    console = Console(database, dispatcher, edge, config, figures)
    routes = [
        Route("/signin", signin_endpoint(console), methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    # one endpoint per path, dispatching on the method: Starlette tries routes in order
    # and a GET route would answer a POST to its path with 405
    by_path: dict[str, dict[str, View]] = {}
    for path, view, methods in PAGES:
        for method in methods:
            by_path.setdefault(path, {})[method] = view
    for path, views in by_path.items():
        routes.append(Route(path, page(console, _by_method(views)), methods=list(views)))
    # any other address under /ui: the console's own "not found" page, not the API's
    # JSON envelope
    routes.append(Route("/{rest:path}", page(console, _nowhere), methods=["GET"]))
    return Mount("/ui", routes=routes)


def _nowhere(visit: Visit) -> Response:
    raise PageMissing("page at this address")


def _by_method(views: dict[str, View]) -> View:
    if len(views) == 1:
        return next(iter(views.values()))

    def view(visit: Visit) -> Response:
        # HEAD is answered as GET (Starlette drops the body)
        return views.get(visit.request.method, views["GET"])(visit)

    return view

"""Home (the person's organizations), the organization dashboard, a product."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from depvault.console.access import open_scope
from depvault.console.web import Visit
from depvault.domain.access import Level
from depvault.store.knowledge.sources import read_sources
from depvault.store.portfolio.home import organizations_of
from depvault.store.portfolio.overview import BANDS, products_page, recently_updated
from depvault.store.portfolio.paging import PageRequest
from depvault.store.portfolio.projects import product_projects

__all__ = ["home", "organization", "product"]


def home(visit: Visit) -> Response:
    """``/ui/``: straight to the one organization, or a list to choose from."""
    with visit.reading() as db:
        orgs = organizations_of(db, visit.caller.id, every=visit.caller.is_site_admin)
    if len(orgs) == 1:
        return RedirectResponse(f"/ui/orgs/{orgs[0].token}", status_code=303)
    return visit.render("home.html", orgs=orgs)


def organization(visit: Visit) -> Response:
    """The organization dashboard (a product role: its own products' share of it)."""
    token = visit.request.path_params["org"]
    with visit.reading() as db:
        opened = open_scope(db, visit.caller, Level.ORG, token, product_roles=True)
        which = opened.projects()
        context: dict[str, Any] = {
            "org": opened.org,
            "partial": opened.visible_product_ids is not None,
            "bands": BANDS,
            "recent": recently_updated(db, which),
            "products": products_page(
                db, opened.org.id, opened.visible_product_ids, PageRequest(visit.offset())
            ),
            "sources": read_sources(db),
        }
    # outside the page's transaction: the first count of a large organization is long
    context["figures"] = visit.console.figures.get(opened.org.id, which)
    context["figures_seconds"] = visit.console.config.console_figures_seconds
    return visit.render("organization.html", **context)


def product(visit: Visit) -> Response:
    """A product: its projects with their vitals and severity counts."""
    token = visit.request.path_params["product"]
    with visit.reading() as db:
        opened = open_scope(db, visit.caller, Level.PRODUCT, token)
        product_ref = opened.scope.require(Level.PRODUCT)
        projects = product_projects(db, product_ref.id, PageRequest(visit.offset()))
    return visit.render(
        "product.html", org=opened.org, product=product_ref, projects=projects, bands=BANDS
    )

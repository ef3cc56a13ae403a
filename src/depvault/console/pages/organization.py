"""The organization's policies (in deciding order), people and groups, and the states
of its recent inventory updates — all read-only."""

from __future__ import annotations

from starlette.responses import Response

from depvault.console.access import open_scope
from depvault.console.web import Visit
from depvault.domain.access import Level
from depvault.store.organizations.people import RoleScope, assignments, org_groups
from depvault.store.policies.rules import list_policies
from depvault.store.portfolio.activity import updates_page
from depvault.store.portfolio.paging import PageRequest
from depvault.store.portfolio.people import members_page

__all__ = ["people", "policies", "requests"]


def policies(visit: Visit) -> Response:
    """The organization's policies, the first to match decides."""
    with visit.reading() as db:
        opened = open_scope(db, visit.caller, Level.ORG, visit.request.path_params["org"])
        found = list_policies(db, opened.scope)
    return visit.render("policies.html", org=opened.org, policies=found)


def people(visit: Visit) -> Response:
    """The organization's users, groups and roles."""
    with visit.reading() as db:
        opened = open_scope(db, visit.caller, Level.ORG, visit.request.path_params["org"])
        users = members_page(db, opened.org.id, PageRequest(visit.offset()))
        groups = org_groups(db, opened.org.id)
        roles = assignments(db, RoleScope(org_id=opened.org.id))
    return visit.render("people.html", org=opened.org, users=users, groups=groups, roles=roles)


def requests(visit: Visit) -> Response:
    """Recent inventory updates and each project's state in them."""
    with visit.reading() as db:
        opened = open_scope(
            db, visit.caller, Level.ORG, visit.request.path_params["org"], product_roles=True
        )
        rows = updates_page(
            db, opened.org.id, opened.visible_product_ids, PageRequest(visit.offset())
        )
    return visit.render("requests.html", org=opened.org, rows=rows)

"""Which scopes a page may show: the API's rules (``api.authorize``) on the page's
token, for the signed-in person.

A page names its scope by token, as API calls do. A token that names nothing, one the
person cannot see, and one they see but may not read all get the same 403 page: the
console tells nobody which tokens exist. A product role reaches the organization pages
the API lets it call (the dashboard, libraries, vulnerabilities, reports, request
states) and sees there its own products only; the pages of organization-only requests
(people, policies) refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from depvault.api.authorize import judge, sees
from depvault.console.web import PageRefused
from depvault.domain.access import Access, Level
from depvault.domain.scope import Caller, Ref, Scope
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.organizations.scopes import resolve_token

__all__ = ["Opened", "open_scope"]


@dataclass(frozen=True)
class Opened:
    """A scope the person may read, and the products they see of it (None: all)."""

    scope: Scope
    visible_product_ids: frozenset[int] | None

    @property
    def org(self) -> Ref:
        return self.scope.require(Level.ORG)

    def projects(self) -> ProjectFilter:
        """The projects the page covers."""
        if self.scope.level is Level.PROJECT:
            return ProjectFilter(project_id=self.scope.require(Level.PROJECT).id)
        if self.scope.level is Level.PRODUCT:
            return ProjectFilter(product_id=self.scope.require(Level.PRODUCT).id)
        return ProjectFilter(org_id=self.org.id, only_products=self.visible_product_ids)


def open_scope(
    db: Session,
    caller: Caller,
    level: Level,
    token: str,
    *,
    product_roles: bool = False,
    needed: Access = Access.READ,
) -> Opened:
    """The scope ``token`` names, if the caller may read it (``product_roles``: an
    organization page product roles may open, restricted to their products); raises
    :class:`PageRefused` otherwise."""
    scope = resolve_token(db, level, token) if 0 < len(token) <= 64 else None
    if scope is None or not sees(db, caller, scope):
        raise PageRefused()
    decision = judge(db, caller, scope, needed, product_roles_may_call_org=product_roles)
    if not decision.allowed:
        raise PageRefused()
    return Opened(scope, decision.visible_product_ids)

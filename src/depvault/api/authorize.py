"""Applying the access rules to a caller and a scope (shared by the edge and the few
handlers that act on a second scope, such as ``assignGlobalOrgToOrg``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from depvault.domain.access import Access, Decision, Level, decide
from depvault.domain.scope import Caller, Scope
from depvault.errors import NotAllowed
from depvault.store.organizations.identity import grants_for

__all__ = ["judge", "noun", "require_access"]


def noun(level: Level) -> str:
    """How messages name a scope level."""
    return {
        Level.NONE: "server",
        Level.GLOBAL_ORG: "global organization",
        Level.ORG: "organization",
        Level.PRODUCT: "product",
        Level.PROJECT: "project",
    }[level]


def judge(
    db: Session,
    caller: Caller,
    scope: Scope,
    needed: Access,
    *,
    product_roles_may_call_org: bool = False,
) -> Decision:
    """The access decision for a caller on a scope (site administrators included only
    for server-level scopes)."""
    if scope.level is Level.NONE:
        return Decision(allowed=caller.is_site_admin)
    return decide(
        grants_for(db, caller.id, scope),
        scope.target,
        needed,
        product_roles_may_call_org=product_roles_may_call_org,
    )


def require_access(db: Session, caller: Caller, scope: Scope, needed: Access, action: str) -> None:
    """Raise :class:`NotAllowed` unless the caller may do ``action`` on ``scope``."""
    if not judge(db, caller, scope, needed).allowed:
        raise NotAllowed(f"User is not allowed to perform {action} on this {noun(scope.level)}")

"""Applying the access rules to a caller and a scope (shared by the edge and the few
handlers that act on a second scope, such as ``assignGlobalOrgToOrg``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from depvault.domain.access import Access, Decision, Level, decide
from depvault.domain.scope import Caller, Scope
from depvault.errors import NotAllowed, UnknownToken
from depvault.store.organizations.identity import grants_for, is_member

__all__ = ["judge", "noun", "require_access", "require_visible", "sees"]


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


def sees(db: Session, caller: Caller, scope: Scope) -> bool:
    """Whether the caller may learn that ``scope`` exists: the site administrator sees
    everything; others see what a role of theirs lets them read (an organization
    through a product role in it too), and the organizations they are members of."""
    if caller.is_site_admin or scope.level is Level.NONE:
        return True
    if judge(db, caller, scope, Access.READ, product_roles_may_call_org=True).allowed:
        return True
    org = scope.org
    return scope.level is Level.ORG and org is not None and is_member(db, caller.id, org.id)


def require_visible(db: Session, caller: Caller, scope: Scope, parameter: str) -> None:
    """Raise :class:`UnknownToken` naming ``parameter`` unless the caller sees the scope
    its token names: a token the caller cannot see answers exactly like one that does
    not exist (issue 14: otherwise a valid key tells foreign tokens from made-up ones)."""
    if not sees(db, caller, scope):
        raise UnknownToken(parameter)

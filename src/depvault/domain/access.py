"""Who may call what: roles, the access they grant, and the scope rules of the overview.

The rules (seed document "API Execution Scope", catalog §1):

- an administrator of a level acts at that level and below: a global organization's
  administrators over its organizations, an organization's over its products and
  projects, a product's over its projects;
- a product administrator cannot call organization requests, except
  ``getProjectVitals`` in its organization form (it then sees only their products'
  projects) and ``getRequestState``;
- global-organization requests need a global-organization administrator, and creating
  a global organization needs the site administrator.

depvault adds the read and integration roles Mend assigns (``readOnlyUsers``,
``productMembership``, ``productIntegrators``) with the access their names promise, and
gives none to the notification and approval roles. Everything here is pure: the store
loads the caller's grants, :func:`decide` judges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "GLOBAL_ORG_ROLES",
    "ORG_ROLES",
    "PRODUCT_ROLES",
    "Access",
    "Decision",
    "Grant",
    "Level",
    "Target",
    "access_of_role",
    "decide",
]


class Level(StrEnum):
    """The scope a request acts on, from the widest to the narrowest."""

    NONE = "none"
    GLOBAL_ORG = "globalOrg"
    ORG = "org"
    PRODUCT = "product"
    PROJECT = "project"


class Access(IntEnum):
    """What a request needs; a grant of a higher access includes the lower ones."""

    READ = 1
    INTEGRATE = 2
    ADMIN = 3


GLOBAL_ORG_ROLES: dict[str, Access | None] = {"administrators": Access.ADMIN}
ORG_ROLES: dict[str, Access | None] = {
    "administrators": Access.ADMIN,
    "readOnlyUsers": Access.READ,
    "alertsEmailReceivers": None,
    "defaultApprover": None,
}
PRODUCT_ROLES: dict[str, Access | None] = {
    "productAdmins": Access.ADMIN,
    "productIntegrators": Access.INTEGRATE,
    "productMembership": Access.READ,
    "productApprovers": None,
    "alertsEmailReceivers": None,
}
_ROLES_BY_LEVEL = {
    Level.GLOBAL_ORG: GLOBAL_ORG_ROLES,
    Level.ORG: ORG_ROLES,
    Level.PRODUCT: PRODUCT_ROLES,
}


def access_of_role(level: Level, role: str) -> Access | None:
    """The access a role grants at its level (None: a role that grants no API access)."""
    return _ROLES_BY_LEVEL.get(level, {}).get(role)


@dataclass(frozen=True)
class Grant:
    """One role of the caller (held directly or through a group) at one scope."""

    level: Level
    scope_id: int
    role: str

    @property
    def access(self) -> Access | None:
        """The access this grant gives."""
        return access_of_role(self.level, self.role)


@dataclass(frozen=True)
class Target:
    """The scope a request names, with its ancestors (None where above the level)."""

    level: Level
    global_org_id: int | None = None
    org_id: int | None = None
    product_id: int | None = None
    project_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """The verdict on one call.

    ``visible_product_ids`` is None when the caller sees the whole target; otherwise the
    caller was admitted to an organization request through product roles only, and the
    handler must restrict its answer to these products.
    """

    allowed: bool
    visible_product_ids: frozenset[int] | None = None


DENIED = Decision(allowed=False)


def _covers(grant: Grant, target: Target) -> bool:
    if grant.level is Level.GLOBAL_ORG:
        return target.global_org_id == grant.scope_id
    if grant.level is Level.ORG:
        return target.level in {Level.ORG, Level.PRODUCT, Level.PROJECT} and (
            target.org_id == grant.scope_id
        )
    if grant.level is Level.PRODUCT:
        return target.level in {Level.PRODUCT, Level.PROJECT} and (
            target.product_id == grant.scope_id
        )
    return False


def decide(
    grants: Iterable[Grant],
    target: Target,
    needed: Access,
    *,
    product_roles_may_call_org: bool = False,
) -> Decision:
    """Judge whether grants allow a request of access ``needed`` on ``target``.

    ``grants`` are the caller's grants that bear on the target: at its global
    organization, its organization, and the products of that organization.
    ``product_roles_may_call_org`` marks the organization requests that product roles
    may call (``getOrganizationProjectVitals``, ``getRequestState`` …); the decision then
    lists the products whose data the caller may see.
    """
    grants = [g for g in grants if g.access is not None]
    if any(_covers(g, target) and g.access >= needed for g in grants):  # type: ignore[operator]
        return Decision(allowed=True)
    if product_roles_may_call_org and target.level is Level.ORG:
        visible = frozenset(
            g.scope_id
            for g in grants
            if g.level is Level.PRODUCT and g.access >= needed  # type: ignore[operator]
        )
        if visible:
            return Decision(allowed=True, visible_product_ids=visible)
    return DENIED

"""Finding or creating the project an update is for, with the caller's rights checked.

Both channels name projects the way their clients do: the agent by product and project
*name* (created when missing), ``importProjectSbom`` by project token or by product token
and project name. Creating a product needs organization administration; creating a
project or updating one needs integration rights on its product.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from depvault.api.authorize import require_access
from depvault.domain.access import Access, Level
from depvault.domain.scope import Caller, Ref, Scope
from depvault.errors import NotFound
from depvault.store.inventories import hierarchy
from depvault.store.organizations.changelog import Change, record_change

__all__ = ["Target", "product_by_name_or_token", "project_in_product"]


@dataclass(frozen=True)
class Target:
    """The project an update writes, and whether this update created it."""

    product: Ref
    project: Ref
    created: bool


def _scope(org_scope: Scope, product: Ref, project: Ref | None = None) -> Scope:
    level = Level.PROJECT if project else Level.PRODUCT
    return Scope(
        level, global_org=org_scope.global_org, org=org_scope.org, product=product, project=project
    )


def product_by_name_or_token(
    db: Session,
    caller: Caller,
    org_scope: Scope,
    name_or_token: str,
    now: datetime,
    action: str,
) -> Ref:
    """The organization's product with that token or name; created (by an organization
    administrator) when no product has either."""
    org = org_scope.require(Level.ORG)
    found = hierarchy.find_product(db, org.id, name_or_token)
    if found is not None:
        return found
    require_access(db, caller, org_scope, Access.ADMIN, f"{action} (creating a product)")
    product = hierarchy.create_product(db, org.id, name_or_token, now)
    record_change(
        db,
        now,
        caller,
        _scope(org_scope, product),
        Change("ENTITY", "CREATED", after={"name": product.name}),
    )
    return product


def project_in_product(
    db: Session,
    caller: Caller,
    org_scope: Scope,
    product: Ref,
    name: str | None,
    token: str | None,
    now: datetime,
    action: str,
) -> Target:
    """The product's project with that token (or else that name), created when missing;
    the caller needs integration rights on the product."""
    product_scope = _scope(org_scope, product)
    require_access(db, caller, product_scope, Access.INTEGRATE, action)
    if token:
        found = hierarchy.find_project(db, product.id, token=token)
        if found is None:
            raise NotFound(f"No project of product {product.name!r} has the token {token!r}")
    else:
        found = hierarchy.find_project(db, product.id, name=name) if name else None
    if found is not None:
        return Target(product, found, created=False)
    assert name, "a project is named or has a token"
    org = org_scope.require(Level.ORG)
    project = hierarchy.create_project(db, org.id, product.id, name, now)
    record_change(
        db,
        now,
        caller,
        _scope(org_scope, product, project),
        Change("ENTITY", "CREATED", after={"name": project.name}),
    )
    return Target(product, project, created=True)

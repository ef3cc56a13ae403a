"""Resolving scope tokens to :class:`~depvault.domain.scope.Scope` chains (one query each)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Ref, Scope
from depvault.store.models import GlobalOrganization, Organization, Product, Project

__all__ = ["find_organization", "resolve_token"]


def resolve_token(db: Session, level: Level, token: str) -> Scope | None:
    """The scope a token names at ``level``, with its ancestors; None when unknown."""
    if level is Level.GLOBAL_ORG:
        g = db.scalars(select(GlobalOrganization).where(GlobalOrganization.token == token)).first()
        return Scope(level, global_org=Ref(g.id, g.token, g.name)) if g else None
    if level is Level.ORG:
        org_row = db.execute(
            select(Organization, GlobalOrganization)
            .outerjoin(GlobalOrganization, GlobalOrganization.id == Organization.global_org_id)
            .where(Organization.token == token)
        ).first()
        if org_row is None:
            return None
        org, g = org_row
        return Scope(level, global_org=_ref(g), org=_ref(org))
    if level is Level.PRODUCT:
        product_row = db.execute(
            select(Product, Organization, GlobalOrganization)
            .join(Organization, Organization.id == Product.org_id)
            .outerjoin(GlobalOrganization, GlobalOrganization.id == Organization.global_org_id)
            .where(Product.token == token)
        ).first()
        if product_row is None:
            return None
        product, org, g = product_row
        return Scope(level, global_org=_ref(g), org=_ref(org), product=_ref(product))
    if level is Level.PROJECT:
        project_row = db.execute(
            select(Project, Product, Organization, GlobalOrganization)
            .join(Product, Product.id == Project.product_id)
            .join(Organization, Organization.id == Project.org_id)
            .outerjoin(GlobalOrganization, GlobalOrganization.id == Organization.global_org_id)
            .where(Project.token == token)
        ).first()
        if project_row is None:
            return None
        project, product, org, g = project_row
        return Scope(
            level,
            global_org=_ref(g),
            org=_ref(org),
            product=_ref(product),
            project=_ref(project),
        )
    raise ValueError(f"no token names a scope of level {level}")


def find_organization(db: Session, name_or_token: str) -> Scope | None:
    """The organization with that token or, failing that, that name (names are unique on
    the server), as an organization scope; None when neither matches. For the operator's
    commands, where a name is easier to type than a token."""
    scope = resolve_token(db, Level.ORG, name_or_token)
    if scope is not None:
        return scope
    token = db.scalar(select(Organization.token).where(Organization.name == name_or_token))
    return resolve_token(db, Level.ORG, token) if token is not None else None


def _ref(row: GlobalOrganization | Organization | Product | Project | None) -> Ref | None:
    return Ref(row.id, row.token, row.name) if row is not None else None

"""Callers and their grants: who a user key belongs to, and which roles they hold."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from depvault.domain.access import Grant, Level
from depvault.domain.scope import Caller, Scope
from depvault.domain.secrets import digest_key, keys_match
from depvault.store.models import GroupMember, OrgMember, Product, RoleAssignment, User
from depvault.store.organizations.caller_cache import cache_of

__all__ = ["caller_by_key", "grants_for", "is_member"]


def caller_by_key(db: Session, key: str) -> Caller | None:
    """The user whose key this is, or None. The stored digest is compared in constant
    time after the indexed lookup; the key itself is never stored or logged.

    Remembered for a few seconds by the database's caller cache (``caller_cache.py``
    says when an entry goes); an unknown key is never cached, so a new key works at
    once."""
    digest = digest_key(key)
    cache = cache_of(db)
    if cache is not None:
        cached = cache.get(digest)
        if cached is not None:
            return cached
        generation = cache.generation
    row = db.execute(
        select(
            User.id, User.email, User.name, User.is_service, User.is_site_admin, User.key_digest
        ).where(User.key_digest == digest)
    ).first()
    if row is None or row.key_digest is None or not keys_match(key, row.key_digest):
        return None
    caller = Caller(
        id=row.id,
        email=row.email,
        name=row.name,
        is_service=row.is_service,
        is_site_admin=row.is_site_admin,
    )
    if cache is not None:
        cache.put(digest, caller, generation)
    return caller


def grants_for(db: Session, user_id: int, scope: Scope) -> list[Grant]:
    """The caller's roles that can bear on ``scope``: at its global organization, at its
    organization, and at any product of that organization — held directly or through
    a group."""
    groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    principal = or_(RoleAssignment.user_id == user_id, RoleAssignment.group_id.in_(groups))
    places = []
    if scope.global_org is not None:
        places.append(RoleAssignment.global_org_id == scope.global_org.id)
    if scope.org is not None:
        places.append(RoleAssignment.org_id == scope.org.id)
        org_products = select(Product.id).where(Product.org_id == scope.org.id)
        places.append(RoleAssignment.product_id.in_(org_products))
    if not places:
        return []
    rows = db.execute(
        select(
            RoleAssignment.role,
            RoleAssignment.global_org_id,
            RoleAssignment.org_id,
            RoleAssignment.product_id,
        ).where(principal, or_(*places))
    ).all()
    grants = []
    for role, global_org_id, org_id, product_id in rows:
        if global_org_id is not None:
            grants.append(Grant(Level.GLOBAL_ORG, global_org_id, role))
        elif org_id is not None:
            grants.append(Grant(Level.ORG, org_id, role))
        elif product_id is not None:
            grants.append(Grant(Level.PRODUCT, product_id, role))
    return grants


def is_member(db: Session, user_id: int, org_id: int) -> bool:
    """Whether the user is a member of the organization (with or without a role)."""
    return db.get(OrgMember, (org_id, user_id)) is not None

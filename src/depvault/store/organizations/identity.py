"""Callers and their grants: who a user key belongs to, and which roles they hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from depvault.domain.access import Grant, Level
from depvault.domain.scope import Caller, Scope
from depvault.domain.secrets import digest_key, keys_match
from depvault.store.models import GroupMember, OrgMember, Product, RoleAssignment, User
from depvault.store.organizations.caller_cache import HeldGrant, cache_of, read_access_counter

__all__ = ["caller_by_key", "grants_for", "held_grants", "is_member"]


def caller_of(row: Any) -> Caller:
    """The caller a row of the users table (or a select of its identity columns:
    id, email, name, is_service, is_site_admin) describes."""
    return Caller(
        id=row.id,
        email=row.email,
        name=row.name,
        is_service=row.is_service,
        is_site_admin=row.is_site_admin,
    )


def caller_by_key(db: Session, key: str, access_counter: int | None = None) -> Caller | None:
    """The user whose key this is, or None. The stored digest is compared in constant
    time after the indexed lookup; the key itself is never stored or logged.

    Remembered by the database's caller cache while the ``access`` counter stays put
    (``caller_cache.py`` says when an entry goes); an unknown key is never cached, so a
    new key works at once. ``access_counter`` is the counter as this transaction read
    it already (with the scope token, ``scopes.resolve_token_and_access``); None reads
    it here."""
    digest = digest_key(key)
    cache = cache_of(db)
    if cache is not None and access_counter is None:
        access_counter = read_access_counter(db)
    usable = cache is not None and access_counter is not None and cache.sync(access_counter)
    if cache is not None and not usable:
        # this transaction's view is older than the cache: what it reads (the caller,
        # the grants) must neither come from the cache nor go into it
        db.info[_BEHIND] = True
    if cache is not None and usable:
        cached = cache.get(digest)
        if cached is not None:
            return cached
    generation = cache.generation if cache is not None else 0
    row = db.connection().execute(_CALLER, {"digest": digest}).first()
    if row is None or row.key_digest is None or not keys_match(key, row.key_digest):
        return None
    caller = caller_of(row)
    if cache is not None and usable:
        cache.put(digest, caller, generation)
    return caller


def grants_for(db: Session, user_id: int, scope: Scope) -> list[Grant]:
    """The caller's roles that can bear on ``scope``: at its global organization, at its
    organization, and at any product of that organization — held directly or through
    a group. All of the user's roles are read (or found in the caller cache) and the
    ones bearing on the scope picked here."""
    global_org = scope.global_org.id if scope.global_org is not None else None
    org = scope.org.id if scope.org is not None else None
    if global_org is None and org is None:
        return []
    grants = []
    for held in held_grants(db, user_id):
        if held.level is Level.GLOBAL_ORG:
            if held.scope_id == global_org:
                grants.append(Grant(Level.GLOBAL_ORG, held.scope_id, held.role))
        elif org is not None and held.org_id == org:
            grants.append(Grant(held.level, held.scope_id, held.role))
    return grants


def held_grants(db: Session, user_id: int) -> tuple[HeldGrant, ...]:
    """Every role the user holds, directly or through a group, with the organization of
    each (cached with the caller; :func:`caller_by_key` synced the cache already)."""
    cache = None if db.info.get(_BEHIND) else cache_of(db)
    if cache is not None:
        cached = cache.grants(user_id)
        if cached is not None:
            return cached
    generation = cache.generation if cache is not None else 0
    held = []
    for role, global_org_id, org_id, product_id, product_org in db.connection().execute(
        _GRANTS, {"user_id": user_id}
    ):
        if global_org_id is not None:
            held.append(HeldGrant(Level.GLOBAL_ORG, global_org_id, role, None))
        elif org_id is not None:
            held.append(HeldGrant(Level.ORG, org_id, role, org_id))
        elif product_id is not None:
            held.append(HeldGrant(Level.PRODUCT, product_id, role, product_org))
    found = tuple(held)
    if cache is not None:
        cache.put_grants(user_id, found, generation)
    return found


# Marks a session whose transaction saw an older access counter than the cache holds.
_BEHIND = "depvault.caller_cache.behind"

# Built once: constructing a statement was a visible share of a small read.
_CALLER = select(
    User.id, User.email, User.name, User.is_service, User.is_site_admin, User.key_digest
).where(User.key_digest == bindparam("digest"))
_GRANTS = (
    select(
        RoleAssignment.role,
        RoleAssignment.global_org_id,
        RoleAssignment.org_id,
        RoleAssignment.product_id,
        Product.org_id,
    )
    .outerjoin(Product, Product.id == RoleAssignment.product_id)
    .where(
        or_(
            RoleAssignment.user_id == bindparam("user_id"),
            RoleAssignment.group_id.in_(
                select(GroupMember.group_id).where(GroupMember.user_id == bindparam("user_id"))
            ),
        )
    )
)


def is_member(db: Session, user_id: int, org_id: int) -> bool:
    """Whether the user is a member of the organization (with or without a role)."""
    return db.get(OrgMember, (org_id, user_id)) is not None

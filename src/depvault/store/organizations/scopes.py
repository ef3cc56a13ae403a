"""Resolving scope tokens to :class:`~depvault.domain.scope.Scope` chains (one query each).

An API call resolves its scope token and reads the ``access`` change counter (whether
its process's cached callers are current) before anything else;
:func:`resolve_token_and_access` does both in one statement, a round trip less per
request on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Ref, Scope
from depvault.store.models import GlobalOrganization, Organization, Product, Project
from depvault.store.models.counters import ACCESS, ChangeCounter

__all__ = ["find_organization", "resolve_token", "resolve_token_and_access"]


def resolve_token(db: Session, level: Level, token: str) -> Scope | None:
    """The scope a token names at ``level``, with its ancestors; None when unknown.

    One Core query of (id, token, name) columns per level, no ORM entities: every API
    call resolves its scope token, so this is on the path of every request."""
    row = _first(db, _QUERIES, level, token)
    return _scope_of(level, row) if row is not None else None


def resolve_token_and_access(
    db: Session, level: Level, token: str
) -> tuple[Scope | None, int | None]:
    """The scope a token names (as :func:`resolve_token`) and the ``access`` counter
    this transaction sees, from one statement; (None, None) when the token is unknown."""
    row = _first(db, _WITH_ACCESS, level, token)
    if row is None:
        return None, None
    return _scope_of(level, row), int(row[-1] or 0)


def _first(db: Session, queries: dict[Level, Select[Any]], level: Level, token: str) -> Any:
    if level not in _CHAIN:
        raise ValueError(f"no token names a scope of level {level}")
    return db.connection().execute(queries[level], {"token": token}).first()


def _scope_of(level: Level, row: Any) -> Scope:
    refs: dict[str, Ref | None] = {}
    for index, (name, _) in enumerate(_CHAIN[level]):
        row_id, row_token, row_name = row[3 * index : 3 * index + 3]
        refs[name] = Ref(row_id, row_token, row_name) if row_id is not None else None
    return Scope(level, **refs)


def _query(level: Level) -> Select[Any]:
    chain = _CHAIN[level]
    own = chain[-1][1]
    query = select(*(c for _, model in chain for c in (model.id, model.token, model.name)))
    query = query.select_from(own).where(own.token == bindparam("token"))
    for model, on in _JOINS[level]:
        # a global organization is optional; every other ancestor is there
        query = query.join(model, on, isouter=model is GlobalOrganization)
    return query


# Each level's chain, outermost first (the Scope field, the table); the token's own
# table is last, and the joins reach the others from it, innermost first.
_CHAIN: dict[Level, list[tuple[str, Any]]] = {
    Level.GLOBAL_ORG: [("global_org", GlobalOrganization)],
    Level.ORG: [("global_org", GlobalOrganization), ("org", Organization)],
    Level.PRODUCT: [
        ("global_org", GlobalOrganization),
        ("org", Organization),
        ("product", Product),
    ],
    Level.PROJECT: [
        ("global_org", GlobalOrganization),
        ("org", Organization),
        ("product", Product),
        ("project", Project),
    ],
}
_JOINS: dict[Level, list[tuple[Any, Any]]] = {
    Level.GLOBAL_ORG: [],
    Level.ORG: [(GlobalOrganization, GlobalOrganization.id == Organization.global_org_id)],
    Level.PRODUCT: [
        (Organization, Organization.id == Product.org_id),
        (GlobalOrganization, GlobalOrganization.id == Organization.global_org_id),
    ],
    Level.PROJECT: [
        (Product, Product.id == Project.product_id),
        (Organization, Organization.id == Project.org_id),
        (GlobalOrganization, GlobalOrganization.id == Organization.global_org_id),
    ],
}


# Built once: constructing the statement was a visible share of a small read.
_QUERIES = {level: _query(level) for level in _CHAIN}
_ACCESS = select(ChangeCounter.value).where(ChangeCounter.name == ACCESS).scalar_subquery()
_WITH_ACCESS = {level: query.add_columns(_ACCESS) for level, query in _QUERIES.items()}


def find_organization(db: Session, name_or_token: str) -> Scope | None:
    """The organization with that token or, failing that, that name (names are unique on
    the server), as an organization scope; None when neither matches. For the operator's
    commands, where a name is easier to type than a token."""
    scope = resolve_token(db, Level.ORG, name_or_token)
    if scope is not None:
        return scope
    token = db.scalar(select(Organization.token).where(Organization.name == name_or_token))
    return resolve_token(db, Level.ORG, token) if token is not None else None

"""Administration done by the operator rather than through the API: the first
bootstrap of a data store, creating organizations and people, issuing keys.

Each operation is one transaction and is recorded in the change log with the server
as operator. The CLI commands in ``cli/`` are thin wrappers around these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import exists, select

from depvault.domain.access import Level
from depvault.domain.scope import Ref, Scope
from depvault.domain.timefmt import utcnow
from depvault.errors import DepvaultError, UserNotFound
from depvault.store.engine.db import Database
from depvault.store.models import GlobalOrganization, Organization
from depvault.store.organizations import orgs as organizations
from depvault.store.organizations import people
from depvault.store.organizations.changelog import Change, record_change
from depvault.store.organizations.people import RoleScope
from depvault.store.organizations.scopes import resolve_token

__all__ = [
    "AlreadyBootstrapped",
    "Bootstrap",
    "NewOrganization",
    "OrganizationEntry",
    "add_user",
    "bootstrap",
    "create_organization",
    "is_bootstrapped",
    "issue_user_key",
    "list_organizations",
]

DEFAULT_GLOBAL_ORG = "Global Organization"
DEFAULT_ORG = "My Organization"
DEFAULT_ADMIN_EMAIL = "admin@depvault.local"


class AlreadyBootstrapped(DepvaultError):
    """The data store already holds organizations."""


@dataclass(frozen=True)
class Bootstrap:
    """What a fresh data store starts with; the key is shown once and never again."""

    global_org_token: str
    org_token: str
    user_key: str

    def as_json(self) -> dict[str, str]:
        """The object ``depvault bootstrap --json`` prints."""
        return {
            "globalOrgToken": self.global_org_token,
            "orgToken": self.org_token,
            "userKey": self.user_key,
        }


@dataclass(frozen=True)
class NewOrganization:
    """A created organization and the key of its first administrator."""

    org_token: str
    admin_email: str
    user_key: str | None


@dataclass(frozen=True)
class OrganizationEntry:
    """An organization as ``depvault org list`` shows it."""

    name: str
    token: str
    global_org_name: str | None


def list_organizations(database: Database) -> list[OrganizationEntry]:
    """Every organization of the store, by name, with its global organization (None
    for one that left every global organization: the API lists organizations per global
    organization, so only the operator sees those)."""
    statement = (
        select(Organization.name, Organization.token, GlobalOrganization.name)
        .outerjoin(GlobalOrganization, GlobalOrganization.id == Organization.global_org_id)
        .order_by(Organization.name)
    )
    with database.transaction(write=False) as db:
        return [OrganizationEntry(*row) for row in db.execute(statement)]


def is_bootstrapped(database: Database) -> bool:
    """Whether the store already holds a global organization or an organization."""
    with database.transaction(write=False) as db:
        return bool(
            db.scalar(select(exists().where(GlobalOrganization.id.is_not(None))))
            or db.scalar(select(exists().where(Organization.id.is_not(None))))
        )


def bootstrap(
    database: Database,
    *,
    global_org_name: str = DEFAULT_GLOBAL_ORG,
    org_name: str = DEFAULT_ORG,
    admin_email: str = DEFAULT_ADMIN_EMAIL,
    admin_name: str = "Administrator",
) -> Bootstrap:
    """Create the global organization, an organization and its first administrator,
    who is also the site administrator. Refuses a store that already has any."""
    if is_bootstrapped(database):
        raise AlreadyBootstrapped("The data store is already bootstrapped")
    now = utcnow()
    with database.transaction() as db:
        global_org = organizations.create_global_org(db, global_org_name, now)
        org = organizations.create_organization(db, org_name, now, global_org.id)
        user, key = people.create_user(db, admin_email, admin_name, now, is_site_admin=True)
        assert key is not None
        people.add_member(db, org.id, user.id, now)
        people.replace_role(
            db, RoleScope(global_org_id=global_org.id), "administrators", [user.id], []
        )
        people.replace_role(db, RoleScope(org_id=org.id), "administrators", [user.id], [])
        scope = Scope(Level.ORG, global_org=global_org, org=org)
        record_change(
            db,
            now,
            None,
            scope,
            Change("ENTITY", "CREATED", after={"name": org.name, "admin": admin_email}),
        )
    return Bootstrap(global_org.token, org.token, key)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "org"


def create_organization(
    database: Database,
    name: str,
    *,
    admin_email: str | None = None,
    admin_name: str = "Administrator",
    global_org_token: str | None = None,
) -> NewOrganization:
    """A new organization with a first administrator (created when the e-mail address
    is new; an existing person keeps their key, and ``user_key`` is then None)."""
    admin_email = admin_email or f"admin@{_slug(name)}.depvault.local"
    now = utcnow()
    with database.transaction() as db:
        global_org: Ref | None = None
        if global_org_token is not None:
            scope = resolve_token(db, Level.GLOBAL_ORG, global_org_token)
            if scope is None:
                raise UserNotFound("No global organization has that token")
            global_org = scope.global_org
        org = organizations.create_organization(
            db, name, now, global_org.id if global_org else None
        )
        user = people.find_user(db, admin_email)
        key: str | None = None
        if user is None:
            user, key = people.create_user(db, admin_email, admin_name, now)
        elif user.key_created_at is None:
            key = people.issue_key(db, user.id, now)
        people.add_member(db, org.id, user.id, now)
        people.replace_role(db, RoleScope(org_id=org.id), "administrators", [user.id], [])
        record_change(
            db,
            now,
            None,
            Scope(Level.ORG, global_org=global_org, org=org),
            Change("ENTITY", "CREATED", after={"name": name, "admin": admin_email}),
        )
    return NewOrganization(org.token, admin_email, key)


def _org(db_scope: Scope | None) -> Ref:
    if db_scope is None or db_scope.org is None:
        raise UserNotFound("No organization has that token")
    return db_scope.org


def add_user(
    database: Database,
    email: str,
    org_token: str,
    *,
    name: str | None = None,
    admin: bool = False,
) -> str | None:
    """Make a person a member (and with ``admin`` an administrator) of an organization.
    Returns the new key for a person who had none; None for one who keeps theirs."""
    now = utcnow()
    with database.transaction() as db:
        org = _org(resolve_token(db, Level.ORG, org_token))
        user = people.find_user(db, email)
        key: str | None = None
        if user is None:
            user, key = people.create_user(db, email, name or email.split("@")[0], now)
        elif user.key_created_at is None:
            key = people.issue_key(db, user.id, now)
        people.add_member(db, org.id, user.id, now)
        if admin:
            where = RoleScope(org_id=org.id)
            current = people.assignments(db, where)
            admins = [u.id for u in current.user_roles.get("administrators", [])]
            groups = [g.id for g in current.group_roles.get("administrators", [])]
            people.replace_role(db, where, "administrators", [*admins, user.id], groups)
        record_change(
            db,
            now,
            None,
            Scope(Level.ORG, org=org),
            Change("USER", "ADDED", after={"email": email, "admin": admin}),
        )
    return key


def issue_user_key(database: Database, email: str, org_token: str) -> str:
    """A new key for a member of an organization; the previous key stops working."""
    now = utcnow()
    with database.transaction() as db:
        org = _org(resolve_token(db, Level.ORG, org_token))
        user = people.member_by_email(db, org.id, email)
        if user is None:
            raise UserNotFound(f"{email!r} is not a member of organization {org.name!r}")
        key = people.issue_key(db, user.id, now)
        record_change(
            db,
            now,
            None,
            Scope(Level.ORG, org=org),
            Change("USER_KEY", "REGENERATED", after={"email": email}),
        )
    return key

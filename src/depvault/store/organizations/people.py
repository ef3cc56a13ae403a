"""Users, organization membership, groups and role assignments."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from depvault.domain.secrets import digest_key, new_user_key
from depvault.errors import GroupNameInUse, NameInUse
from depvault.store.models import (
    Group,
    GroupMember,
    OrgMember,
    Product,
    RoleAssignment,
    User,
)
from depvault.store.organizations.caller_cache import forget_callers
from depvault.store.organizations.sessions import end_user_sessions

__all__ = [
    "Assignments",
    "GroupView",
    "RoleScope",
    "UserView",
    "add_group_member",
    "add_member",
    "assignments",
    "count_admins",
    "create_group",
    "create_user",
    "find_user",
    "group_by_name",
    "issue_key",
    "member_by_email",
    "org_groups",
    "org_users",
    "remove_group_member",
    "remove_member",
    "replace_role",
    "service_user_by_key",
]


@dataclass(frozen=True)
class UserView:
    """A user as listings show it (never the key, which is not stored)."""

    id: int
    email: str
    name: str
    is_service: bool
    created_at: datetime
    key_created_at: datetime | None


@dataclass(frozen=True)
class GroupView:
    """A group with its members."""

    id: int
    name: str
    description: str | None
    users: tuple[UserView, ...] = ()


@dataclass(frozen=True)
class RoleScope:
    """Where roles are granted: exactly one of the three ids is set."""

    global_org_id: int | None = None
    org_id: int | None = None
    product_id: int | None = None

    def clause(self) -> ColumnElement[bool]:
        """The WHERE clause selecting this scope's assignments."""
        if self.global_org_id is not None:
            return RoleAssignment.global_org_id == self.global_org_id
        if self.org_id is not None:
            return RoleAssignment.org_id == self.org_id
        return RoleAssignment.product_id == self.product_id


@dataclass(frozen=True)
class Assignments:
    """Roles at one scope: role → users, role → groups."""

    user_roles: dict[str, list[UserView]]
    group_roles: dict[str, list[GroupView]]


def _view(user: User) -> UserView:
    return UserView(
        user.id, user.email, user.name, user.is_service, user.created_at, user.key_created_at
    )


# --- users -----------------------------------------------------------------------------


def find_user(db: Session, email: str) -> UserView | None:
    """The user with this e-mail address (case-insensitive), or None."""
    user = db.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
    return _view(user) if user else None


def create_user(
    db: Session,
    email: str,
    name: str,
    now: datetime,
    *,
    is_service: bool = False,
    is_site_admin: bool = False,
    with_key: bool = True,
) -> tuple[UserView, str | None]:
    """A new user and, when ``with_key``, their key (shown once, stored as a digest)."""
    if find_user(db, email) is not None:
        raise NameInUse(f"A user with the e-mail address {email!r} already exists")
    key = new_user_key() if with_key else None
    user = User(
        email=email,
        name=name,
        key_digest=digest_key(key) if key else None,
        key_created_at=now if key else None,
        is_service=is_service,
        is_site_admin=is_site_admin,
        created_at=now,
    )
    db.add(user)
    db.flush()
    return _view(user), key


def issue_key(db: Session, user_id: int, now: datetime) -> str:
    """Give a user a new key; the previous one stops working at once, and so do the
    console sessions signed in with it."""
    key = new_user_key()
    user = db.get_one(User, user_id)
    forget_callers(db, [user_id])
    end_user_sessions(db, user_id)
    user.key_digest = digest_key(key)
    user.key_created_at = now
    db.flush()
    return key


def service_user_by_key(db: Session, org_id: int, key: str) -> UserView | None:
    """The service user of an organization whose key this is, or None."""
    user = db.scalars(
        select(User)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(
            OrgMember.org_id == org_id,
            User.is_service.is_(True),
            User.key_digest == digest_key(key),
        )
    ).first()
    return _view(user) if user else None


# --- membership ------------------------------------------------------------------------


def add_member(
    db: Session, org_id: int, user_id: int, now: datetime, invited_by: str | None = None
) -> bool:
    """Make a user a member of an organization; False when they already were."""
    if db.get(OrgMember, (org_id, user_id)) is not None:
        return False
    db.add(OrgMember(org_id=org_id, user_id=user_id, created_at=now, invited_by=invited_by))
    db.flush()
    return True


def member_by_email(db: Session, org_id: int, email: str) -> UserView | None:
    """The member of an organization with this e-mail address, or None."""
    user = db.scalars(
        select(User)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(OrgMember.org_id == org_id, func.lower(User.email) == email.lower())
    ).first()
    return _view(user) if user else None


def org_users(db: Session, org_id: int, *, service: bool | None = None) -> list[UserView]:
    """The members of an organization (only service users, or only people, if asked)."""
    query = (
        select(User)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(OrgMember.org_id == org_id)
        .order_by(User.email)
    )
    if service is not None:
        query = query.where(User.is_service == service)
    return [_view(u) for u in db.scalars(query)]


def remove_member(db: Session, org_id: int, user_id: int) -> None:
    """Take a user out of an organization with every role and group they had there.
    A service user exists only for its organization and is deleted with it."""
    forget_callers(db, [user_id])
    org_products = select(Product.id).where(Product.org_id == org_id)
    db.execute(
        delete(RoleAssignment).where(
            RoleAssignment.user_id == user_id,
            (RoleAssignment.org_id == org_id) | RoleAssignment.product_id.in_(org_products),
        )
    )
    org_groups_q = select(Group.id).where(Group.org_id == org_id)
    db.execute(
        delete(GroupMember).where(
            GroupMember.user_id == user_id, GroupMember.group_id.in_(org_groups_q)
        )
    )
    db.execute(delete(OrgMember).where(OrgMember.org_id == org_id, OrgMember.user_id == user_id))
    user = db.get_one(User, user_id)
    if user.is_service:
        db.delete(user)
    db.flush()


# --- groups ----------------------------------------------------------------------------


def create_group(
    db: Session, org_id: int, name: str, now: datetime, description: str | None = None
) -> GroupView:
    """A new group; names are unique in an organization."""
    if group_by_name(db, org_id, name) is not None:
        raise GroupNameInUse(f"A group named {name!r} already exists in this organization")
    group = Group(org_id=org_id, name=name, description=description, created_at=now)
    db.add(group)
    db.flush()
    return GroupView(group.id, group.name, group.description)


def group_by_name(db: Session, org_id: int, name: str) -> GroupView | None:
    """The group of that name in an organization, or None."""
    group = db.scalars(select(Group).where(Group.org_id == org_id, Group.name == name)).first()
    return GroupView(group.id, group.name, group.description) if group else None


def org_groups(db: Session, org_id: int) -> list[GroupView]:
    """An organization's groups with their members (two queries)."""
    groups = db.scalars(select(Group).where(Group.org_id == org_id).order_by(Group.name)).all()
    members: dict[int, list[UserView]] = {g.id: [] for g in groups}
    rows = db.execute(
        select(GroupMember.group_id, User)
        .join(User, User.id == GroupMember.user_id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.org_id == org_id)
        .order_by(User.email)
    ).all()
    for group_id, user in rows:
        members[group_id].append(_view(user))
    return [GroupView(g.id, g.name, g.description, tuple(members[g.id])) for g in groups]


def add_group_member(db: Session, group_id: int, user_id: int) -> bool:
    """Add a user to a group; False when already in it."""
    if db.get(GroupMember, (group_id, user_id)) is not None:
        return False
    forget_callers(db, [user_id])
    db.add(GroupMember(group_id=group_id, user_id=user_id))
    db.flush()
    return True


def remove_group_member(db: Session, group_id: int, user_id: int) -> bool:
    """Remove a user from a group; False when not in it."""
    forget_callers(db, [user_id])
    result = db.execute(
        delete(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- roles -----------------------------------------------------------------------------


def assignments(db: Session, where: RoleScope) -> Assignments:
    """Every role granted at one scope, to users and to groups."""
    user_roles: dict[str, list[UserView]] = {}
    for role, user in db.execute(
        select(RoleAssignment.role, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(where.clause())
        .order_by(RoleAssignment.role, User.email)
    ):
        user_roles.setdefault(role, []).append(_view(user))
    group_roles: dict[str, list[GroupView]] = {}
    for role, group in db.execute(
        select(RoleAssignment.role, Group)
        .join(Group, Group.id == RoleAssignment.group_id)
        .where(where.clause())
        .order_by(RoleAssignment.role, Group.name)
    ):
        group_roles.setdefault(role, []).append(GroupView(group.id, group.name, group.description))
    return Assignments(user_roles, group_roles)


def replace_role(
    db: Session,
    where: RoleScope,
    role: str,
    user_ids: Collection[int],
    group_ids: Collection[int],
) -> None:
    """Make exactly these users and groups hold ``role`` at the scope."""
    forget_callers(db)  # those who lose the role are not known without a read
    db.execute(delete(RoleAssignment).where(where.clause(), RoleAssignment.role == role))
    scope = {
        "global_org_id": where.global_org_id,
        "org_id": where.org_id,
        "product_id": where.product_id,
    }
    for user_id in dict.fromkeys(user_ids):
        db.add(RoleAssignment(role=role, user_id=user_id, **scope))
    for group_id in dict.fromkeys(group_ids):
        db.add(RoleAssignment(role=role, group_id=group_id, **scope))
    db.flush()


def count_admins(db: Session, where: RoleScope, role: str = "administrators") -> int:
    """How many people hold an administrator role at a scope, directly or through a
    non-empty group (a rule keeps every organization administrable)."""
    direct = select(RoleAssignment.user_id).where(
        where.clause(), RoleAssignment.role == role, RoleAssignment.user_id.is_not(None)
    )
    via_groups = (
        select(GroupMember.user_id)
        .join(
            RoleAssignment,
            and_(RoleAssignment.group_id == GroupMember.group_id, RoleAssignment.role == role),
        )
        .where(where.clause())
    )
    people = direct.union(via_groups).subquery()
    return db.scalar(select(func.count()).select_from(people)) or 0

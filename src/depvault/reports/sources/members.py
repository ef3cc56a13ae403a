"""The Members report: who belongs to the scope and which roles they hold there.

An organization's report lists every member with their groups, their organization roles
and their product roles; a product's (or a project's, through its product) lists the
people holding a role on that product. Roles held through a group say so
("productAdmins via devs"). Memberships are small (people, not libraries): the rows are
built from four set-based queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Group,
    GroupMember,
    OrgMember,
    Product,
    Project,
    RoleAssignment,
    User,
)

__all__ = ["member_rows"]


def _org_and_product(db: Session, which: ProjectFilter) -> tuple[int, int | None]:
    if which.project_id is not None:
        org_id, product_id = db.execute(
            select(Project.org_id, Project.product_id).where(Project.id == which.project_id)
        ).one()
        return org_id, product_id
    if which.product_id is not None:
        return db.execute(
            select(Product.org_id).where(Product.id == which.product_id)
        ).scalar_one(), which.product_id
    assert which.org_id is not None
    return which.org_id, None


def member_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """One row per person of the scope."""
    org_id, product_id = _org_and_product(db, which)
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for user_id, group_id, name in db.execute(
        select(GroupMember.user_id, Group.id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .where(Group.org_id == org_id)
    ):
        groups[user_id].append((group_id, name))
    product_names: dict[int, str] = {
        pid: name
        for pid, name in db.execute(
            select(Product.id, Product.name).where(Product.org_id == org_id)
        )
    }
    direct: dict[int, list[str]] = defaultdict(list)
    via_group: dict[int, list[str]] = defaultdict(list)
    scope = (
        RoleAssignment.product_id == product_id
        if product_id is not None
        else or_(RoleAssignment.org_id == org_id, RoleAssignment.product_id.in_(product_names))
    )
    for role, holder, through, on_product in db.execute(
        select(
            RoleAssignment.role,
            RoleAssignment.user_id,
            RoleAssignment.group_id,
            RoleAssignment.product_id,
        ).where(scope)
    ):
        label = f"{product_names[on_product]}: {role}" if on_product else role
        if holder is not None:
            direct[holder].append(label)
        elif through is not None:
            via_group[through].append(label)
    members = db.execute(
        select(User.id, User.name, User.email, User.is_service, OrgMember.created_at)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(OrgMember.org_id == org_id)
        .order_by(User.email)
    )
    for user_id, name, email, is_service, joined in members:
        roles = list(direct.get(user_id, ()))
        for group_id, group_name in groups.get(user_id, ()):
            roles.extend(f"{label} via {group_name}" for label in via_group.get(group_id, ()))
        if product_id is not None and not roles:
            continue
        yield (
            name,
            email,
            "SERVICE" if is_service else "REGULAR",
            ", ".join(sorted(g for _, g in groups.get(user_id, ()))),
            "; ".join(sorted(roles)),
            joined.strftime("%Y-%m-%d %H:%M:%S"),
        )

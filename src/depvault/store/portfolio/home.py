"""The organizations a person may open from the console's home page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from depvault.store.models import GroupMember, Organization, OrgMember, Product, RoleAssignment

__all__ = ["OrgLink", "organizations_of"]


@dataclass(frozen=True)
class OrgLink:
    """An organization by token and name."""

    token: str
    name: str


def organizations_of(db: Session, user_id: int, *, every: bool = False) -> list[OrgLink]:
    """The organizations the user belongs to or holds a role in (directly, through a
    group, or through a product of it), by name; ``every`` (the site administrator):
    all of them."""
    query = select(Organization.token, Organization.name).order_by(Organization.name)
    if not every:
        groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
        roles = select(RoleAssignment.org_id, RoleAssignment.product_id).where(
            or_(RoleAssignment.user_id == user_id, RoleAssignment.group_id.in_(groups))
        )
        role_rows = roles.subquery()
        query = query.where(
            or_(
                Organization.id.in_(select(OrgMember.org_id).where(OrgMember.user_id == user_id)),
                Organization.id.in_(select(role_rows.c.org_id)),
                Organization.id.in_(
                    select(Product.org_id).where(Product.id.in_(select(role_rows.c.product_id)))
                ),
            )
        )
    return [OrgLink(token, name) for token, name in db.execute(query.limit(500))]

"""Global organizations and organizations: creation, listing, details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from depvault.domain.scope import Ref
from depvault.domain.secrets import new_token
from depvault.errors import NameInUse, OrganizationNameInUse
from depvault.store.models import (
    GlobalOrganization,
    Group,
    Organization,
    OrgMember,
    Product,
    Project,
)

__all__ = [
    "OrganizationDetails",
    "create_global_org",
    "create_organization",
    "organization_details",
    "organizations_of_global_org",
    "set_global_org",
]


@dataclass(frozen=True)
class OrganizationDetails:
    """An organization with the sizes ``getOrganizationDetails`` reports."""

    id: int
    name: str
    token: str
    created_at: datetime
    global_org_token: str | None
    products: int
    projects: int
    users: int
    groups: int


def create_global_org(db: Session, name: str, now: datetime) -> Ref:
    """A new global organization; its name must be unused."""
    if db.scalar(select(GlobalOrganization.id).where(GlobalOrganization.name == name)):
        raise NameInUse(f"A global organization named {name!r} already exists")
    row = GlobalOrganization(token=new_token(), name=name, created_at=now)
    db.add(row)
    db.flush()
    return Ref(row.id, row.token, row.name)


def create_organization(
    db: Session,
    name: str,
    now: datetime,
    global_org_id: int | None = None,
    *,
    token: str | None = None,
) -> Ref:
    """A new organization; organization names are unique on the server. ``token`` keeps
    the one an organization had elsewhere (``depvault migrate``; the caller checked it
    is free), a new one is drawn otherwise."""
    if db.scalar(select(Organization.id).where(Organization.name == name)):
        raise OrganizationNameInUse(f"An organization named {name!r} already exists")
    row = Organization(
        token=token or new_token(), name=name, global_org_id=global_org_id, created_at=now
    )
    db.add(row)
    db.flush()
    return Ref(row.id, row.token, row.name)


def organizations_of_global_org(db: Session, global_org_id: int) -> list[OrganizationDetails]:
    """Every organization of a global organization, with its sizes."""
    ids = db.scalars(
        select(Organization.id).where(Organization.global_org_id == global_org_id)
    ).all()
    return _details(db, list(ids))


def organization_details(db: Session, org_id: int) -> OrganizationDetails:
    """One organization with its sizes (a prebuilt statement: every
    ``getOrganizationDetails`` runs it)."""
    row = db.connection().execute(_DETAILS_OF_ONE, {"org_id": org_id}).one()
    return OrganizationDetails(*row)


def _size(model: type[Product | Project | Group | OrgMember]) -> Any:
    return (
        select(func.count())
        .select_from(model)
        .where(model.org_id == Organization.id)
        .scalar_subquery()
    )


# The organizations with their four sizes, in one statement (a count per size is a
# correlated subquery on an indexed ``org_id``): the four separate COUNT queries were a
# fifth of a ``getOrganizationDetails`` (issue 15).
_DETAILS = select(
    Organization.id,
    Organization.name,
    Organization.token,
    Organization.created_at,
    GlobalOrganization.token,
    _size(Product),
    _size(Project),
    _size(OrgMember),
    _size(Group),
).outerjoin(GlobalOrganization, GlobalOrganization.id == Organization.global_org_id)
_DETAILS_OF_ONE = _DETAILS.where(Organization.id == bindparam("org_id"))


def _details(db: Session, org_ids: list[int]) -> list[OrganizationDetails]:
    """The organizations with their sizes, by name."""
    if not org_ids:
        return []
    query = _DETAILS.where(Organization.id.in_(org_ids)).order_by(Organization.name)
    return [OrganizationDetails(*row) for row in db.connection().execute(query)]


def set_global_org(db: Session, org_id: int, global_org_id: int | None) -> None:
    """Attach an organization to a global organization (None detaches it)."""
    org = db.get_one(Organization, org_id)
    org.global_org_id = global_org_id

"""An organization's members as pages (the people page of a large organization)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.store.models import OrgMember, User
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = ["MemberRow", "members_page"]


@dataclass(frozen=True)
class MemberRow:
    """A member as the people page lists them (never a key: none is stored)."""

    name: str
    email: str
    is_service: bool
    created_at: datetime


def members_page(db: Session, org_id: int, request: PageRequest) -> Page[MemberRow]:
    """One page of the organization's members, by e-mail address."""
    rows, more = page_of(
        db,
        select(User.name, User.email, User.is_service, User.created_at)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(OrgMember.org_id == org_id)
        .order_by(User.email, User.id),
        request,
    )
    return Page([MemberRow(*row) for row in rows], request, more)

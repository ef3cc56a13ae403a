"""Planning: what a run would create here, and what conflicts with this store.

A token is the identity clients hold, so a product or project keeps its source token
or is not moved: where a token is already taken here by something this run did not
create, or the name is taken in the target organization, the object is a conflict,
listed with the reason, and skipped with everything under it. ``--dry-run`` prints the
plan; a real run writes what it plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.migration.progress import Steps
from depvault.migration.reading import Structure
from depvault.store.models import Organization, Product, Project, User

__all__ = ["Conflict", "Plan", "plan_structure"]


@dataclass(frozen=True)
class Conflict:
    """An object the run cannot move, and why."""

    kind: str
    name: str
    token: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "token": self.token, "reason": self.reason}


@dataclass
class Plan:
    """The source tokens the run moves, per kind, and the conflicts."""

    products: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    new_people: list[str] = field(default_factory=list)
    existing_people: list[str] = field(default_factory=list)

    def as_json(self, structure: Structure) -> dict[str, Any]:
        """What ``--dry-run`` prints."""
        names = {s.token: s.name for s in [*structure.products, *structure.projects]}
        return {
            "products": [{"name": names[t], "token": t} for t in self.products],
            "projects": [{"name": names[t], "token": t} for t in self.projects],
            "people": {"new": self.new_people, "existing": self.existing_people},
            "serviceUsers": [p.name for p in structure.people if p.service],
            "groups": [g.name for g in structure.groups],
            "policies": len(structure.policies),
            "attributeValues": len(structure.attributes),
            "inHouseLibraries": len(structure.in_house),
            "conflicts": [c.as_json() for c in self.conflicts],
        }


def _taken(db: Session, model: type[Product | Project | Organization], token: str) -> str | None:
    return db.scalar(select(model.name).where(model.token == token))


def plan_structure(
    db: Session, structure: Structure, target_org_id: int | None, steps: Steps
) -> Plan:
    """The plan for moving ``structure`` into the organization ``target_org_id`` (None:
    a new one), given the steps already done."""
    plan = Plan()
    for product in structure.products:
        if steps.is_done("product", product.token):
            plan.products.append(product.token)
            continue
        reason = _product_problem(db, product.token, product.name, target_org_id)
        if reason:
            plan.conflicts.append(Conflict("product", product.name, product.token, reason))
        else:
            plan.products.append(product.token)
    moving = set(plan.products)
    for project in structure.projects:
        if steps.is_done("project", project.token):
            plan.projects.append(project.token)
            continue
        if project.product_token not in moving:
            reason = "its product is not moved (see the product's conflict)"
        elif owner := _taken(db, Project, project.token):
            reason = f"the token is already the token of project {owner!r} here"
        else:
            reason = ""
        if reason:
            plan.conflicts.append(Conflict("project", project.name, project.token, reason))
        else:
            plan.projects.append(project.token)
    for person in structure.people:
        if person.service:
            continue
        known = db.scalar(select(User.id).where(User.email == person.email))
        (plan.existing_people if known else plan.new_people).append(person.email)
    return plan


def _product_problem(db: Session, token: str, name: str, target_org_id: int | None) -> str:
    owner = _taken(db, Product, token)
    if owner is not None:
        return f"the token is already the token of product {owner!r} here"
    if target_org_id is not None and db.scalar(
        select(Product.id).where(Product.org_id == target_org_id, Product.name == name)
    ):
        return f"the target organization already has a product named {name!r}"
    return ""

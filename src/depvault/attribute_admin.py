"""Custom attributes as the operator manages them (``depvault attribute …``).

Mend sets custom attribute values in its web UI, which depvault does not have; the
operator sets them with the command line instead, and the Attributes report
(``OrgAttributesReport``, ``getOrganizationAttributesReport`` …) reads them. As in
``admin``, each operation is one transaction and every change is recorded in the change
log, in that transaction, with the server as operator. Organizations are named by
name or token, products by name or token within their organization, projects by name or
token within their product.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Scope
from depvault.domain.timefmt import utcnow
from depvault.errors import InvalidParameter, NotFound, RequestError
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import find_product, find_project
from depvault.store.organizations import attributes
from depvault.store.organizations.attributes import AttributeView
from depvault.store.organizations.changelog import Change, record_change
from depvault.store.organizations.scopes import find_organization

__all__ = [
    "LEVEL_NAMES",
    "ValueChange",
    "define_attribute",
    "list_attributes",
    "set_attribute_value",
    "unset_attribute_value",
]

LEVEL_NAMES = {Level.ORG: "Organization", Level.PRODUCT: "Product", Level.PROJECT: "Project"}
_MAX_NAME = 255


@dataclass(frozen=True)
class ValueChange:
    """What a set or unset did: the attribute, where, and its value before and after
    (None for no value)."""

    attribute: str
    level: str
    product: str | None
    project: str | None
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _organization(db: Session, org: str) -> Scope:
    scope = find_organization(db, org)
    if scope is None:
        raise NotFound(f"No organization has the name or token {org!r}")
    return scope


def _target(db: Session, org: str, product: str | None, project: str | None) -> Scope:
    """The scope a value is set on: the organization, or one of its products, or a
    project of one of its products."""
    scope = _organization(db, org)
    org_ref = scope.require(Level.ORG)
    if product is None:
        if project is not None:
            raise RequestError("A project is named within its product: name the product too")
        return scope
    product_ref = find_product(db, org_ref.id, product)
    if product_ref is None:
        raise NotFound(f"Organization {org_ref.name!r} has no product {product!r}")
    scope = Scope(Level.PRODUCT, global_org=scope.global_org, org=org_ref, product=product_ref)
    if project is None:
        return scope
    project_ref = find_project(db, product_ref.id, token=project) or find_project(
        db, product_ref.id, name=project
    )
    if project_ref is None:
        raise NotFound(f"Product {product_ref.name!r} has no project {project!r}")
    return Scope(
        Level.PROJECT,
        global_org=scope.global_org,
        org=org_ref,
        product=product_ref,
        project=project_ref,
    )


def _attribute(db: Session, org: Scope, name: str) -> AttributeView:
    org_ref = org.require(Level.ORG)
    found = attributes.find_attribute(db, org_ref.id, name)
    if found is None:
        raise NotFound(
            f"Organization {org_ref.name!r} has no attribute {name!r} "
            f"(define it with: depvault attribute define)"
        )
    return found


def _checked(parameter: str, text: str) -> str:
    if not text.strip():
        raise InvalidParameter(parameter, "must not be empty")
    if parameter == "name" and len(text) > _MAX_NAME:
        raise InvalidParameter(parameter, f"at most {_MAX_NAME} characters")
    return text


def define_attribute(
    database: Database, org: str, name: str, description: str | None = None
) -> AttributeView:
    """A new attribute of the organization (names are unique in it)."""
    now = utcnow()
    with database.transaction() as db:
        scope = _organization(db, org)
        created = attributes.define_attribute(
            db, scope.require(Level.ORG).id, _checked("name", name), now, description
        )
        record_change(
            db,
            now,
            None,
            scope,
            Change("CUSTOM_ATTRIBUTE", "CREATED", after={"name": name, "description": description}),
        )
    return created


def list_attributes(database: Database, org: str) -> list[AttributeView]:
    """The organization's attributes by name, with how many values each has."""
    with database.transaction(write=False) as db:
        return attributes.list_attributes(db, _organization(db, org).require(Level.ORG).id)


def _change(
    attribute: AttributeView, where: Scope, before: str | None, after: str | None
) -> ValueChange:
    return ValueChange(
        attribute.name,
        LEVEL_NAMES[where.level],
        where.product.name if where.product else None,
        where.project.name if where.project else None,
        before,
        after,
    )


def set_attribute_value(
    database: Database,
    org: str,
    name: str,
    value: str,
    *,
    product: str | None = None,
    project: str | None = None,
) -> ValueChange:
    """Set the attribute's value on the organization, or on a product (``product``), or on
    a project (``product`` and ``project``); setting the value it has changes nothing."""
    now = utcnow()
    with database.transaction() as db:
        where = _target(db, org, product, project)
        attribute = _attribute(db, where, name)
        before = attributes.set_value(db, attribute, where, _checked("value", value), now)
        done = _change(attribute, where, before, value)
        if done.changed:
            aspect = "ADDED" if before is None else "UPDATED"
            record_change(
                db,
                now,
                None,
                where,
                Change(
                    "CUSTOM_ATTRIBUTE_VALUE",
                    aspect,
                    before={"attribute": name, "value": before} if before is not None else None,
                    after={"attribute": name, "value": value},
                ),
            )
    return done


def unset_attribute_value(
    database: Database,
    org: str,
    name: str,
    *,
    product: str | None = None,
    project: str | None = None,
) -> ValueChange:
    """Remove the attribute's value from the organization, a product or a project;
    removing a value that is not set changes nothing."""
    now = utcnow()
    with database.transaction() as db:
        where = _target(db, org, product, project)
        attribute = _attribute(db, where, name)
        before = attributes.clear_value(db, attribute, where)
        if before is not None:
            record_change(
                db,
                now,
                None,
                where,
                Change(
                    "CUSTOM_ATTRIBUTE_VALUE",
                    "REMOVED",
                    before={"attribute": name, "value": before},
                ),
            )
    return _change(attribute, where, before, None)

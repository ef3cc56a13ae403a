"""Custom attributes in the store (``store/organizations/attributes.py``) and the
operator's operations on them (``attribute_admin``): values at each level, one per
target, the change log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from depvault import admin, attribute_admin
from depvault.admin import Bootstrap
from depvault.domain.access import Level
from depvault.domain.scope import Ref, Scope
from depvault.domain.timefmt import utcnow
from depvault.errors import NameInUse, NotFound, RequestError
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import create_product, create_project
from depvault.store.models import (
    ChangeLogEntry,
    CustomAttribute,
    CustomAttributeValue,
    Organization,
    Product,
)
from depvault.store.organizations import attributes
from depvault.store.organizations.scopes import find_organization, resolve_token


@dataclass(frozen=True)
class Tree:
    """The bootstrap organization with product "P" and its project "p1"."""

    org: Scope
    product: Scope
    project: Scope


@pytest.fixture
def tree(database: Database, site: Bootstrap) -> Tree:
    now = utcnow()
    with database.transaction() as db:
        org = resolve_token(db, Level.ORG, site.org_token)
        assert org is not None and org.org is not None
        product = create_product(db, org.org.id, "P", now)
        project = create_project(db, org.org.id, product.id, "p1", now)
    product_scope = Scope(Level.PRODUCT, org.global_org, org.org, product)
    return Tree(org, product_scope, Scope(Level.PROJECT, org.global_org, org.org, product, project))


def _changes(database: Database) -> list[tuple[str, str, str, str, Any, Any]]:
    with database.transaction(write=False) as db:
        return [
            (e.scope, e.scope_name, e.change_class, e.aspect, e.before, e.after)
            for e in db.scalars(
                select(ChangeLogEntry)
                .where(ChangeLogEntry.change_class.like("CUSTOM_ATTRIBUTE%"))
                .order_by(ChangeLogEntry.id)
            )
        ]


def test_values_at_every_level_replaced_and_cleared(database: Database, tree: Tree) -> None:
    now = utcnow()
    org_id = tree.org.require(Level.ORG).id
    with database.transaction() as db:
        team = attributes.define_attribute(db, org_id, "team", now, "Owning team")
        attributes.define_attribute(db, org_id, "cost center", now)
        assert attributes.set_value(db, team, tree.org, "platform", now) is None
        assert attributes.set_value(db, team, tree.product, "payments", now) is None
        assert attributes.set_value(db, team, tree.project, "checkout", now) is None
        # each level holds its own value: replacing one leaves the others
        assert attributes.set_value(db, team, tree.product, "billing", now) == "payments"
        assert attributes.set_value(db, team, tree.product, "billing", now) == "billing"
    with database.transaction(write=False) as db:
        listed = attributes.list_attributes(db, org_id)
        assert [(a.name, a.description, a.values) for a in listed] == [
            ("cost center", None, 0),
            ("team", "Owning team", 3),
        ]
        values = db.execute(
            select(
                CustomAttributeValue.product_id,
                CustomAttributeValue.project_id,
                CustomAttributeValue.value,
            ).order_by(CustomAttributeValue.id)
        ).all()
        assert [tuple(v) for v in values] == [
            (None, None, "platform"),
            (tree.product.require(Level.PRODUCT).id, None, "billing"),
            (None, tree.project.require(Level.PROJECT).id, "checkout"),
        ]
    with database.transaction() as db:
        team_view = attributes.find_attribute(db, org_id, "team")
        assert team_view is not None
        assert attributes.clear_value(db, team_view, tree.product) == "billing"
        assert attributes.clear_value(db, team_view, tree.product) is None
        assert attributes.find_attribute(db, org_id, "nope") is None
        assert [a.values for a in attributes.list_attributes(db, org_id, name="team")] == [2]


def test_attribute_names_are_unique_per_organization(database: Database, tree: Tree) -> None:
    now = utcnow()
    other = admin.create_organization(database, "Other", admin_email="o@example.com")
    with database.transaction() as db:
        attributes.define_attribute(db, tree.org.require(Level.ORG).id, "team", now)
        with pytest.raises(NameInUse):
            attributes.define_attribute(db, tree.org.require(Level.ORG).id, "team", now)
        other_org = resolve_token(db, Level.ORG, other.org_token)
        assert other_org is not None
        attributes.define_attribute(db, other_org.require(Level.ORG).id, "team", now)
        # a value belongs to the attribute's own organization only
        team = attributes.find_attribute(db, tree.org.require(Level.ORG).id, "team")
        assert team is not None
        with pytest.raises(ValueError, match="another organization"):
            attributes.set_value(db, team, other_org, "x", now)


def _insert(database: Database, attribute_id: int, **target: int | None) -> None:
    with database.transaction() as db:
        db.add(
            CustomAttributeValue(
                attribute_id=attribute_id, value="v", modified_at=utcnow(), **target
            )
        )


@pytest.mark.parametrize("level", ["organization", "product", "project"])
def test_one_value_per_attribute_and_target(database: Database, tree: Tree, level: str) -> None:
    with database.transaction() as db:
        team = attributes.define_attribute(db, tree.org.require(Level.ORG).id, "team", utcnow())
    target = {
        "organization": {},
        "product": {"product_id": tree.product.require(Level.PRODUCT).id},
        "project": {"project_id": tree.project.require(Level.PROJECT).id},
    }[level]
    _insert(database, team.id, **target)
    with pytest.raises(IntegrityError):
        _insert(database, team.id, **target)


def test_a_value_has_one_target(database: Database, tree: Tree) -> None:
    with database.transaction() as db:
        team = attributes.define_attribute(db, tree.org.require(Level.ORG).id, "team", utcnow())
    with pytest.raises(IntegrityError):
        _insert(
            database,
            team.id,
            product_id=tree.product.require(Level.PRODUCT).id,
            project_id=tree.project.require(Level.PROJECT).id,
        )


def test_values_go_with_their_product_and_attributes_with_their_org(
    database: Database, tree: Tree
) -> None:
    now = utcnow()
    with database.transaction() as db:
        team = attributes.define_attribute(db, tree.org.require(Level.ORG).id, "team", now)
        for where in (tree.org, tree.product, tree.project):
            attributes.set_value(db, team, where, "x", now)
    with database.transaction() as db:
        db.execute(delete(Product).where(Product.id == tree.product.require(Level.PRODUCT).id))
    with database.transaction(write=False) as db:
        left = db.execute(select(CustomAttributeValue.product_id, CustomAttributeValue.project_id))
        assert [tuple(r) for r in left] == [(None, None)]  # the product's and its project's went
    with database.transaction() as db:
        db.execute(delete(Organization).where(Organization.id == tree.org.require(Level.ORG).id))
    with database.transaction(write=False) as db:
        assert db.scalars(select(CustomAttribute.id)).all() == []
        assert db.scalars(select(CustomAttributeValue.id)).all() == []


def test_organizations_are_found_by_name_or_token(database: Database, site: Bootstrap) -> None:
    with database.transaction(write=False) as db:
        by_token = find_organization(db, site.org_token)
        assert by_token is not None and by_token.org is not None
        by_name = find_organization(db, by_token.org.name)
        assert by_name == by_token and by_name.level is Level.ORG
        assert find_organization(db, "no such organization") is None


def test_operations_record_each_change_in_the_change_log(database: Database, tree: Tree) -> None:
    org = tree.org.require(Level.ORG).name
    attribute_admin.define_attribute(database, org, "team", "Owning team")
    on_project = {"product": "P", "project": "p1"}
    first = attribute_admin.set_attribute_value(database, org, "team", "core", **on_project)
    assert (first.level, first.product, first.project, first.before) == ("Project", "P", "p1", None)
    again = attribute_admin.set_attribute_value(database, org, "team", "core", **on_project)
    assert not again.changed  # no change, no entry
    attribute_admin.set_attribute_value(database, org, "team", "web", **on_project)
    attribute_admin.set_attribute_value(database, org, "team", "all", product="P")
    attribute_admin.unset_attribute_value(database, org, "team", **on_project)
    gone = attribute_admin.unset_attribute_value(database, org, "team", **on_project)
    assert not gone.changed
    core, web = {"attribute": "team", "value": "core"}, {"attribute": "team", "value": "web"}
    assert _changes(database) == [
        (
            "ORGANIZATION",
            org,
            "CUSTOM_ATTRIBUTE",
            "CREATED",
            [],
            [{"name": "team", "description": "Owning team"}],
        ),
        ("PROJECT", "p1", "CUSTOM_ATTRIBUTE_VALUE", "ADDED", [], [core]),
        ("PROJECT", "p1", "CUSTOM_ATTRIBUTE_VALUE", "UPDATED", [core], [web]),
        (
            "PRODUCT",
            "P",
            "CUSTOM_ATTRIBUTE_VALUE",
            "ADDED",
            [],
            [{"attribute": "team", "value": "all"}],
        ),
        ("PROJECT", "p1", "CUSTOM_ATTRIBUTE_VALUE", "REMOVED", [web], []),
    ]
    with database.transaction(write=False) as db:
        operators = set(db.scalars(select(ChangeLogEntry.operator)))
        project_entry = db.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.aspect == "REMOVED")
        ).one()
    assert operators == {"SYSTEM"}
    assert (project_entry.product_name, project_entry.project_name) == ("P", "p1")


def test_operations_name_what_they_cannot_find(database: Database, tree: Tree) -> None:
    org = tree.org.require(Level.ORG).name
    attribute_admin.define_attribute(database, org, "team")
    with pytest.raises(NameInUse):
        attribute_admin.define_attribute(database, org, "team")
    for kwargs, fragment in [
        ({"org": "Nope"}, "No organization has the name or token 'Nope'"),
        ({"name": "nope"}, "no attribute 'nope'"),
        ({"product": "Q"}, "no product 'Q'"),
        ({"product": "P", "project": "q9"}, "no project 'q9'"),
    ]:
        call: dict[str, Any] = {"org": org, "name": "team", **kwargs}
        with pytest.raises(NotFound, match=fragment):
            attribute_admin.set_attribute_value(database, value="v", **call)
        with pytest.raises(NotFound, match=fragment):
            attribute_admin.unset_attribute_value(database, **call)
    with pytest.raises(RequestError, match="within its product"):
        attribute_admin.set_attribute_value(database, org, "team", "v", project="p1")
    with pytest.raises(RequestError, match="must not be empty"):
        attribute_admin.set_attribute_value(database, org, "team", " ")
    # nothing failed half-way: only the definition is in the log
    assert [c[3] for c in _changes(database)] == ["CREATED"]


def test_projects_and_products_are_named_by_token_too(database: Database, tree: Tree) -> None:
    org_token = tree.org.require(Level.ORG).token
    attribute_admin.define_attribute(database, org_token, "team")
    product: Ref = tree.product.require(Level.PRODUCT)
    project: Ref = tree.project.require(Level.PROJECT)
    done = attribute_admin.set_attribute_value(
        database, org_token, "team", "v", product=product.token, project=project.token
    )
    assert (done.product, done.project) == ("P", "p1")
    assert [a.values for a in attribute_admin.list_attributes(database, org_token)] == [1]

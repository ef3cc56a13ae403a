"""Phase 1, structure: the organization, products and projects with their source
tokens, their vitals dates where the source shows them, tags and custom attributes.

Each object is one transaction with its progress step; the planner decided which
objects move (conflicts are skipped with their reason).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Scope
from depvault.domain.timefmt import utcnow
from depvault.errors import DepvaultError, OrganizationNameInUse
from depvault.migration.plan import Plan
from depvault.migration.progress import Steps
from depvault.migration.reading import SourceScope, Structure
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import add_tag, create_product, create_project
from depvault.store.models import Organization, Product, ProductTag, Project, ProjectTag
from depvault.store.organizations import attributes
from depvault.store.organizations import orgs as organizations
from depvault.store.organizations.changelog import Change, record_change
from depvault.store.organizations.scopes import resolve_token

__all__ = ["TargetChoice", "organization_problem", "write_organization", "write_structure"]

Tick = Callable[[], None]


class TargetChoice:
    """Where the organization goes: an existing one (``--into-org``), a new one with
    the source's token under a new name (``--new-org``), or (neither) a new one with
    the source's name and token."""

    def __init__(self, into_org: str | None, new_org: str | None) -> None:
        if into_org and new_org:
            raise DepvaultError("give --into-org or --new-org, not both")
        self.into_org, self.new_org = into_org, new_org


def write_organization(
    database: Database, structure: Structure, choice: TargetChoice, steps: Steps
) -> Scope:
    """The target organization (created with the source token, or the one named),
    recorded as the run's target; refused precisely when its token or name is taken."""
    source = structure.org
    with database.transaction() as db:
        done = steps.target("org", source.token)
        if done is not None:
            return _org_scope(db, int(done))
        now = utcnow()
        problem = organization_problem(db, structure, choice)
        if problem:
            raise OrganizationNameInUse(problem)
        if choice.into_org:
            scope = resolve_token(db, Level.ORG, choice.into_org)
            assert scope is not None
        else:
            name = choice.new_org or source.name
            ref = organizations.create_organization(db, name, now, token=source.token)
            if source.created:
                db.execute(
                    update(Organization)
                    .where(Organization.id == ref.id)
                    .values(created_at=source.created)
                )
            scope = Scope(Level.ORG, org=ref)
            record_change(db, now, None, scope, Change("ENTITY", "CREATED", after={"name": name}))
        assert scope.org is not None
        steps.set_target_org(db, scope.org.id)
        steps.record(db, "org", source.token, now, str(scope.org.id))
        return scope


def organization_problem(db: Session, structure: Structure, choice: TargetChoice) -> str:
    """Why the organization cannot go where the command says (empty when it can): an
    unknown ``--into-org``, or a token or name already taken here."""
    if choice.into_org:
        if resolve_token(db, Level.ORG, choice.into_org) is None:
            return f"--into-org: no organization here has the token {choice.into_org!r}"
        return ""
    holder = db.scalar(select(Organization.name).where(Organization.token == structure.org.token))
    if holder is not None:
        return (
            f"the source organization's token is already the token of organization "
            f"{holder!r} here: move into it with --into-org"
        )
    name = choice.new_org or structure.org.name
    if db.scalar(select(Organization.id).where(Organization.name == name)) is not None:
        return (
            f"an organization named {name!r} already exists here: name the new one with "
            f"--new-org, or move into it with --into-org"
        )
    return ""


def _org_scope(db: Session, org_id: int) -> Scope:
    token = db.get_one(Organization, org_id).token
    scope = resolve_token(db, Level.ORG, token)
    assert scope is not None
    return scope


def write_structure(
    database: Database,
    structure: Structure,
    plan: Plan,
    org: Scope,
    steps: Steps,
    tick: Tick,
) -> dict[str, int]:
    """Products, projects (tokens kept), tags and attribute values; returns counts of
    what this call created."""
    assert org.org is not None
    created = {"products": 0, "projects": 0, "attributeValues": 0}
    for kind, scopes, moving, write in (
        ("product", structure.products, set(plan.products), _product),
        ("project", structure.projects, set(plan.projects), _project),
    ):
        for scope in scopes:
            if scope.token in moving and not steps.is_done(kind, scope.token):
                with database.transaction() as db:
                    write(db, org, scope)
                    steps.record(db, kind, scope.token, utcnow())
                created[f"{kind}s"] += 1
            tick()
    names = {p.name: p.token for p in structure.products}
    for value in structure.attributes:
        key = f"{value.attribute}\t{value.product or ''}\t{value.project or ''}"
        if steps.is_done("attribute", key):
            continue
        with database.transaction() as db:
            where = _attribute_scope(db, org, names, structure, value.product, value.project)
            if where is None:
                continue  # its product or project is a conflict: listed there
            definition = attributes.find_attribute(db, org.org.id, value.attribute)
            if definition is None:
                definition = attributes.define_attribute(db, org.org.id, value.attribute, utcnow())
            attributes.set_value(db, definition, where, value.value, utcnow())
            steps.record(db, "attribute", key, utcnow())
        created["attributeValues"] += 1
    return created


def _product(db: Session, org: Scope, product: SourceScope) -> None:
    assert org.org is not None
    now = utcnow()
    ref = create_product(db, org.org.id, product.name, product.created or now, token=product.token)
    db.execute(
        update(Product)
        .where(Product.id == ref.id)
        .values(updated_at=product.updated or product.created or now)
    )
    _add_tags(db, ProductTag, ref.id, product.tags)
    record_change(
        db,
        now,
        None,
        Scope(Level.PRODUCT, org=org.org, product=ref),
        Change("ENTITY", "CREATED", after={"name": ref.name, "migrated": True}),
    )


def _project(db: Session, org: Scope, project: SourceScope) -> None:
    assert org.org is not None and project.product_token is not None
    product = resolve_token(db, Level.PRODUCT, project.product_token)
    assert product is not None and product.product is not None
    now = utcnow()
    ref = create_project(
        db, org.org.id, product.product.id, project.name, project.created or now,
        token=project.token,
    )  # fmt: skip
    db.execute(
        update(Project)
        .where(Project.id == ref.id)
        .values(last_scan_comment=project.last_scan_comment)
    )
    _add_tags(db, ProjectTag, ref.id, project.tags)


def _add_tags(
    db: Session, model: type[ProductTag | ProjectTag], owner_id: int, tags: dict[str, list[str]]
) -> None:
    for key, values in tags.items():
        for value in values:
            add_tag(db, model, owner_id, key, value)


def _attribute_scope(
    db: Session,
    org: Scope,
    product_tokens: dict[str, str],
    structure: Structure,
    product: str | None,
    project: str | None,
) -> Scope | None:
    if product is None:
        return org
    token = product_tokens.get(product)
    if project is not None:
        token = next(
            (p.token for p in structure.projects if p.name == project and p.product_token == token),
            None,
        )
    if token is None:
        return None
    return resolve_token(db, Level.PROJECT if project else Level.PRODUCT, token)

"""Phase 2, people: users by e-mail, groups and their members, memberships, the roles
at the organization and its products, and service users.

A person who already has an account here (same e-mail) keeps it and their key; a new
person gets an account without a key (keys are secrets no API discloses), and the
report lists them for ``depvault user rotate-key``. Service users are recreated
without a key here; :func:`issue_service_keys` gives them new keys as the run's last
step, so the keys are printed by the run that makes them and shown only once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.scope import Scope
from depvault.domain.timefmt import utcnow
from depvault.migration.progress import Steps
from depvault.migration.reading import Assignments, Structure
from depvault.store.engine.db import Database
from depvault.store.models import Product, User
from depvault.store.organizations import people
from depvault.store.organizations.people import RoleScope

__all__ = ["SERVICE_DOMAIN", "issue_service_keys", "write_people"]

# The address scheme of ``createServiceUser`` (``api/handlers/users.py``).
SERVICE_DOMAIN = ".service.invalid"


def service_email(name: str, org_id: int) -> str:
    """A service user's address here: its name at its organization's reserved domain."""
    return f"{name}@org-{org_id}{SERVICE_DOMAIN}"


def write_people(
    database: Database, structure: Structure, org: Scope, steps: Steps
) -> dict[str, int]:
    """Members, groups and roles; returns counts of what this call created."""
    assert org.org is not None
    org_id = org.org.id
    created = {"users": 0, "serviceUsers": 0, "groups": 0, "assignments": 0}
    for person in structure.people:
        if steps.is_done("user", person.email):
            continue
        with database.transaction() as db:
            now = utcnow()
            email = service_email(person.name, org_id) if person.service else person.email
            user = people.find_user(db, email)
            if user is None:
                user, _ = people.create_user(
                    db, email, person.name, now, is_service=person.service, with_key=False
                )
                created["serviceUsers" if person.service else "users"] += 1
            people.add_member(db, org_id, user.id, now, invited_by="depvault migrate")
            steps.record(db, "user", person.email, now, email)
    for group in structure.groups:
        if steps.is_done("group", group.name):
            continue
        with database.transaction() as db:
            found = people.group_by_name(db, org_id, group.name)
            if found is None:
                found = people.create_group(db, org_id, group.name, utcnow(), group.description)
                created["groups"] += 1
            for email in group.members:
                user_id = _user_id(db, steps, email)
                if user_id is not None:
                    people.add_group_member(db, found.id, user_id)
            steps.record(db, "group", group.name, utcnow())
    scopes: list[tuple[str, RoleScope, Assignments]] = [
        (structure.org.token, RoleScope(org_id=org_id), structure.org_roles)
    ]
    with database.transaction(write=False) as db:
        for token, roles in structure.product_roles.items():
            product_id = db.scalar(select(Product.id).where(Product.token == token))
            if product_id is not None:  # a conflict is not moved, nor its roles
                scopes.append((token, RoleScope(product_id=product_id), roles))
    for token, where, roles in scopes:
        if steps.is_done("roles", token):
            continue
        with database.transaction() as db:
            created["assignments"] += _roles(db, org_id, where, roles, steps)
            steps.record(db, "roles", token, utcnow())
    return created


def _user_id(db: Session, steps: Steps, source_email: str) -> int | None:
    email = steps.target("user", source_email) or source_email
    return db.scalar(select(User.id).where(User.email == email))


def _roles(db: Session, org_id: int, where: RoleScope, roles: Assignments, steps: Steps) -> int:
    """Each role of the scope: its holders here (kept, for ``--into-org``) and the
    source's; returns how many grants were added."""
    current = people.assignments(db, where)
    added = 0
    for role in sorted({*roles.users, *roles.groups}):
        user_ids = [u.id for u in current.user_roles.get(role, [])]
        group_ids = [g.id for g in current.group_roles.get(role, [])]
        new_users = [_user_id(db, steps, e) for e in roles.users.get(role, [])]
        new_groups = [people.group_by_name(db, org_id, n) for n in roles.groups.get(role, [])]
        fresh_users = [u for u in new_users if u is not None and u not in user_ids]
        fresh_groups = [g.id for g in new_groups if g is not None and g.id not in group_ids]
        people.replace_role(db, where, role, user_ids + fresh_users, group_ids + fresh_groups)
        added += len(fresh_users) + len(fresh_groups)
    return added


def issue_service_keys(
    database: Database, structure: Structure, org: Scope, steps: Steps
) -> list[dict[str, str]]:
    """New keys for the run's service users that have none yet (one transaction); the
    caller prints them and then records the step, so a run killed in between issues
    them again (the unseen keys stop working) instead of losing them."""
    assert org.org is not None
    keys: list[dict[str, str]] = []
    with database.transaction() as db:
        now = utcnow()
        for person in structure.people:
            if not person.service or steps.is_done("service-key", person.email):
                continue
            email = service_email(person.name, org.org.id)
            user = people.find_user(db, email)
            if user is None:
                continue
            keys.append(
                {"name": person.name, "email": email, "userKey": people.issue_key(db, user.id, now)}
            )
    return keys


def record_keys_delivered(
    database: Database, keys: list[dict[str, str]], structure: Structure, steps: Steps
) -> None:
    """After the report with the keys is printed: they are delivered."""
    by_email = {k["name"]: k for k in keys}
    with database.transaction() as db:
        for person in structure.people:
            if person.service and person.name in by_email:
                steps.record(db, "service-key", person.email, utcnow())


def people_needing_keys(database: Database, structure: Structure, steps: Steps) -> list[str]:
    """The run's people who have no key here yet (``depvault user rotate-key``)."""
    with database.transaction(write=False) as db:
        emails = [p.email for p in structure.people if not p.service]
        keyless = set(
            db.scalars(select(User.email).where(User.email.in_(emails), User.key_digest.is_(None)))
        )
    return [e for e in emails if e in keyless]

"""Phases 3, 5 and 6, the decisions people made: policies at every level in their
order (before the inventories, so the alerts derived here already follow them),
in-house marks and library notices (after them: they name catalog libraries), and
alert statuses, matched to the alerts derived here.

An ignored alert is found again by (library key, alert type, vulnerability name) and
ignored here with its comment and its date; a resolved one by (library file name,
type, vulnerability) among this project's resolved alerts. Whatever is not found is
listed in the report, never dropped silently.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.alert_rules import AlertStatus
from depvault.domain.policies import normalize_policy
from depvault.domain.scope import Caller, Scope
from depvault.domain.timefmt import utcnow
from depvault.migration.progress import Steps
from depvault.migration.reading import AlertDecision, SourcePolicy, Structure
from depvault.store.alerts.reads import AlertQuery, list_alerts
from depvault.store.alerts.status import set_alert_status
from depvault.store.engine.db import Database
from depvault.store.inventories import library_marks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import Library, Project, ProjectLibrary, User
from depvault.store.organizations import people
from depvault.store.organizations.people import RoleScope
from depvault.store.organizations.scopes import resolve_token
from depvault.store.policies import rules as policies

__all__ = ["MIGRATED_BY", "apply_alert_decisions", "write_marks", "write_policies"]

# Who the alert histories name for a status carried over when the source's history
# does not say who chose it.
MIGRATED_BY = "depvault-migrate"
LEVELS = {"org": Level.ORG, "product": Level.PRODUCT, "project": Level.PROJECT}


def _acting(db: Session, org_id: int, email: str | None) -> Caller:
    """The policy's owner here as the caller adding it; without one, the target
    organization's first administrator (a policy needs an owner)."""
    user = people.find_user(db, email) if email else None
    if user is None:
        admins = people.assignments(db, RoleScope(org_id=org_id)).user_roles.get(
            "administrators", []
        )
        user = admins[0] if admins else None
    if user is None:
        user_row = db.scalars(select(User).order_by(User.id)).first()
        assert user_row is not None
        return Caller(user_row.id, user_row.email, user_row.name, False, False)
    return Caller(user.id, user.email, user.name, user.is_service, False)


def _translate(
    policy: dict[str, Any], steps: Steps, groups: dict[int, str], db: Session, org_id: int
) -> tuple[dict[str, Any], str | None]:
    """The policy in stored form with people named here: the owner and a REASSIGN
    action's user by e-mail, its group by id here (looked up by the source group's name)."""
    fields = normalize_policy(policy)
    fields.pop("priority", None)  # added in order: each goes last, as it was
    owner = (policy.get("owner") or {}).get("email")
    email = (steps.target("user", owner) or owner) if owner else None
    fields.pop("owner", None)
    action = dict(fields["action"])
    if isinstance(action.get("user"), dict) and action["user"].get("email"):
        source = action["user"]["email"]
        action["user"] = {"email": steps.target("user", source) or source}
    if isinstance(action.get("group"), dict):
        name = action["group"].get("name") or groups.get(action["group"].get("id", -1))
        found = people.group_by_name(db, org_id, name) if name else None
        action["group"] = {"id": found.id if found else -1}
    fields["action"] = action
    return fields, email


def write_policies(database: Database, structure: Structure, org: Scope, steps: Steps) -> int:
    """Every policy of the organization, its products and projects, each scope's in
    their deciding order; returns how many this call added."""
    assert org.org is not None
    groups = {g.source_id: g.name for g in structure.groups if g.source_id is not None}
    index: dict[str, int] = defaultdict(int)
    added = 0
    for item in structure.policies:
        index[item.scope_token] += 1
        key = f"{item.scope_token}:{index[item.scope_token]}"
        if steps.is_done("policy", key):
            continue
        with database.transaction() as db:
            scope = _policy_scope(db, item, org)
            if scope is None:
                continue  # its product or project is a conflict, listed there
            fields, owner = _translate(item.policy, steps, groups, db, org.org.id)
            now = utcnow()
            caller = _acting(db, org.org.id, owner)
            if owner:
                fields["owner"] = {"email": caller.email}
            policies.add_policy(db, scope, fields, caller, now)
            steps.record(db, "policy", key, now)
        added += 1
    return added


def _policy_scope(db: Session, item: SourcePolicy, org: Scope) -> Scope | None:
    if item.level == "org":
        return org
    return resolve_token(db, LEVELS[item.level], item.scope_token)


def _library_ids(db: Session, key_uuids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(key_uuids), 500):
        chunk = key_uuids[start : start + 500]
        found.update(
            db.execute(select(Library.key_uuid, Library.id).where(Library.key_uuid.in_(chunk)))
            .tuples()
            .all()
        )
    return found


def write_marks(
    database: Database,
    structure: Structure,
    org: Scope,
    steps: Steps,
    notices: dict[str, list[tuple[str, str, str | None]]],
) -> None:
    """In-house marks (by library key) and each product's library notices (by file
    name among the product's libraries here). Each step records what it carried and
    what it did not find, for the report of whichever attempt finishes the run."""
    assert org.org is not None
    if not steps.is_done("in-house", structure.org.token):
        with database.transaction() as db:
            ids = _library_ids(db, structure.in_house)
            marked = library_marks.set_in_house(db, org.org.id, ids.values(), True, utcnow())
            missing = [k for k in structure.in_house if k not in ids]
            outcome = {"carried": marked, "unmatched": missing}
            steps.record(db, "in-house", structure.org.token, utcnow(), json.dumps(outcome))
    for product_token, entries in notices.items():
        if steps.is_done("notices", product_token):
            continue
        with database.transaction() as db:
            product = resolve_token(db, Level.PRODUCT, product_token)
            if product is None or product.product is None:
                continue
            by_name = _product_libraries(db, product.product.id)
            carried, lost = 0, list[dict[str, str]]()
            for filename, text, reference in entries:
                library_id = by_name.get(filename)
                if library_id is None:
                    lost.append({"productToken": product_token, "library": filename})
                    continue
                library_marks.set_notice(db, org.org.id, library_id, text, reference, utcnow())
                carried += 1
            found = json.dumps({"carried": carried, "unmatched": lost})
            steps.record(db, "notices", product_token, utcnow(), found)


def _product_libraries(db: Session, product_id: int) -> dict[str, int]:
    return dict(
        db.execute(
            select(Library.filename, Library.id)
            .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
            .join(Project, Project.id == ProjectLibrary.project_id)
            .where(Project.product_id == product_id)
            .distinct()
        )
        .tuples()
        .all()
    )


def apply_alert_decisions(
    database: Database, project_token: str, decisions: list[AlertDecision], steps: Steps
) -> tuple[int, list[dict[str, Any]]]:
    """Carry one project's alert decisions; returns (how many matched, the unmatched)."""
    matched, unmatched = 0, []
    with database.transaction() as db:
        project_id = db.scalar(select(Project.id).where(Project.token == project_token))
        assert project_id is not None
        which = ProjectFilter(project_id=project_id)
        here = list_alerts(db, AlertQuery(which))
        ignored_keys = {
            (a.library.key_uuid, a.type, a.advisory.name if a.advisory else ""): a for a in here
        }
        resolved_keys = {
            (a.library.filename, a.type, a.advisory.name if a.advisory else ""): a
            for a in here
            if a.status == AlertStatus.RESOLVED
        }
        for decision in decisions:
            key = (decision.library, decision.alert_type, decision.vulnerability)
            if decision.status == "Ignored":
                alert = ignored_keys.get(key)
                if alert is None or alert.status == AlertStatus.RESOLVED:
                    unmatched.append(decision.describe())
                    continue
                when = decision.modified or utcnow()
                set_alert_status(
                    db, which, [alert.uuid], AlertStatus.IGNORED, decision.comment or None,
                    decision.user or MIGRATED_BY, _at(when),
                )  # fmt: skip
            elif key in resolved_keys:
                pass  # resolved here too: its cause is gone here as well
            else:
                unmatched.append(decision.describe())
                continue
            matched += 1
        recorded = json.dumps({"matched": matched, "unmatched": unmatched})
        steps.record(db, "alert-statuses", project_token, utcnow(), recorded)
    return matched, unmatched


def _at(when: datetime) -> datetime:
    return when.replace(tzinfo=None)

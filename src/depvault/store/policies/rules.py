"""Storing policies, and loading the rules that decide for projects' libraries.

Every change to a scope's policies is written to the change log and marks the projects
under the scope ``analysis_due`` in the same transaction: idle workers then derive
their REJECTED_BY_POLICY_RESOURCE alerts again (``analysis.refresh``), so a policy
takes effect on existing inventories without a new scan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.policies import ActionType, PolicyLevel, PolicyRule
from depvault.domain.scope import Caller, Scope
from depvault.errors import InvalidParameter
from depvault.store.models import (
    Group,
    Organization,
    OrgMember,
    Policy,
    Product,
    Project,
    User,
)
from depvault.store.organizations.changelog import Change, record_change

__all__ = [
    "PolicyView",
    "add_policy",
    "change_owner",
    "list_policies",
    "remove_policies",
    "reorder_policies",
    "rules_for_projects",
    "rules_for_scope",
    "update_policy",
]

LEVEL_OF_SCOPE = {
    Level.GLOBAL_ORG: PolicyLevel.GLOBAL,
    Level.ORG: PolicyLevel.DOMAIN,
    Level.PRODUCT: PolicyLevel.PRODUCT,
    Level.PROJECT: PolicyLevel.PROJECT,
}
_COLUMN = {
    PolicyLevel.GLOBAL: Policy.global_org_id,
    PolicyLevel.DOMAIN: Policy.org_id,
    PolicyLevel.PRODUCT: Policy.product_id,
    PolicyLevel.PROJECT: Policy.project_id,
}
_FIELD = {
    PolicyLevel.GLOBAL: "global_org_id",
    PolicyLevel.DOMAIN: "org_id",
    PolicyLevel.PRODUCT: "product_id",
    PolicyLevel.PROJECT: "project_id",
}


@dataclass(frozen=True)
class PolicyView:
    """A stored policy with its owner, as responses show it."""

    id: int
    level: PolicyLevel
    name: str
    owner: tuple[int, str, str] | None  # id, email, name
    priority: int
    filter: dict[str, Any]
    action: dict[str, Any]
    inclusive: bool
    enabled: bool
    created_at: datetime


def _chain(scope: Scope, aggregate: bool) -> list[tuple[PolicyLevel, int]]:
    """The scope's own (level, id) and, with ``aggregate``, its ancestors', narrowest
    first."""
    chain = []
    for level in (Level.PROJECT, Level.PRODUCT, Level.ORG, Level.GLOBAL_ORG):
        ref = scope.ref(level)
        if ref is not None:
            chain.append((LEVEL_OF_SCOPE[level], ref.id))
    return chain if aggregate else chain[:1]


def list_policies(db: Session, scope: Scope, *, aggregate: bool = False) -> list[PolicyView]:
    """The scope's policies in deciding order; with ``aggregate`` those of the scopes
    above it too (project, then product, organization, global organization)."""
    chain = _chain(scope, aggregate)
    rows = db.execute(
        select(Policy, User.id, User.email, User.name)
        .outerjoin(User, User.id == Policy.owner_id)
        .where(or_(*(_COLUMN[level] == scope_id for level, scope_id in chain)))
    ).all()
    views = [_policy_view(*row) for row in rows]
    return sorted(views, key=lambda v: (v.level.precedence, v.priority, v.id))


def add_policy(
    db: Session, scope: Scope, fields: dict[str, Any], caller: Caller, now: datetime
) -> PolicyView:
    """Store a new policy at the scope (``fields`` from ``normalize_policy``). Without
    a priority it goes last; with one it is inserted there and the others move down."""
    level, scope_id = _chain(scope, False)[0]
    owner_id = _owner(db, scope, fields.get("owner"), caller)
    _check_action(db, scope, fields["action"], caller)
    count = len(_ids_in_order(db, level, scope_id))  # locks them: adds queue up
    priority = min(fields.get("priority", count + 1), count + 1)
    _shift(db, level, scope_id, priority)
    policy = Policy(
        level=level.value,
        name=fields["name"],
        owner_id=owner_id,
        priority=priority,
        filter=fields["filter"],
        action=fields["action"],
        inclusive=fields.get("inclusive", False),
        enabled=fields.get("enabled", True),
        created_at=now,
        modified_at=now,
        **{_FIELD[level]: scope_id},
    )
    db.add(policy)
    db.flush()
    _changed(db, scope, caller, now, Change("POLICY", "CREATED", after=policy.name))
    return _view(db, policy.id)


def update_policy(
    db: Session, scope: Scope, policy_id: int, fields: dict[str, Any], caller: Caller, now: datetime
) -> PolicyView:
    """Change the fields given of one of the scope's policies."""
    level, scope_id = _chain(scope, False)[0]
    policy = db.scalar(
        select(Policy).where(Policy.id == policy_id, _COLUMN[level] == scope_id).with_for_update()
    )
    if policy is None:
        raise InvalidParameter("policy", f"no policy with id {policy_id} in this scope")
    before = policy.name
    if "owner" in fields:
        policy.owner_id = _owner(db, scope, fields["owner"], caller)
    if "action" in fields:
        _check_action(db, scope, fields["action"], caller)
    for name in ("name", "filter", "action", "inclusive", "enabled"):
        if name in fields:
            setattr(policy, name, fields[name])
    if "priority" in fields and fields["priority"] != policy.priority:
        ordered = [p for p in _ids_in_order(db, level, scope_id) if p != policy.id]
        ordered.insert(min(fields["priority"], len(ordered) + 1) - 1, policy.id)
        _renumber(db, ordered)
    policy.modified_at = now
    db.flush()
    _changed(db, scope, caller, now, Change("POLICY", "UPDATED", before=before, after=policy.name))
    return _view(db, policy.id)


def remove_policies(
    db: Session, scope: Scope, policy_ids: Collection[int], caller: Caller, now: datetime
) -> int:
    """Delete these policies of the scope; the others keep their order. All or none:
    an id that is not a policy of this scope refuses the whole request."""
    level, scope_id = _chain(scope, False)[0]
    ordered = _ids_in_order(db, level, scope_id)
    unknown = sorted(set(policy_ids) - set(ordered))
    if unknown:
        raise InvalidParameter(
            "policyIds", f"no policy in this scope with id {', '.join(map(str, unknown))}"
        )
    removed = set(policy_ids)
    names = list(db.scalars(select(Policy.name).where(Policy.id.in_(removed))))
    db.execute(delete(Policy).where(Policy.id.in_(removed)))
    _renumber(db, [p for p in ordered if p not in removed])
    for name in names:
        record_change(db, now, caller, scope, Change("POLICY", "DELETED", before=name))
    _mark_due(db, scope)
    return len(removed)


def reorder_policies(
    db: Session, scope: Scope, policy_ids: Sequence[int], caller: Caller, now: datetime
) -> list[PolicyView]:
    """Give the scope's policies the order of ``policy_ids``, which must name each of
    them exactly once."""
    level, scope_id = _chain(scope, False)[0]
    current = _ids_in_order(db, level, scope_id)
    if sorted(policy_ids) != sorted(current):
        raise InvalidParameter(
            "policyIds",
            "must list every policy of this scope exactly once "
            f"(its policies: {', '.join(map(str, sorted(current))) or 'none'})",
        )
    _renumber(db, list(policy_ids))
    _changed(db, scope, caller, now, Change("POLICY", "MOVED", after=list(policy_ids)))
    return list_policies(db, scope)


def change_owner(
    db: Session,
    scope: Scope,
    new_owner: dict[str, Any],
    current_owner: dict[str, Any] | None,
    caller: Caller,
    now: datetime,
) -> int:
    """Give every policy of the organization (its own, its products' and its
    projects'), or only those ``current_owner`` owns, to ``new_owner``; returns how
    many changed hands."""
    org_id = scope.require(Level.ORG).id
    new_id = _owner(db, scope, new_owner, caller)
    in_org = or_(
        Policy.org_id == org_id,
        Policy.product_id.in_(select(Product.id).where(Product.org_id == org_id)),
        Policy.project_id.in_(select(Project.id).where(Project.org_id == org_id)),
    )
    query = update(Policy).where(in_org, Policy.owner_id.is_distinct_from(new_id))
    if current_owner is not None:
        query = query.where(Policy.owner_id == _owner(db, scope, current_owner, caller))
    changed = int(
        getattr(db.execute(query.values(owner_id=new_id, modified_at=now)), "rowcount", 0)
    )
    if changed:
        record_change(db, now, caller, scope, Change("POLICY", "OWNER_CHANGED", after=changed))
    return changed


# --- rules for evaluation ------------------------------------------------------------


def rules_for_projects(db: Session, project_ids: Collection[int]) -> dict[int, list[PolicyRule]]:
    """For each project, the enabled policies that decide for its libraries, in
    deciding order (project, product, organization, global organization; then
    priority). Projects under no policy are left out. Two statements."""
    chains = db.execute(
        select(Project.id, Project.product_id, Project.org_id, Organization.global_org_id)
        .join(Organization, Organization.id == Project.org_id)
        .where(Project.id.in_(list(project_ids)))
    ).all()
    if not chains:
        return {}
    by_scope = _enabled_rules(
        db,
        {
            PolicyLevel.PROJECT: {c[0] for c in chains},
            PolicyLevel.PRODUCT: {c[1] for c in chains},
            PolicyLevel.DOMAIN: {c[2] for c in chains},
            PolicyLevel.GLOBAL: {c[3] for c in chains if c[3] is not None},
        },
    )
    rules = {}
    for project, product, org, global_org in chains:
        chain = [
            *by_scope.get((PolicyLevel.PROJECT, project), []),
            *by_scope.get((PolicyLevel.PRODUCT, product), []),
            *by_scope.get((PolicyLevel.DOMAIN, org), []),
            *by_scope.get((PolicyLevel.GLOBAL, global_org), []),
        ]
        if chain:
            rules[project] = chain
    return rules


def rules_for_scope(db: Session, scope: Scope) -> list[PolicyRule]:
    """The enabled policies deciding at a scope and above (for a project the agent is
    about to create: its product's, organization's and global organization's)."""
    chain = _chain(scope, True)
    by_scope = _enabled_rules(db, {level: {scope_id} for level, scope_id in chain})
    return [rule for level, scope_id in chain for rule in by_scope.get((level, scope_id), [])]


def _enabled_rules(
    db: Session, ids: dict[PolicyLevel, set[int]]
) -> dict[tuple[PolicyLevel, int | None], list[PolicyRule]]:
    clauses: list[ColumnElement[bool]] = [
        _COLUMN[level].in_(sorted(scope_ids)) for level, scope_ids in ids.items() if scope_ids
    ]
    rows = db.execute(
        select(
            Policy.id,
            Policy.level,
            Policy.global_org_id,
            Policy.org_id,
            Policy.product_id,
            Policy.project_id,
            Policy.name,
            Policy.filter,
            Policy.action,
            Policy.inclusive,
        )
        .where(Policy.enabled.is_(True), or_(false(), *clauses))
        .order_by(Policy.priority, Policy.id)
    ).all()
    found: dict[tuple[PolicyLevel, int | None], list[PolicyRule]] = defaultdict(list)
    for pid, level, g, o, pr, pj, name, flt, action, inclusive in rows:
        policy_level = PolicyLevel(level)
        scope_id = {
            PolicyLevel.GLOBAL: g,
            PolicyLevel.DOMAIN: o,
            PolicyLevel.PRODUCT: pr,
            PolicyLevel.PROJECT: pj,
        }[policy_level]
        found[(policy_level, scope_id)].append(
            PolicyRule(pid, name, policy_level, flt, action, inclusive)
        )
    return found


# --- helpers -------------------------------------------------------------------------


def _view(db: Session, policy_id: int) -> PolicyView:
    row = db.execute(
        select(Policy, User.id, User.email, User.name)
        .outerjoin(User, User.id == Policy.owner_id)
        .where(Policy.id == policy_id)
    ).one()
    return _policy_view(*row)


def _policy_view(p: Policy, uid: int | None, email: str | None, name: str | None) -> PolicyView:
    owner = (uid, email or "", name or "") if uid is not None else None
    return PolicyView(
        p.id,
        PolicyLevel(p.level),
        p.name,
        owner,
        p.priority,
        p.filter,
        p.action,
        p.inclusive,
        p.enabled,
        p.created_at,
    )


def _ids_in_order(db: Session, level: PolicyLevel, scope_id: int) -> list[int]:
    return list(
        db.scalars(
            select(Policy.id)
            .where(_COLUMN[level] == scope_id)
            .order_by(Policy.priority, Policy.id)
            .with_for_update()
        )
    )


def _shift(db: Session, level: PolicyLevel, scope_id: int, start: int) -> None:
    """Move the scope's policies from ``start`` on one place down."""
    db.execute(
        update(Policy)
        .where(_COLUMN[level] == scope_id, Policy.priority >= start)
        .values(priority=Policy.priority + 1)
    )


def _renumber(db: Session, ordered: Sequence[int]) -> None:
    if ordered:
        db.execute(
            update(Policy),
            [{"id": pid, "priority": n} for n, pid in enumerate(ordered, start=1)],
        )


def _owner(db: Session, scope: Scope, owner: dict[str, Any] | None, caller: Caller) -> int:
    """The owner's user id: the user the reference names, who must belong to the
    scope's organization (any user for a global organization's policy); the caller when
    no owner is given."""
    if owner is None:
        return caller.id
    query = select(User.id)
    if "id" in owner:  # checked an integer id by normalize_policy
        query = query.where(User.id == owner["id"])
    elif "email" in owner:
        query = query.where(func.lower(User.email) == str(owner["email"]).lower())
    else:
        query = query.where(User.name == str(owner["name"]))
    if scope.org is not None:
        query = query.join(OrgMember, OrgMember.user_id == User.id).where(
            OrgMember.org_id == scope.org.id
        )
    found = list(db.scalars(query.limit(2)))
    if len(found) != 1:
        which = "several users" if found else "no user"
        raise InvalidParameter("policy", f"'owner' names {which} of this organization")
    return found[0]


def _check_action(db: Session, scope: Scope, action: dict[str, Any], caller: Caller) -> None:
    """A REASSIGN action's group must be a group of the scope's organization, and its
    user a member of it."""
    if action["type"] != ActionType.REASSIGN:
        return
    if "user" in action:
        try:
            _owner(db, scope, action["user"], caller)
        except InvalidParameter:
            raise InvalidParameter(
                "policy", "'action.user' names no user of this organization"
            ) from None
    if "group" not in action:
        return
    group_id = action["group"].get("id")
    query = select(Group.id).where(Group.id == group_id)
    if scope.org is not None:
        query = query.where(Group.org_id == scope.org.id)
    if not isinstance(group_id, int) or db.scalar(query) is None:
        raise InvalidParameter("policy", "'action.group' names no group of this organization")


def _changed(db: Session, scope: Scope, caller: Caller, now: datetime, change: Change) -> None:
    record_change(db, now, caller, scope, change)
    _mark_due(db, scope)


def _mark_due(db: Session, scope: Scope) -> None:
    """The projects under the scope derive their alerts again."""
    target = scope.target
    if scope.level is Level.PROJECT:
        where = Project.id == target.project_id
    elif scope.level is Level.PRODUCT:
        where = Project.product_id == target.product_id
    elif scope.level is Level.ORG:
        where = Project.org_id == target.org_id
    else:
        where = Project.org_id.in_(
            select(Organization.id).where(Organization.global_org_id == target.global_org_id)
        )
    db.execute(
        update(Project).where(where, Project.analysis_due.is_(False)).values(analysis_due=True)
    )

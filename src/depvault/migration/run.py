"""One migration run: read the source's structure, plan, then the phases in order,
each object committed with its progress step; the JSON report at the end.

Phases: structure → people → policies → inventories (queued, then processed: the
alerts derive here) → restoring vitals dates → in-house marks and notices → alert
statuses → pending approval tasks (derived here by the migrated policies, checked
against the source's) → service-user keys. A run killed anywhere is resumed by the
same command with ``--resume``: what is recorded is skipped, the rest is done, and
the report counts everything the run (all its attempts) moved.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update

from depvault.domain.timefmt import utcnow
from depvault.errors import DepvaultError
from depvault.migration import decisions, inventories, people, structure
from depvault.migration.plan import Plan, plan_structure
from depvault.migration.progress import RunState, Steps, find_run, finish_run, start_run
from depvault.migration.reading import (
    SourceScope,
    Structure,
    read_alert_decisions,
    read_notices,
    read_structure,
)
from depvault.migration.source import SourceClient
from depvault.store.engine.db import Database
from depvault.store.models import Library, Organization, Product, Project
from depvault.store.policies.pending_tasks import open_tasks

__all__ = ["Options", "Phases", "migrate"]

# What the protocol does not expose, so no run can carry it (printed in every report).
NOT_CARRIED = [
    "user keys (secrets no API discloses): see peopleNeedingKeys",
    "creation dates of users, groups, policies and alerts (set to the time of the run)",
    "alert and policy histories before the run (the last status, comment and date are kept)",
    "library copyrights and descriptions the source's inventory answers do not carry",
    "update and request history (getProjectLastModification starts with the migration)",
    "global-organization policies and membership (only the organization is moved)",
]


class Phases(Protocol):
    """Where a run reports its progress (the CLI draws it with rich)."""

    def start(self, name: str, total: int | None) -> None: ...
    def advance(self, done: int) -> None: ...


@dataclass(frozen=True)
class Options:
    """The command line of one run."""

    source_url: str
    org_token: str
    into_org: str | None = None
    new_org: str | None = None
    dry_run: bool = False
    resume: bool = False


def migrate(
    database: Database,
    client: SourceClient,
    options: Options,
    phases: Phases,
    emit_keys: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Run (or, with ``dry_run``, plan) one migration; returns the report. ``emit_keys``
    prints the report holding new service-user keys before they count as delivered."""
    started = time.monotonic()
    choice = structure.TargetChoice(options.into_org, options.new_org)
    run = find_run(database, client.url, options.org_token)
    if run is not None and not options.resume and not options.dry_run:
        state = "finished" if run.finished_at else "was interrupted"
        raise DepvaultError(
            f"a migration of this organization from {client.url} started "
            f"{run.started_at:%Y-%m-%d %H:%M} and {state}: run again with --resume to "
            "continue it (nothing is duplicated)"
        )
    phases.start("reading the source organization", None)
    source = read_structure(client, options.org_token)
    steps = Steps.load(database, run.id) if run else Steps(0, {})
    target_org_id = run.target_org_id if run else None
    if target_org_id is None and options.into_org:
        with database.transaction(write=False) as db:
            target_org_id = db.scalar(
                select(Organization.id).where(Organization.token == options.into_org)
            )
    with database.transaction(write=False) as db:
        plan = plan_structure(db, source, target_org_id, steps)
        problem = "" if run else structure.organization_problem(db, source, choice)
    if options.dry_run:
        planned = plan.as_json(source)
        if problem:
            planned["conflicts"].insert(
                0, {"kind": "organization", "name": source.org.name, "token": source.org.token,
                    "reason": problem}
            )  # fmt: skip
        return {"dryRun": True, "source": client.url, "wouldCreate": planned}
    if problem:
        raise DepvaultError(problem)
    if run is None:
        run = start_run(database, client.url, options.org_token, utcnow())
        steps = Steps(run.id, {})
    return _run(database, client, source, plan, run, steps, choice, phases, emit_keys, started)


def _run(
    database: Database,
    client: SourceClient,
    source: Structure,
    plan: Plan,
    run: RunState,
    steps: Steps,
    choice: structure.TargetChoice,
    phases: Phases,
    emit_keys: Callable[[dict[str, Any]], None],
    started: float,
) -> dict[str, Any]:
    org = structure.write_organization(database, source, choice, steps)
    counter = _Counter(phases)
    counter.start("products and projects", len(source.products) + len(source.projects))
    structure.write_structure(database, source, plan, org, steps, counter.tick)
    phases.start("people, groups and roles", None)
    people.write_people(database, source, org, steps)
    phases.start("policies", len(source.policies))
    decisions.write_policies(database, source, org, steps)
    moving = [p for p in source.projects if p.token in set(plan.projects)]
    counter.start("reading inventories", len(moving))
    for project in moving:
        if not steps.is_done("inventory", project.token):
            inventories.queue_inventory(database, client, project, steps)
        counter.tick()
    tokens = [t for p in moving if (t := steps.target("inventory", p.token))]
    phases.start("writing inventories and deriving alerts", len(tokens))
    inventories.drain(database, tokens, phases.advance)
    _restore_dates(database, moving, source.products)
    phases.start("in-house marks and notices", None)
    notices = {
        p.token: read_notices(client, p.token)
        for p in source.products
        if p.token in set(plan.products) and not steps.is_done("notices", p.token)
    }
    decisions.write_marks(database, source, org, steps, notices)
    counter.start("alert statuses", len(moving))
    for project in moving:
        if not steps.is_done("alert-statuses", project.token):
            found = read_alert_decisions(client, project.token)
            decisions.apply_alert_decisions(database, project.token, found, steps)
        counter.tick()
    report = _report(database, client, source, plan, org.org.id if org.org else 0, steps)
    report["seconds"] = round(time.monotonic() - started, 1)
    keys = people.issue_service_keys(database, source, org, steps)
    finish_run(database, run.id, report, utcnow())
    emit_keys({**report, "serviceUserKeys": keys})
    people.record_keys_delivered(database, keys, source, steps)
    return {**report, "serviceUserKeys": keys}


class _Counter:
    def __init__(self, phases: Phases) -> None:
        self.phases, self.done = phases, 0

    def start(self, name: str, total: int) -> None:
        self.done = 0
        self.phases.start(name, total)

    def tick(self) -> None:
        self.done += 1
        self.phases.advance(self.done)


def _restore_dates(
    database: Database, moving: list[SourceScope], products: list[SourceScope]
) -> None:
    """The source's last-updated dates, which creating projects and writing their
    inventories moved to now."""
    with database.transaction() as db:
        for model, scopes in ((Product, products), (Project, moving)):
            for scope in scopes:
                if scope.updated is not None:
                    db.execute(
                        update(model)
                        .where(model.token == scope.token)
                        .values(updated_at=scope.updated)
                    )


def _outcomes(steps: Steps, kind: str, counted: str) -> tuple[int, list[Any]]:
    """What the steps of a kind carried and did not find, over every attempt."""
    total, missing = 0, []
    for step_kind, key in list(steps.done):
        if step_kind == kind:
            recorded = json.loads(steps.target(kind, key) or "{}")
            total += recorded.get(counted, 0)
            missing.extend(recorded.get("unmatched", []))
    return total, missing


def _report(
    database: Database,
    client: SourceClient,
    source: Structure,
    plan: Plan,
    org_id: int,
    steps: Steps,
) -> dict[str, Any]:
    matched, unmatched = _outcomes(steps, "alert-statuses", "matched")
    in_house, unmatched_in_house = _outcomes(steps, "in-house", "carried")
    notices, unmatched_notices = _outcomes(steps, "notices", "carried")
    with database.transaction(write=False) as db:
        target = db.get_one(Organization, org_id)
        tasks_here = {
            (t.project_token, t.library_id, t.policy_name) for t in open_tasks(db, org_id)
        }
        keys = (
            dict(db.execute(select(Library.key_uuid, Library.id)).tuples().all())
            if source.pending_tasks
            else {}
        )
    unmatched_tasks = [
        {"projectToken": t["project"]["projectToken"], "library": t["library"]["keyUuid"],
         "policy": t["policy"]["name"]}
        for t in source.pending_tasks
        if (t["project"]["projectToken"], keys.get(t["library"]["keyUuid"]), t["policy"]["name"])
        not in tasks_here
    ]  # fmt: skip
    service = sum(1 for p in source.people if p.service)
    return {
        "dryRun": False,
        "source": client.url,
        "sourceOrganization": {"name": source.org.name, "token": source.org.token},
        "targetOrganization": {"name": target.name, "token": target.token},
        "counts": {
            "products": steps.count("product"),
            "projects": steps.count("project"),
            "attributeValues": steps.count("attribute"),
            "users": steps.count("user") - service,
            "serviceUsers": service,
            "groups": steps.count("group"),
            "roleScopes": steps.count("roles"),
            "policies": steps.count("policy"),
            "inventories": steps.count("inventory"),
            "alertStatuses": matched,
            "inHouseLibraries": in_house,
            "notices": notices,
            "pendingTasks": len(source.pending_tasks) - len(unmatched_tasks),
        },
        "conflicts": [c.as_json() for c in plan.conflicts],
        "unmatchedAlertStatuses": unmatched,
        "unmatchedPendingTasks": unmatched_tasks,
        "unmatchedMarks": {
            "inHouse": unmatched_in_house,
            "notices": unmatched_notices,
        },
        "peopleNeedingKeys": people.people_needing_keys(database, source, steps),
        "notCarried": NOT_CARRIED,
        "sourceRequests": client.requests,
        "sourceRetries": client.retried,
    }

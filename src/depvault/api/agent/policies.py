"""The agent's ``CHECK_POLICY_COMPLIANCE`` and ``CHECK_POLICIES``: which policy decides
for each sent library, so a CI build can fail on a rejected one (``checkPolicies``).

The projects and libraries are found as an update would find them (product and project
by token or name, libraries by identity) and nothing of them is created or stored; the
one write is a count of what the check rejected (``store.plugin_checks``, read by the
Plugin Policy Violation report).
A project depvault holds is judged by its own policies and those above it; one an update
would create, by its product's (or, for a new product, its organization's). The caller
needs read access to the product (the organization for a new product): the answer shows
the organization's policies.

A library's facts are those an update would leave in the catalog: a library already
known keeps its catalog licenses and ``keyUuid``; a new one gets the sent licenses
normalised as inventory writes normalise them, and no ``keyUuid``. Its vulnerabilities
come from the live knowledge base, as CHECK_VULNERABILITIES finds them.

Every dependency is checked: ``forceCheckAllDependencies`` (Mend's switch between
checking only libraries new to the project and all of them) changes nothing.
``populateVulnerabilities=true`` fills each ResourceInfo's vulnerabilities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from depvault.analysis.matching import affected_by
from depvault.api.agent.check import vulnerability_info
from depvault.api.agent.form import CheckScope, authenticated_projects, check_scope
from depvault.api.agent.policy_tree import Describe, policy_info, project_node, resource_info
from depvault.config import Config
from depvault.domain.identity import LibraryIdentity, identify
from depvault.domain.inventory import Component, Inventory
from depvault.domain.osv.packages import osv_package
from depvault.domain.osv.records import headline_score, v13_band
from depvault.domain.policies import (
    ActionType,
    LibraryFacts,
    PolicyRule,
    VulnerabilityFacts,
    deciding_policy,
)
from depvault.domain.scope import Ref
from depvault.domain.timefmt import utcnow
from depvault.errors import NotFound
from depvault.gc_pause import paused_collection
from depvault.ingest.agent import AgentProject
from depvault.ingest.licensing import license_facts
from depvault.store.engine.bulk import ids_by_key
from depvault.store.engine.db import Database
from depvault.store.inventories import hierarchy
from depvault.store.inventories.library_reads import scope_library_ids
from depvault.store.inventories.reads import LibraryRow, libraries_by_id
from depvault.store.knowledge.vulnerability_reads import AdvisoryView, advisories_by_id
from depvault.store.models import Library
from depvault.store.policies.plugin_checks import CheckedBy, SeenViolation, record_plugin_violations
from depvault.store.policies.rules import rules_for_projects, rules_for_scope

__all__ = ["POLICY_CHECKS", "check_policies", "check_policy_compliance"]


@dataclass(frozen=True)
class _Target:
    """A sent project: the depvault project it names (None: one an update would
    create), the policies deciding for it, and what was sent for it."""

    name: str
    project_id: int | None
    rules: list[PolicyRule]
    inventory: Inventory
    key_of_ref: dict[str, str]


@dataclass
class _Library:
    """A sent library, with its catalog entry (when known) and live advisories."""

    identity: LibraryIdentity
    component: Component
    catalog: LibraryRow | None = None
    advisories: list[AdvisoryView] = field(default_factory=list)

    def facts(self) -> LibraryFacts:
        """What its policy is judged on: what an update would leave in the catalog."""
        known, ident = self.catalog, self.identity
        licenses = known.licenses if known else license_facts(self.component.licenses).licenses
        return LibraryFacts(
            key_uuid=known.key_uuid if known else "",
            sha1=known.sha1 if known else ident.sha1,
            group_id=ident.group_id,
            artifact_id=ident.name,
            version=ident.version,
            library_type=ident.library_type,
            ecosystem=ident.ecosystem,
            licenses=tuple(licenses),
            vulnerabilities=tuple(
                VulnerabilityFacts(
                    v13_band(a.band),
                    headline_score(a.cvss3_score, a.cvss4_score, a.cvss2_score),
                    a.scored,
                    a.known_exploited,
                    bool(a.known_ransomware),
                    a.epss,
                )
                for a in self.advisories
            ),
            advisory_ids=tuple(a.id for a in self.advisories),
        )


def check_policy_compliance(database: Database, fields: dict[str, str], config: Config) -> Any:
    """The envelope data of CHECK_POLICY_COMPLIANCE (CheckPolicyComplianceResult)."""
    # a check allocates per library as an analysis does (``gc_pause``): 10 % of a
    # 10,000-dependency check went to collections that found nothing
    with paused_collection():
        return _check(database, fields, config, new_resources=False)


def check_policies(database: Database, fields: dict[str, str], config: Config) -> Any:
    """The envelope data of CHECK_POLICIES (CheckPoliciesResult): the same trees, and
    per project the sent libraries its inventory does not hold yet."""
    with paused_collection():
        return _check(database, fields, config, new_resources=True)


# The agent's request type → the envelope data of its answer.
POLICY_CHECKS: dict[str, Callable[[Database, dict[str, str], Config], Any]] = {
    "CHECK_POLICY_COMPLIANCE": check_policy_compliance,
    "CHECK_POLICIES": check_policies,
}


def _check(
    database: Database, fields: dict[str, str], config: Config, *, new_resources: bool
) -> dict[str, Any]:
    projects = authenticated_projects(database, fields, config)
    populate = fields.get("populateVulnerabilities", "").strip().lower() == "true"
    libraries: dict[str, _Library] = {}
    refs: list[dict[str, str]] = []
    for project in projects:
        refs.append({})
        for component in project.inventory.components:
            identity = identify(component)
            refs[-1][component.ref] = identity.key
            libraries.setdefault(identity.key, _Library(identity, component))
    with database.transaction(write=False) as db:
        where, targets = _targets(db, fields, projects, refs)
        _load(db, libraries)
        held = _held(db, targets) if new_resources else {}
    facts = {key: library.facts() for key, library in libraries.items()}
    # each library judged once per project, however often its tree repeats it
    decisions = [
        {key: deciding_policy(target.rules, facts[key]) for key in set(target.key_of_ref.values())}
        for target in targets
    ]
    _record_rejections(database, fields, where, targets, decisions, libraries)
    resources = {key: _resource(lib, facts[key], populate) for key, lib in libraries.items()}
    data: dict[str, Any] = {
        "organization": where.org.name,
        "existingProjects": {},
        "newProjects": {},
    }
    for target, decided in zip(targets, decisions, strict=True):
        side = "newProjects" if target.project_id is None else "existingProjects"
        describe = _describer(decided, resources)
        data[side][target.name] = project_node(
            target.name, target.inventory, target.key_of_ref, describe
        )
    if new_resources:
        data["projectNewResources"] = {
            target.name: [
                resources[key]
                for key in dict.fromkeys(target.key_of_ref.values())
                if not _holds(held, target, libraries[key])
            ]
            for target in targets
        }
    return data


def _describer(
    decided: dict[str, PolicyRule | None], resources: dict[str, dict[str, Any]]
) -> Describe:
    """A project's (ResourceInfo, RequestPolicyInfo or None) by library key, each
    built once however often the tree repeats the library."""
    described: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}

    def describe(key: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if key not in described:
            rule = decided[key]
            described[key] = (resources[key], policy_info(rule) if rule is not None else None)
        return described[key]

    return describe


def _record_rejections(
    database: Database,
    fields: dict[str, str],
    where: CheckScope,
    targets: list[_Target],
    decisions: list[dict[str, PolicyRule | None]],
    libraries: dict[str, _Library],
) -> None:
    """Count what the check rejected, for the Plugin Policy Violation report: the one
    write of a check, in its own short transaction."""
    seen = []
    for target, decided in zip(targets, decisions, strict=True):
        for key in dict.fromkeys(target.key_of_ref.values()):
            rule = decided[key]
            if rule is None or rule.action_type is not ActionType.REJECT:
                continue
            identity = libraries[key].identity
            seen.append(
                SeenViolation(
                    where.product_name,
                    target.name,
                    key,
                    identity.filename,
                    identity.version or "",
                    rule.id,
                    rule.name,
                    rule.level.value,
                )
            )
    if not seen:
        return
    by = CheckedBy(fields.get("agent", ""), fields.get("agentVersion", ""), where.caller.email)
    with database.transaction() as db:
        record_plugin_violations(db, where.org.id, seen, by, utcnow())


def _targets(
    db: Session, fields: dict[str, str], projects: list[AgentProject], refs: list[dict[str, str]]
) -> tuple[CheckScope, list[_Target]]:
    """Where the check looks (caller, organization, product), and each sent project
    with its deciding policies, found as UPDATE finds them, after the caller's read
    access is checked."""
    where = check_scope(db, fields, projects, "a policy check")
    product, product_name, scope = where.product, where.product_name, where.scope
    found: list[Ref | None] = []
    for project in projects:
        ref = None
        if product is not None:
            ref = hierarchy.find_project(db, product.id, token=project.token, name=project.name)
        if ref is None and project.token:
            raise NotFound(
                f"No project of product {product_name!r} has the token {project.token!r}"
            )
        found.append(ref)
    existing = rules_for_projects(db, [ref.id for ref in found if ref is not None])
    inherited = rules_for_scope(db, scope) if None in found else []
    return (
        where,
        [
            _Target(
                ref.name if ref else project.name,
                ref.id if ref else None,
                existing.get(ref.id, []) if ref else inherited,
                project.inventory,
                key_of_ref,
            )
            for project, ref, key_of_ref in zip(projects, found, refs, strict=True)
        ],
    )


def _load(db: Session, libraries: dict[str, _Library]) -> None:
    """Attach each library's catalog entry (when known) and live advisories."""
    known = ids_by_key(db, Library, list(libraries))
    rows = libraries_by_id(db, known.values())
    by_package: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, library in libraries.items():
        library.catalog = rows.get(known[key]) if key in known else None
        ident = library.identity
        package = osv_package(ident.ecosystem, ident.group_id, ident.name)
        if package is not None and ident.version:
            by_package[package].append((key, ident.version))
    found = affected_by(db, by_package)
    advisories = advisories_by_id(db, {advisory for _, advisory in found})
    for key, advisory in sorted(found, key=lambda pair: advisories[pair[1]].name):
        libraries[key].advisories.append(advisories[advisory])


def _held(db: Session, targets: list[_Target]) -> dict[int, set[int]]:
    """The catalog ids of the libraries each existing project's inventory holds."""
    held: dict[int, set[int]] = {}
    for target in targets:
        if target.project_id is not None:
            which = hierarchy.ProjectFilter(project_id=target.project_id)
            held[target.project_id] = set(db.scalars(scope_library_ids(which)))
    return held


def _holds(held: dict[int, set[int]], target: _Target, library: _Library) -> bool:
    if target.project_id is None or library.catalog is None:
        return False
    return library.catalog.id in held.get(target.project_id, set())


def _resource(library: _Library, facts: LibraryFacts, populate: bool) -> dict[str, Any]:
    """The library's ResourceInfo: its licenses as judged, its vulnerabilities when
    the agent asked for them."""
    component, known = library.component, library.catalog
    homepage = dict(component.references).get("homePage") or (
        known.references.get("homePage") if known else None
    )
    return resource_info(
        library.identity.filename,
        licenses=[name for _, name in facts.licenses],
        sha1=library.identity.sha1,
        homepage=homepage,
        description=component.description or (known.description if known else None),
        vulnerabilities=[vulnerability_info(a) for a in library.advisories] if populate else None,
    )

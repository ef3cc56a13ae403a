"""What policies decide for a derivation batch: REJECTED_BY_POLICY_RESOURCE alerts, and
the violations CREATE_ISSUE policies find (``analysis.policy_issues`` keeps those), and
the approvals REASSIGN policies ask for (``analysis.pending_tasks``).

For each project of a derivation batch the store gives the enabled policies in deciding
order (``store.policies.rules_for_projects``); each library the project holds is judged
by ``domain.policies.deciding_policy`` over its facts (coordinates, licenses, the
advisories that affect it). A library whose first matching policy is REJECT gets one
alert per (project, library), whose description names the policy, as Mend's do; one
whose first matching policy is CREATE_ISSUE gets its violations recorded as issues.
Projects under no policy cost one query and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertKey, AlertType
from depvault.domain.osv.records import headline_score, v13_band
from depvault.domain.policies import (
    ActionType,
    LibraryFacts,
    VulnerabilityFacts,
    deciding_policy,
    violations,
)
from depvault.store.engine.id_lists import among
from depvault.store.models import Advisory, LibraryLicense, LibraryVulnerability
from depvault.store.policies.rules import rules_for_projects

__all__ = [
    "Assignment",
    "IssueKey",
    "LibraryColumns",
    "PolicyOutcome",
    "TaskKey",
    "Violation",
    "library_facts",
    "policy_outcome",
    "rejection_description",
]

LIBRARIES_PER_QUERY = 5000


def rejection_description(policy_name: str) -> str:
    """The text of a policy alert: the policy that rejected the library."""
    return f"Rejected by policy '{policy_name}'"


class LibraryColumns(NamedTuple):
    """The catalog columns filters look at, as the derivation's inventory query reads
    them (so they are not read twice)."""

    key_uuid: str
    sha1: str | None
    group_id: str | None
    name: str
    version: str | None
    library_type: str
    ecosystem: str


# (project, library, policy, advisory or 0) → (policy name, violation type)
IssueKey = tuple[int, int, int, int]
Violation = tuple[str, str]
# (project, library, policy) → (policy name, assignee: the action's group or user)
TaskKey = tuple[int, int, int]
Assignment = tuple[str, dict[str, Any]]


@dataclass
class PolicyOutcome:
    """What the policies decided for a batch."""

    rejections: dict[AlertKey, str] = field(default_factory=dict)
    issues: dict[IssueKey, Violation] = field(default_factory=dict)
    tasks: dict[TaskKey, Assignment] = field(default_factory=dict)


def policy_outcome(
    db: Session, holdings: Mapping[int, Collection[int]], columns: Mapping[int, LibraryColumns]
) -> PolicyOutcome:
    """The policy alerts and issues the projects deserve; ``holdings`` maps each project
    of the batch to the library ids in its inventory, ``columns`` gives each library's."""
    outcome = PolicyOutcome()
    rules = rules_for_projects(db, list(holdings))
    if not rules:
        return outcome
    facts = library_facts(db, {lib for project in rules for lib in holdings[project]}, columns)
    for project, project_rules in rules.items():
        for library in holdings[project]:
            rule = deciding_policy(project_rules, facts[library])
            if rule is None:
                continue
            if rule.action_type is ActionType.REJECT:
                key = AlertKey(project, AlertType.REJECTED_BY_POLICY_RESOURCE, library)
                outcome.rejections[key] = rejection_description(rule.name)
            elif rule.action_type is ActionType.CREATE_ISSUE:
                for kind, advisory in violations(rule, facts[library]):
                    issue = (project, library, rule.id, advisory or 0)
                    outcome.issues[issue] = (rule.name, kind)
            elif rule.action_type is ActionType.REASSIGN:
                assignee = {k: dict(v) for k, v in rule.action.items() if k in ("group", "user")}
                outcome.tasks[(project, library, rule.id)] = (rule.name, assignee)
    return outcome


def library_facts(
    db: Session, library_ids: Iterable[int], columns: Mapping[int, LibraryColumns]
) -> dict[int, LibraryFacts]:
    """What policy filters look at, for these catalog libraries: their columns, and
    their licenses and advisories (two set-based queries per chunk)."""
    ordered = sorted(set(library_ids))
    facts: dict[int, LibraryFacts] = {}
    for start in range(0, len(ordered), LIBRARIES_PER_QUERY):
        chunk = ordered[start : start + LIBRARIES_PER_QUERY]
        licenses: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for lib, license_id, name in db.execute(
            select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
            .where(among(db, LibraryLicense.library_id, chunk))
            .order_by(LibraryLicense.library_id, LibraryLicense.license_id)
        ):
            licenses[lib].append((license_id, name))
        vulnerabilities: dict[int, list[VulnerabilityFacts]] = defaultdict(list)
        advisories: dict[int, list[int]] = defaultdict(list)
        for lib, advisory, band, v3, v4, v2, scored, kev, ransomware, epss in db.execute(
            select(
                LibraryVulnerability.library_id,
                Advisory.id,
                Advisory.band,
                Advisory.cvss3_score,
                Advisory.cvss4_score,
                Advisory.cvss2_score,
                Advisory.scored,
                Advisory.kev_date_added,
                Advisory.known_ransomware,
                Advisory.epss,
            )
            .join(Advisory, Advisory.id == LibraryVulnerability.advisory_id)
            .where(among(db, LibraryVulnerability.library_id, chunk))
        ):
            vulnerabilities[lib].append(
                VulnerabilityFacts(
                    v13_band(band),
                    headline_score(v3, v4, v2),
                    bool(scored),
                    kev is not None or ransomware is not None,
                    bool(ransomware),
                    epss,
                )
            )
            advisories[lib].append(advisory)
        for lib in chunk:
            c = columns[lib]
            facts[lib] = LibraryFacts(
                c.key_uuid,
                c.sha1,
                c.group_id,
                c.name,
                c.version,
                c.library_type,
                c.ecosystem,
                tuple(licenses.get(lib, ())),
                tuple(vulnerabilities.get(lib, ())),
                tuple(advisories.get(lib, ())),
            )
    return facts

"""REJECTED_BY_POLICY_RESOURCE alerts: the libraries whose deciding policy rejects them.

For each project of a derivation batch the store gives the enabled policies in deciding
order (``store.policies.rules_for_projects``); each library the project holds is judged
by ``domain.policies.deciding_policy`` over its facts (coordinates, licenses, the
advisories that affect it). A library whose first matching policy is REJECT gets one
alert per (project, library), whose description names the policy, as Mend's do.
Projects under no policy cost one query and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertKey, AlertType
from depvault.domain.osv_records import v13_band
from depvault.domain.policies import ActionType, LibraryFacts, deciding_policy
from depvault.store.id_lists import among
from depvault.store.models import Advisory, Library, LibraryLicense, LibraryVulnerability
from depvault.store.policies import rules_for_projects

__all__ = ["library_facts", "policy_rejections", "rejection_description"]

LIBRARIES_PER_QUERY = 5000


def rejection_description(policy_name: str) -> str:
    """The text of a policy alert: the policy that rejected the library."""
    return f"Rejected by policy '{policy_name}'"


def policy_rejections(db: Session, held: Mapping[int, Collection[int]]) -> dict[AlertKey, str]:
    """The policy alerts the projects deserve; ``held`` maps each project of the batch
    to the library ids in its inventory."""
    rules = rules_for_projects(db, list(held))
    if not rules:
        return {}
    facts = library_facts(db, {lib for project in rules for lib in held[project]})
    wanted = {}
    for project, project_rules in rules.items():
        for library in held[project]:
            rule = deciding_policy(project_rules, facts[library])
            if rule is not None and rule.action_type is ActionType.REJECT:
                key = AlertKey(project, AlertType.REJECTED_BY_POLICY_RESOURCE, library)
                wanted[key] = rejection_description(rule.name)
    return wanted


def library_facts(db: Session, library_ids: Iterable[int]) -> dict[int, LibraryFacts]:
    """What policy filters look at, for these catalog libraries: three set-based
    queries per chunk."""
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
        vulnerabilities: dict[int, list[tuple[str, float | None]]] = defaultdict(list)
        for lib, band, v3, v4, v2 in db.execute(
            select(
                LibraryVulnerability.library_id,
                Advisory.band,
                Advisory.cvss3_score,
                Advisory.cvss4_score,
                Advisory.cvss2_score,
            )
            .join(Advisory, Advisory.id == LibraryVulnerability.advisory_id)
            .where(among(db, LibraryVulnerability.library_id, chunk))
        ):
            # the CVSS score a person reads first: v3, else v4, else v2
            score = next((s for s in (v3, v4, v2) if s is not None), None)
            vulnerabilities[lib].append((v13_band(band), score))
        for row in db.execute(
            select(
                Library.id,
                Library.key_uuid,
                Library.sha1,
                Library.group_id,
                Library.name,
                Library.version,
                Library.library_type,
                Library.ecosystem,
            ).where(among(db, Library.id, chunk))
        ):
            facts[row.id] = LibraryFacts(
                key_uuid=row.key_uuid,
                sha1=row.sha1,
                group_id=row.group_id,
                artifact_id=row.name,
                version=row.version,
                library_type=row.library_type,
                ecosystem=row.ecosystem,
                licenses=tuple(licenses.get(row.id, ())),
                vulnerabilities=tuple(vulnerabilities.get(row.id, ())),
            )
    return facts

"""The agent's ``CHECK_VULNERABILITIES``: which of the sent libraries are vulnerable.

Read-only: the libraries are identified as an update would identify them and evaluated
against the knowledge base, and nothing is stored. The caller needs read access to the
product the form names (to the organization when an update would create it), as for
the policy checks. The answer is the agent's
CheckVulnerabilitiesResult, ``{"resourceInfos": [ResourceInfo]}``, listing the
vulnerable libraries with their vulnerabilities (name, severity band, score).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from depvault.analysis.matching import affected_by
from depvault.api.agent.form import authenticated_projects, check_scope
from depvault.config import Config
from depvault.domain.identity import LibraryIdentity, identify
from depvault.domain.inventory import Component
from depvault.domain.osv.packages import osv_package
from depvault.domain.osv.records import v13_band
from depvault.store.engine.db import Database
from depvault.store.knowledge.vulnerability_reads import AdvisoryView, advisories_by_id

__all__ = ["check_vulnerabilities", "vulnerability_info"]


def check_vulnerabilities(database: Database, fields: dict[str, str], config: Config) -> Any:
    """The envelope data of a CHECK_VULNERABILITIES request."""
    projects = authenticated_projects(database, fields, config)
    libraries: dict[str, tuple[LibraryIdentity, Component]] = {}
    for project in projects:
        for component in project.inventory.components:
            identity = identify(component)
            libraries.setdefault(identity.key, (identity, component))
    by_package: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, (identity, _) in libraries.items():
        package = osv_package(identity.ecosystem, identity.group_id, identity.name)
        if package is not None and identity.version:
            by_package[package].append((key, identity.version))
    with database.transaction(write=False) as db:
        check_scope(db, fields, projects, "a vulnerability check")
        found = affected_by(db, by_package)
        advisories = advisories_by_id(db, {advisory for _, advisory in found})
    vulnerable: dict[str, list[int]] = defaultdict(list)
    for key, advisory in sorted(found, key=lambda pair: (pair[0], advisories[pair[1]].name)):
        vulnerable[key].append(advisory)
    resources = []
    for key, advisory_ids in vulnerable.items():
        identity, component = libraries[key]
        homepage = dict(component.references).get("homePage", "")
        resources.append(
            {
                "displayName": identity.filename,
                "link": homepage,
                "licenses": list(component.licenses),
                "sha1": identity.sha1 or "",
                "homepageUrl": homepage,
                "description": component.description or "",
                "vulnerabilities": [vulnerability_info(advisories[a]) for a in advisory_ids],
            }
        )
    return {"resourceInfos": resources}


def vulnerability_info(advisory: AdvisoryView) -> dict[str, Any]:
    score = next(
        (
            s
            for s in (advisory.cvss3_score, advisory.cvss4_score, advisory.cvss2_score)
            if s is not None
        ),
        None,
    )
    return {
        "name": advisory.name,
        "severity": v13_band(advisory.band),
        "score": score if score is not None else 0.0,  # the agent's float cannot be null
        "scored": advisory.scored,
        "elements": [],
    }

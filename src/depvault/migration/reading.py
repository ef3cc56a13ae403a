"""What a migration reads from the source, as frozen values.

Structure and people come in a handful of organization-level requests (vitals, tags,
users, groups, assignments, policies); a project's inventory and alert decisions come
per project, when the run reaches it, so memory follows one project rather than the
organization. Every request here is a v1.3 read any Mend-speaking server answers; the
source key needs the organization's administrator role (assignments and users are
admin requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from depvault.domain.timefmt import parse_timestamp
from depvault.migration.source import SourceClient, SourceError

__all__ = [
    "AlertDecision",
    "Assignments",
    "AttributeValue",
    "SourceGroup",
    "SourceOrg",
    "SourcePerson",
    "SourcePolicy",
    "SourceScope",
    "Structure",
    "parse_date",
    "read_alert_decisions",
    "read_notices",
    "read_structure",
]


def parse_date(text: str | None) -> datetime | None:
    """A protocol date (``yyyy-MM-dd[ HH:mm:ss][ +0000]``) as naive UTC, None if absent
    or unreadable (a source that formats dates its own way keeps ours)."""
    if not text:
        return None
    try:
        return parse_timestamp(str(text).removesuffix(" +0000"))
    except ValueError:
        return None


@dataclass(frozen=True)
class SourceScope:
    """A product or project of the source with the facts vitals and tags expose."""

    token: str
    name: str
    created: datetime | None
    updated: datetime | None
    tags: dict[str, list[str]]
    product_token: str | None = None  # a project's product
    plugin_name: str | None = None
    uploaded_by: str | None = None
    last_scan_comment: str | None = None


@dataclass(frozen=True)
class SourceOrg:
    """The source organization as ``getOrganizationDetails`` shows it."""

    token: str
    name: str
    created: datetime | None
    global_org_token: str | None


@dataclass(frozen=True)
class SourcePerson:
    """A member of the source organization (a service user is recreated, not matched)."""

    email: str
    name: str
    service: bool


@dataclass(frozen=True)
class SourceGroup:
    """A group with its members' e-mail addresses."""

    name: str
    description: str
    members: tuple[str, ...]
    source_id: int | None = None  # what REASSIGN policies name it by


@dataclass(frozen=True)
class Assignments:
    """The roles at one organization or product: role → user e-mails, role → group names."""

    users: dict[str, list[str]]
    groups: dict[str, list[str]]


@dataclass(frozen=True)
class AttributeValue:
    """One custom attribute value (the Attributes report's rows)."""

    attribute: str
    value: str
    product: str | None
    project: str | None


@dataclass(frozen=True)
class SourcePolicy:
    """One policy as read, at the scope (level, token) it belongs to, in deciding order."""

    level: str  # "org", "product" or "project"
    scope_token: str
    policy: dict[str, Any]


@dataclass(frozen=True)
class Structure:
    """Everything organization-wide a run needs before it walks projects."""

    org: SourceOrg
    products: list[SourceScope]
    projects: list[SourceScope]
    attributes: list[AttributeValue]
    people: list[SourcePerson]
    groups: list[SourceGroup]
    org_roles: Assignments
    product_roles: dict[str, Assignments]
    policies: list[SourcePolicy]
    in_house: list[str]  # keyUuids
    pending_tasks: list[dict[str, Any]] = field(default_factory=list)


def _assignments(answer: dict[str, Any]) -> Assignments:
    return Assignments(
        users={r: [u["email"] for u in us] for r, us in answer.get("userRoles", {}).items()},
        groups={r: [g["name"] for g in gs] for r, gs in answer.get("groupRoles", {}).items()},
    )


def _tags(items: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    return {item["token"]: item.get("tags") or {} for item in items}


def read_structure(client: SourceClient, org_token: str) -> Structure:
    """The organization, its products and projects, people, roles and policies."""
    org = {"orgToken": org_token}
    details = client.call("getOrganizationDetails", **org)
    product_tags = _tags(client.call("getOrganizationProductTags", **org)["productTags"])
    project_tags = _tags(client.call("getOrganizationProjectTags", **org)["projectTags"])
    products = [
        _scope(p, product_tags)
        for p in client.call("getOrganizationProductVitals", **org)["productVitals"]
    ]
    projects = [
        _scope(p, project_tags)
        for p in client.call("getOrganizationProjectVitals", **org)["projectVitals"]
    ]
    rows = client.call("getOrganizationAttributesReport", format="json", **org)
    attributes = [
        AttributeValue(
            r["attribute"], r["value"], r.get("product") or None, r.get("project") or None
        )
        for r in _attribute_rows(rows)
    ]
    people = [
        SourcePerson(u["email"], u["name"], u.get("userType") == "SERVICE")
        for u in client.call("getAllUsers", **org)["users"]
    ]
    groups = [
        SourceGroup(
            g["name"],
            g.get("description") or "",
            tuple(u["email"] for u in g["users"]),
            g.get("id"),
        )
        for g in client.call("getAllGroups", **org)["groups"]
    ]
    product_roles = {
        p.token: _assignments(client.call("getProductAssignments", productToken=p.token))
        for p in products
    }
    return Structure(
        org=SourceOrg(
            token=details["orgToken"],
            name=details["orgName"],
            created=parse_date(details.get("creationDate")),
            global_org_token=details.get("globalOrgToken"),
        ),
        products=products,
        projects=projects,
        attributes=attributes,
        people=people,
        groups=groups,
        org_roles=_assignments(client.call("getOrganizationAssignments", **org)),
        product_roles=product_roles,
        policies=list(_policies(client, org_token, products, projects)),
        in_house=[
            lib["keyUuid"]
            for lib in client.call("getOrganizationInHouseLibraries", **org)["libraries"]
        ],
        pending_tasks=client.call("getDomainPendingTasks", **org)["pendingTaskInfos"],
    )


def _scope(vitals: dict[str, Any], tags: dict[str, dict[str, list[str]]]) -> SourceScope:
    """A product or project from its vitals (a project's name its product)."""
    return SourceScope(
        token=vitals["token"],
        name=vitals["name"],
        created=parse_date(vitals.get("creationDate")),
        updated=parse_date(vitals.get("lastUpdatedDate")),
        tags=tags.get(vitals["token"], {}),
        product_token=vitals.get("productToken"),
        plugin_name=vitals.get("pluginName"),
        uploaded_by=vitals.get("uploadedBy"),
        last_scan_comment=vitals.get("lastScanComment"),
    )


def _attribute_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows under their root, keys lower-cased to one spelling."""
    rows = answer.get("attributes") or []
    return [{_key(k): v for k, v in row.items()} for row in rows]


def _key(name: str) -> str:
    lowered = name.replace(" ", "").lower()
    return {"attributename": "attribute", "productname": "product", "projectname": "project"}.get(
        lowered, lowered
    )


def _policies(
    client: SourceClient, org_token: str, products: list[SourceScope], projects: list[SourceScope]
) -> Iterator[SourcePolicy]:
    """Every policy of the organization, its products and projects, each scope's in
    deciding order (the order the read answers them in)."""
    scopes = [("org", "getOrganizationPolicies", "orgToken", org_token)]
    scopes += [("product", "getProductPolicies", "productToken", p.token) for p in products]
    scopes += [("project", "getProjectPolicies", "projectToken", p.token) for p in projects]
    for level, request, parameter, token in scopes:
        for policy in client.call(request, **{parameter: token})["policies"]:
            yield SourcePolicy(level, token, policy)


@dataclass(frozen=True)
class AlertDecision:
    """An alert status a person chose (Ignored) or the source set (Resolved), with the
    comment and date, named so it can be found again here."""

    project_token: str
    status: str
    alert_type: str
    library: str  # keyUuid for ignored alerts; the file name for resolved ones
    vulnerability: str
    comment: str
    modified: datetime | None
    user: str | None = None  # who chose it, from the alert's history where shown

    def describe(self) -> dict[str, Any]:
        """The decision as the run's report lists an unmatched one."""
        return {
            "projectToken": self.project_token,
            "status": self.status,
            "type": self.alert_type,
            "library": self.library,
            "vulnerability": self.vulnerability,
            "comments": self.comment,
        }


def read_alert_decisions(client: SourceClient, project_token: str) -> list[AlertDecision]:
    """The project's ignored alerts (full alert objects) and resolved ones (the
    Resolved Alerts report: libraries by file name)."""
    scope = {"projectToken": project_token}
    decisions = [
        _ignored(project_token, a)
        for a in client.call("getProjectIgnoredAlerts", **scope)["alerts"]
    ]
    try:
        resolved = client.call("getProjectResolvedAlertsReport", format="json", **scope)["alerts"]
    except SourceError:
        resolved = []  # a source without the report: nothing to carry, nothing to match
    decisions += [
        AlertDecision(
            project_token,
            "Resolved",
            r.get("alertType", ""),
            r.get("library", ""),
            r.get("vulnerability") or "",
            r.get("comments") or "",
            parse_date(r.get("modifiedDate")),
        )
        for r in resolved
    ]
    return decisions


def _ignored(project_token: str, alert: dict[str, Any]) -> AlertDecision:
    """An ignored alert; its history's last Ignored entry (when the source shows one)
    gives who ignored it and the exact time, the alert's modifiedDate the day."""
    chosen = [h for h in alert.get("statusHistory") or [] if h.get("status") == "Ignored"]
    last = chosen[-1] if chosen else {}
    return AlertDecision(
        project_token,
        "Ignored",
        alert["type"],
        alert["library"]["keyUuid"],
        (alert.get("vulnerability") or {}).get("name", ""),
        alert.get("comments") or "",
        parse_date(last.get("date")) or parse_date(alert.get("modifiedDate")),
        last.get("user") or None,
    )


SEPARATOR_CHARS = frozenset("=")


def read_notices(client: SourceClient, product_token: str) -> list[tuple[str, str, str | None]]:
    """The product's library notices from ``getNoticesTextFile``: (library file name,
    text, reference), parsed from the layout the SDK's ``get_lib_notice`` reads."""
    lines = client.text("getNoticesTextFile", productToken=product_token).splitlines()
    notices: list[tuple[str, str, str | None]] = []
    current: list[str] | None = None
    for line in [*lines[1:], "="]:
        if line and set(line) <= SEPARATOR_CHARS:
            if current and current[0].startswith("Library: "):
                filename = current[0].removeprefix("Library: ")
                body = current[1:]
                reference = None
                if body and body[0].startswith("Reference: "):
                    reference = body[0].removeprefix("Reference: ")
                    body = body[1:]
                notices.append((filename, "\n".join(body).strip(), reference))
            current = []
        elif current is not None:
            current.append(line)
    return notices

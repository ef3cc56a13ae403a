"""Global Org / Organization / Product / Project requests (catalog §6.6).

Creating and listing organizations, organization details, products and projects with
their vitals, recently modified projects, global-organization assignment and moving
projects between products.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import Field, field_validator

from depvault.api.answer_cache import answer_cache_of
from depvault.api.authorize import require_access, require_visible
from depvault.api.call import Call
from depvault.api.handlers.shapes.common import product_vitals_json, vitals_item
from depvault.api.request_types import (
    Category,
    JsonBytes,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Access, Level
from depvault.domain.scope import Ref, Scope
from depvault.domain.timefmt import format_date, format_timestamp, parse_timestamp
from depvault.errors import InvalidParameter, NotFound, UnknownToken, UserNotFound
from depvault.store.inventories import hierarchy
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.vitals_reads import organization_vitals_version, vitals_rows
from depvault.store.knowledge.sources import open_gaps, projects_gaps
from depvault.store.organizations import orgs as organizations
from depvault.store.organizations import people
from depvault.store.organizations.changelog import Change, record_change
from depvault.store.organizations.people import RoleScope
from depvault.store.organizations.scopes import resolve_token

__all__ = ["REQUEST_TYPES"]

Name = Field(min_length=1, max_length=255)


# --- global organizations and organizations --------------------------------------------


class CreateGlobalOrg(Params):
    name: str = Name
    account_admin_email: str = Field(min_length=3, max_length=320)


def create_global_org(call: Call, params: CreateGlobalOrg) -> Result:
    """A new global organization administered by an existing user."""
    admin = people.find_user(call.db, params.account_admin_email)
    if admin is None:
        raise UserNotFound(f"No user has the e-mail address {params.account_admin_email!r}")
    ref = organizations.create_global_org(call.db, params.name, call.now)
    people.replace_role(call.db, RoleScope(global_org_id=ref.id), "administrators", [admin.id], [])
    record_change(
        call.db,
        call.now,
        call.caller,
        Scope(Level.GLOBAL_ORG, global_org=ref),
        Change("ENTITY", "CREATED", after={"name": ref.name, "admin": admin.email}),
    )
    return {
        "globalOrgToken": ref.token,
        "message": f"Successfully created global organization {ref.name}",
    }


class CreateOrganization(Params):
    org_name: str = Name
    admin_email: str | None = Field(default=None, min_length=3, max_length=320)


def create_organization(call: Call, params: CreateOrganization) -> Result:
    """A new organization in the caller's global organization (depvault extension)."""
    global_org = call.scope.require(Level.GLOBAL_ORG)
    admin = None
    if params.admin_email is not None:
        admin = people.find_user(call.db, params.admin_email)
        if admin is None:
            raise UserNotFound(f"No user has the e-mail address {params.admin_email!r}")
    org = organizations.create_organization(call.db, params.org_name, call.now, global_org.id)
    if admin is not None:
        people.add_member(call.db, org.id, admin.id, call.now, invited_by=call.caller.email)
        people.replace_role(call.db, RoleScope(org_id=org.id), "administrators", [admin.id], [])
    record_change(
        call.db,
        call.now,
        call.caller,
        Scope(Level.ORG, global_org=global_org, org=org),
        Change("ENTITY", "CREATED", after={"name": org.name}),
    )
    return {"orgToken": org.token, "message": f"Successfully created organization {org.name}"}


class GlobalOrgTarget(Params):
    global_org_token: str = Field(min_length=1)


def _target_global_org(call: Call, params: GlobalOrgTarget) -> Ref:
    scope = resolve_token(call.db, Level.GLOBAL_ORG, params.global_org_token)
    if scope is None:
        raise UnknownToken("globalOrgToken")
    require_visible(call.db, call.caller, scope, "globalOrgToken")
    require_access(call.db, call.caller, scope, Access.ADMIN, call.request_type)
    return scope.require(Level.GLOBAL_ORG)


def assign_global_org(call: Call, params: GlobalOrgTarget) -> Result:
    """Put the organization under a global organization administered by the caller. An
    organization is in one global organization at most: it leaves the one it was in,
    and the answer says so."""
    target = _target_global_org(call, params)
    before = call.scope.global_org
    if before is not None and before.id == target.id:
        return {"message": f"Organization {call.org.name} already belongs to {target.name}"}
    organizations.set_global_org(call.db, call.org.id, target.id)
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change(
            "GLOBAL_ORGANIZATION",
            "ASSIGNED",
            before=before.name if before else None,
            after=target.name,
        ),
    )
    message = f"Successfully assigned organization {call.org.name} to {target.name}"
    if before is not None:
        message += f"; it left its previous global organization {before.name}"
    return {"message": message}


def remove_global_org(call: Call, params: GlobalOrgTarget) -> Result:
    """Take the organization out of its global organization."""
    target = _target_global_org(call, params)
    current = call.scope.global_org
    if current is None or current.id != target.id:
        raise InvalidParameter(
            "globalOrgToken", f"organization {call.org.name} does not belong to it"
        )
    organizations.set_global_org(call.db, call.org.id, None)
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change("GLOBAL_ORGANIZATION", "REMOVED", before=target.name),
    )
    return {"message": f"Successfully removed organization {call.org.name} from {target.name}"}


def get_all_organizations(call: Call, params: NoParams) -> Result:
    """The organizations of a global organization."""
    global_org = call.scope.require(Level.GLOBAL_ORG)
    rows = organizations.organizations_of_global_org(call.db, global_org.id)
    return {"organizations": [_org_json(o) for o in rows]}


def get_organization_details(call: Call, params: NoParams) -> Result:
    """The organization's name, token, creation date and sizes."""
    return _org_json(organizations.organization_details(call.db, call.org.id))


def _org_json(org: organizations.OrganizationDetails) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orgId": org.id,
        "orgName": org.name,
        "orgToken": org.token,
        "creationDate": format_date(org.created_at),
        "numberOfProducts": org.products,
        "numberOfProjects": org.projects,
        "numberOfUsers": org.users,
        "numberOfGroups": org.groups,
    }
    if org.global_org_token:
        item["globalOrgToken"] = org.global_org_token
    return item


# --- products and projects -------------------------------------------------------------


def get_all_products(call: Call, params: NoParams) -> Result:
    """Every product of the organization: id, name, token."""
    rows = hierarchy.list_products(call.db, call.org.id)
    return {
        "products": [
            {"productId": p.id, "productName": p.name, "productToken": p.token} for p in rows
        ]
    }


def get_organization_product_vitals(call: Call, params: NoParams) -> Result:
    """Vitals of the organization's products."""
    rows = hierarchy.list_products(call.db, call.org.id)
    return {"productVitals": [product_vitals_json(p) for p in rows]}


def get_product_vitals(call: Call, params: NoParams) -> Result:
    """Vitals of one product, as a one-item list."""
    rows = hierarchy.list_products(call.db, call.org.id, only={call.product.id})
    return {"productVitals": [product_vitals_json(p) for p in rows]}


def get_all_projects(call: Call, params: NoParams) -> Result:
    """Every project of the product: id, name, token."""
    rows = hierarchy.list_projects(call.db, ProjectFilter(product_id=call.product.id))
    return {
        "projects": [
            {"projectId": p.id, "projectName": p.name, "projectToken": p.token} for p in rows
        ]
    }


def _project_vitals(call: Call, which: ProjectFilter) -> Result:
    """The vitals; a project holding libraries of an ecosystem the knowledge base knows
    nothing about carries ``knowledgeGaps`` (depvault's extra field: its security alerts
    are incomplete until that ecosystem syncs).

    An organization's list (thousands of projects) is kept as JSON bytes while its
    vitals counter stays put and no knowledge gap is open: the counter moves, through
    triggers, with any change of a project or product the vitals show, in whichever
    process made it."""
    open_ecosystems = open_gaps(call.db)
    if which.org_id is not None and not open_ecosystems:
        return _cached_vitals(call, which)
    rows = vitals_rows(call.db, which)
    gaps = projects_gaps(call.db, [r[0] for r in rows]) if open_ecosystems else {}
    items = []
    for row in rows:
        item = vitals_item(row)
        if row[0] in gaps:
            item["knowledgeGaps"] = gaps[row[0]]
        items.append(item)
    return {"projectVitals": items}


def _cached_vitals(call: Call, which: ProjectFilter) -> Result:
    assert which.org_id is not None
    cache = answer_cache_of(call.db)
    version = organization_vitals_version(call.db, which.org_id)
    key = ("projectVitals", which.org_id, which.only_products)
    if cache is not None:
        body = cache.get(key, version)
        if body is not None:
            return JsonBytes(body)
    # Read after the version: the rows are at least as new as it (a newer change only
    # makes the next request rebuild), never older.
    body = orjson.dumps({"projectVitals": [vitals_item(r) for r in vitals_rows(call.db, which)]})
    if cache is not None:
        cache.put(key, version, body)
    return JsonBytes(body)


def get_organization_project_vitals(call: Call, params: NoParams) -> Result:
    """Vitals of the organization's projects (a product role sees its products' only)."""
    return _project_vitals(
        call, ProjectFilter(org_id=call.org.id, only_products=call.visible_product_ids)
    )


def get_product_project_vitals(call: Call, params: NoParams) -> Result:
    """Vitals of the product's projects."""
    return _project_vitals(call, ProjectFilter(product_id=call.product.id))


def get_project_vitals(call: Call, params: NoParams) -> Result:
    """Vitals of one project, as a one-item list."""
    return _project_vitals(call, ProjectFilter(project_id=call.project.id))


class LastModifiedProjects(Params):
    from_date_time: str
    to_date_time: str
    include_request_token: bool = False

    @field_validator("from_date_time", "to_date_time")
    @classmethod
    def _timestamp(cls, value: str) -> str:
        parse_timestamp(value)
        return value

    def window(self) -> tuple[datetime, datetime]:
        start, end = parse_timestamp(self.from_date_time), parse_timestamp(self.to_date_time)
        if end < start:
            raise InvalidParameter("toDateTime", "must not be earlier than fromDateTime")
        return start, end


def get_last_modified_projects(call: Call, params: LastModifiedProjects) -> Result:
    """Projects whose inventory changed in a time window (GMT, both ends included)."""
    which = ProjectFilter(org_id=call.org.id, updated_between=params.window())
    items = []
    for p in hierarchy.list_projects(call.db, which):
        item: dict[str, Any] = {
            "apiToken": p.token,
            "projectId": p.id,
            "projectName": p.name,
            "productName": p.product_name,
            "productToken": p.product_token,
            "lastUpdatedDate": format_timestamp(p.updated_at),
        }
        if params.include_request_token:
            item["requestToken"] = p.last_request_token
        items.append(item)
    return {"lastModifiedProjects": items}


class ChangeProjectsProduct(Params):
    project_tokens: list[str] = Field(min_length=1)
    product_token: str = Field(min_length=1)


def change_projects_product(call: Call, params: ChangeProjectsProduct) -> Result:
    """Move projects of the organization into another of its products, in one step."""
    target = resolve_token(call.db, Level.PRODUCT, params.product_token)
    if target is None or target.require(Level.ORG).id != call.org.id:
        raise NotFound("productToken names no product of this organization")
    product = target.require(Level.PRODUCT)
    moved = hierarchy.move_projects(
        call.db, call.org.id, params.project_tokens, product.id, call.now
    )
    for project, previous_product in moved:
        record_change(
            call.db,
            call.now,
            call.caller,
            Scope(
                Level.PROJECT,
                global_org=call.scope.global_org,
                org=call.org,
                product=product,
                project=Ref(project.id, project.token, project.name),
            ),
            Change("PRODUCT", "MOVED", before=previous_product, after=product.name),
        )
    return {"message": f"Successfully moved {len(moved)} project(s) to product {product.name}"}


REQUEST_TYPES = in_category(
    Category.ORGANIZATION,
    [
        RequestType(
            "createGlobalOrg",
            Level.NONE,
            CreateGlobalOrg,
            create_global_org,
            access=Access.ADMIN,
            writes=True,
            site_admin_only=True,
            summary="Create a global organization (site administrator only).",
        ),
        RequestType(
            "createOrganization",
            Level.GLOBAL_ORG,
            CreateOrganization,
            create_organization,
            access=Access.ADMIN,
            writes=True,
            extension=True,
            summary="Create an organization in a global organization; adminEmail, an "
            "existing user, becomes its administrator.",
        ),
        RequestType(
            "assignGlobalOrgToOrg",
            Level.ORG,
            GlobalOrgTarget,
            assign_global_org,
            access=Access.ADMIN,
            writes=True,
            token_params=frozenset({"globalOrgToken"}),
            summary=(
                "Put the organization under a global organization the caller administers; "
                "it leaves its previous global organization, and the answer names it."
            ),
        ),
        RequestType(
            "removeGlobalOrgFromOrg",
            Level.ORG,
            GlobalOrgTarget,
            remove_global_org,
            access=Access.ADMIN,
            writes=True,
            token_params=frozenset({"globalOrgToken"}),
            summary=(
                "Take the organization out of its global organization; its own "
                "administrators keep administering it, and `depvault org list` shows it."
            ),
        ),
        RequestType("getAllOrganizations", Level.GLOBAL_ORG, NoParams, get_all_organizations),
        RequestType("getOrganizationDetails", Level.ORG, NoParams, get_organization_details),
        RequestType("getAllProducts", Level.ORG, NoParams, get_all_products),
        RequestType(
            "getOrganizationProductVitals", Level.ORG, NoParams, get_organization_product_vitals
        ),
        RequestType("getProductVitals", Level.PRODUCT, NoParams, get_product_vitals),
        RequestType("getAllProjects", Level.PRODUCT, NoParams, get_all_projects),
        RequestType(
            "getOrganizationProjectVitals",
            Level.ORG,
            NoParams,
            get_organization_project_vitals,
            product_roles_may_call_org=True,
        ),
        RequestType("getProductProjectVitals", Level.PRODUCT, NoParams, get_product_project_vitals),
        RequestType("getProjectVitals", Level.PROJECT, NoParams, get_project_vitals),
        RequestType(
            "getOrganizationLastModifiedProjects",
            Level.ORG,
            LastModifiedProjects,
            get_last_modified_projects,
        ),
        RequestType(
            "changeProjectsProduct",
            Level.ORG,
            ChangeProjectsProduct,
            change_projects_product,
            access=Access.ADMIN,
            writes=True,
            token_params=frozenset({"productToken"}),
            summary="Move projects (projectTokens) into the product named by productToken.",
        ),
    ],
)

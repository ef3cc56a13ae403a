"""Product- and project-level requests that need no inventory (catalog §6.7): creating
and deleting products and projects, and their tags at every scope."""

from __future__ import annotations

from pydantic import Field

from depvault.api.call import Call
from depvault.api.handlers.shapes.common import tag_set_json
from depvault.api.request_types import (
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    admin_request,
    in_category,
)
from depvault.domain.access import Level
from depvault.domain.scope import Scope
from depvault.errors import NotFound
from depvault.store.inventories import hierarchy
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import ProductTag, ProjectTag
from depvault.store.organizations.changelog import Change, record_change

__all__ = ["REQUEST_TYPES"]


class CreateProduct(Params):
    product_name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=4000)


def create_product(call: Call, params: CreateProduct) -> Result:
    """A new product of the organization (2001 when the name is taken)."""
    ref = hierarchy.create_product(
        call.db, call.org.id, params.product_name, call.now, params.description
    )
    scope = Scope(Level.PRODUCT, global_org=call.scope.global_org, org=call.org, product=ref)
    record_change(
        call.db, call.now, call.caller, scope, Change("ENTITY", "CREATED", after={"name": ref.name})
    )
    return {"productToken": ref.token, "message": f"Successfully created product {ref.name}"}


def delete_product(call: Call, params: NoParams) -> Result:
    """Delete the product with its projects and everything under them, in one step."""
    product = call.product
    hierarchy.delete_product(call.db, product.id)
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change("ENTITY", "DELETED", before={"name": product.name}),
    )
    return {"message": f"Successfully deleted product {product.name}"}


class CreateProject(Params):
    project_name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=4000)


def create_project(call: Call, params: CreateProject) -> Result:
    """A new, empty project of the product (2010 when the name is taken)."""
    ref = hierarchy.create_project(
        call.db, call.org.id, call.product.id, params.project_name, call.now, params.description
    )
    scope = Scope(
        Level.PROJECT,
        global_org=call.scope.global_org,
        org=call.org,
        product=call.product,
        project=ref,
    )
    record_change(
        call.db, call.now, call.caller, scope, Change("ENTITY", "CREATED", after={"name": ref.name})
    )
    return {"projectToken": ref.token, "message": f"Successfully created project {ref.name}"}


def delete_project(call: Call, params: NoParams) -> Result:
    """Delete the project and its whole inventory, in one step."""
    project = call.project
    hierarchy.delete_project(call.db, project.id)
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change("ENTITY", "DELETED", before={"name": project.name}),
    )
    return {"message": f"Successfully deleted project {project.name}"}


# --- tags ------------------------------------------------------------------------------


class Tag(Params):
    tag_key: str = Field(min_length=1, max_length=255)
    tag_value: str = Field(min_length=1, max_length=255)


def _tag_change(call: Call, aspect: str, params: Tag) -> None:
    tag = {"key": params.tag_key, "value": params.tag_value}
    change = (
        Change("TAG", aspect, after=tag) if aspect == "ADDED" else Change("TAG", aspect, before=tag)
    )
    record_change(call.db, call.now, call.caller, call.scope, change)


def save_product_tag(call: Call, params: Tag) -> Result:
    """Tag the product with ``tagKey: tagValue`` (a key may carry several values)."""
    if hierarchy.add_tag(call.db, ProductTag, call.product.id, params.tag_key, params.tag_value):
        _tag_change(call, "ADDED", params)
    return {"message": "Successfully saved product tag"}


def remove_product_tag(call: Call, params: Tag) -> Result:
    """Remove one ``tagKey: tagValue`` tag of the product."""
    if not hierarchy.remove_tag(
        call.db, ProductTag, call.product.id, params.tag_key, params.tag_value
    ):
        raise NotFound(f"The product has no tag {params.tag_key}:{params.tag_value}")
    _tag_change(call, "REMOVED", params)
    return {"message": "Successfully removed product tag"}


def save_project_tag(call: Call, params: Tag) -> Result:
    """Tag the project with ``tagKey: tagValue`` (a key may carry several values)."""
    if hierarchy.add_tag(call.db, ProjectTag, call.project.id, params.tag_key, params.tag_value):
        _tag_change(call, "ADDED", params)
    return {"message": "Successfully saved project tag"}


def remove_project_tag(call: Call, params: Tag) -> Result:
    """Remove one ``tagKey: tagValue`` tag of the project."""
    if not hierarchy.remove_tag(
        call.db, ProjectTag, call.project.id, params.tag_key, params.tag_value
    ):
        raise NotFound(f"The project has no tag {params.tag_key}:{params.tag_value}")
    _tag_change(call, "REMOVED", params)
    return {"message": "Successfully removed project tag"}


def get_organization_product_tags(call: Call, params: NoParams) -> Result:
    """Tags of every product of the organization."""
    products = hierarchy.list_products(call.db, call.org.id)
    tags = hierarchy.product_tags(call.db, call.org.id, products)
    return {"productTags": [tag_set_json(t) for t in tags]}


def get_product_tags(call: Call, params: NoParams) -> Result:
    """Tags of the product, as a one-item list."""
    products = hierarchy.list_products(call.db, call.org.id, only={call.product.id})
    tags = hierarchy.product_tags(call.db, call.org.id, products)
    return {"productTags": [tag_set_json(t) for t in tags]}


def _project_tags(call: Call, which: ProjectFilter) -> Result:
    return {"projectTags": [tag_set_json(t) for t in hierarchy.project_tags(call.db, which)]}


def get_organization_project_tags(call: Call, params: NoParams) -> Result:
    """Tags of every project of the organization."""
    return _project_tags(call, ProjectFilter(org_id=call.org.id))


def get_product_project_tags(call: Call, params: NoParams) -> Result:
    """Tags of every project of the product."""
    return _project_tags(call, ProjectFilter(product_id=call.product.id))


def get_project_tags(call: Call, params: NoParams) -> Result:
    """Tags of the project, as a one-item list."""
    return _project_tags(call, ProjectFilter(project_id=call.project.id))


REQUEST_TYPES = in_category(
    Category.PRODUCT_AND_PROJECT,
    [
        admin_request("createProduct", Level.ORG, CreateProduct, create_product, writes=True),
        admin_request("deleteProduct", Level.PRODUCT, NoParams, delete_product, writes=True),
        admin_request("createProject", Level.PRODUCT, CreateProject, create_project, writes=True),
        admin_request("deleteProject", Level.PROJECT, NoParams, delete_project, writes=True),
        admin_request("saveProductTag", Level.PRODUCT, Tag, save_product_tag, writes=True),
        admin_request("removeProductTag", Level.PRODUCT, Tag, remove_product_tag, writes=True),
        admin_request("saveProjectTag", Level.PROJECT, Tag, save_project_tag, writes=True),
        admin_request("removeProjectTag", Level.PROJECT, Tag, remove_project_tag, writes=True),
        RequestType(
            "getOrganizationProductTags", Level.ORG, NoParams, get_organization_product_tags
        ),
        RequestType("getProductTags", Level.PRODUCT, NoParams, get_product_tags),
        RequestType(
            "getOrganizationProjectTags", Level.ORG, NoParams, get_organization_project_tags
        ),
        RequestType("getProductProjectTags", Level.PRODUCT, NoParams, get_product_project_tags),
        RequestType("getProjectTags", Level.PROJECT, NoParams, get_project_tags),
    ],
)

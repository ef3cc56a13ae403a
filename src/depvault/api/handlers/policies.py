"""Policies requests (catalog §6.1): reading, adding, updating, removing and reordering
the policies of a global organization, an organization, a product or a project.

A policy read from one scope can be added to another as it is (ws-copy-policy does
exactly that): the fields the server assigns are ignored on the way in. Writes need an
administrator of the scope (or above); every write makes the projects under the scope
derive their alerts again, so REJECTED_BY_POLICY_RESOURCE alerts follow the policies.
``changePolicyOwner`` (an organization request; the catalog's unverified spelling, with
``newOwner`` and an optional ``currentOwner``) hands an organization's policies over,
e.g. when their owner leaves.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from depvault.api.call import Call
from depvault.api.request_types import (
    Category,
    Id32,
    Params,
    RequestType,
    Result,
    admin_request,
    in_category,
)
from depvault.domain.access import Level
from depvault.domain.policies import PolicyError, PolicyLevel, normalize_policy
from depvault.errors import InvalidParameter
from depvault.store.policies.rules import (
    PolicyView,
    add_policy,
    change_owner,
    list_policies,
    remove_policies,
    reorder_policies,
    update_policy,
)

__all__ = ["REQUEST_TYPES", "policy_json"]

MAX_POLICY_IDS = 10_000


def policy_json(view: PolicyView) -> dict[str, Any]:
    """The catalog §4 Policy object."""
    owner = view.owner
    return {
        "id": view.id,
        "name": view.name,
        "owner": {"id": owner[0], "email": owner[1], "name": owner[2]} if owner else None,
        "creationTime": view.created_at.strftime("%Y-%m-%d"),
        "priority": view.priority,
        "policyContext": view.level.value,
        "filter": view.filter,
        "action": view.action,
        "inclusive": view.inclusive,
        "enabled": view.enabled,
        "productLevel": view.level is PolicyLevel.PRODUCT,
        "projectLevel": view.level is PolicyLevel.PROJECT,
    }


def _fields(policy: Any, *, partial: bool) -> dict[str, Any]:
    try:
        return normalize_policy(policy, partial=partial)
    except PolicyError as exc:
        raise InvalidParameter("policy", str(exc)) from None


def _rederive(call: Call) -> None:
    call.after_commit.append(call.jobs.notify)


class GetPolicies(Params):
    aggregate_policies: bool = False


def get_policies(call: Call, params: GetPolicies) -> Result:
    """The scope's policies in deciding order; with ``aggregatePolicies`` those
    inherited from the scopes above too."""
    views = list_policies(call.db, call.scope, aggregate=params.aggregate_policies)
    return {"policies": [policy_json(v) for v in views]}


class PolicyBody(Params):
    policy: dict[str, Any]


def add(call: Call, params: PolicyBody) -> Result:
    """Add a policy to the scope (last, or at the ``priority`` it gives)."""
    fields = _fields(params.policy, partial=False)
    view = add_policy(call.db, call.scope, fields, call.caller, call.now)
    _rederive(call)
    return {"addedPolicy": policy_json(view)}


def update(call: Call, params: PolicyBody) -> Result:
    """Change the fields the policy object carries besides its ``id``."""
    policy_id = params.policy.get("id")
    if policy_id is None:
        raise InvalidParameter("policy", "'id' is required: the id of the policy to update")
    if not isinstance(policy_id, int) or isinstance(policy_id, bool) or not 0 < policy_id < 2**31:
        raise InvalidParameter("policy", "'id' must be the integer id of a policy")
    fields = _fields(params.policy, partial=True)
    view = update_policy(call.db, call.scope, policy_id, fields, call.caller, call.now)
    _rederive(call)
    return {"updatedPolicy": policy_json(view)}


class PolicyIds(Params):
    policy_ids: list[Id32] = Field(min_length=1, max_length=MAX_POLICY_IDS)


def remove(call: Call, params: PolicyIds) -> Result:
    """Remove policies of the scope; all or none."""
    removed = remove_policies(call.db, call.scope, params.policy_ids, call.caller, call.now)
    _rederive(call)
    return {"removedPolicies": removed}


class PolicyOrder(Params):
    policy_ids: list[Id32] = Field(max_length=MAX_POLICY_IDS)


def reorder(call: Call, params: PolicyOrder) -> Result:
    """Give the scope's policies the order of ``policyIds`` (priority 1 first)."""
    views = reorder_policies(call.db, call.scope, params.policy_ids, call.caller, call.now)
    _rederive(call)
    return {"policies": [policy_json(v) for v in views]}


class ChangeOwner(Params):
    new_owner: dict[str, Any]
    current_owner: dict[str, Any] | None = None


def change_policy_owner(call: Call, params: ChangeOwner) -> Result:
    """Hand the organization's policies (all, or those ``currentOwner`` owns) to
    ``newOwner``: each is a user reference ``{id|email|name}`` of the organization."""
    new_owner = _owner_reference(params.new_owner, "newOwner")
    current = params.current_owner
    current_owner = _owner_reference(current, "currentOwner") if current is not None else None
    changed = change_owner(call.db, call.scope, new_owner, current_owner, call.caller, call.now)
    return {"message": f"Successfully changed the owner of {changed} policies"}


def _owner_reference(value: dict[str, Any], parameter: str) -> dict[str, Any]:
    try:
        return normalize_policy({"owner": value}, partial=True)["owner"]  # type: ignore[no-any-return]
    except PolicyError as exc:
        raise InvalidParameter(parameter, str(exc).replace("'owner'", "the owner")) from None


_SCOPES = (
    ("GlobalOrganization", Level.GLOBAL_ORG),
    ("Organization", Level.ORG),
    ("Product", Level.PRODUCT),
    ("Project", Level.PROJECT),
)

REQUEST_TYPES = in_category(
    Category.POLICIES,
    [
        *(
            RequestType(f"get{noun}Policies", level, GetPolicies, get_policies)
            for noun, level in _SCOPES
        ),
        *(
            admin_request(f"add{noun}Policy", level, PolicyBody, add, writes=True)
            for noun, level in _SCOPES
        ),
        *(
            admin_request(f"update{noun}Policy", level, PolicyBody, update, writes=True)
            for noun, level in _SCOPES
        ),
        *(
            admin_request(f"remove{noun}Policies", level, PolicyIds, remove, writes=True)
            for noun, level in _SCOPES
        ),
        *(
            admin_request(f"update{noun}PolicyPriorities", level, PolicyOrder, reorder, writes=True)
            for noun, level in _SCOPES
        ),
    ],
) + in_category(
    Category.ORGANIZATION,
    [admin_request("changePolicyOwner", Level.ORG, ChangeOwner, change_policy_owner, writes=True)],
)

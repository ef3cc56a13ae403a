"""Groups and Users requests (catalog §6.3): people, service users and their keys,
groups and membership, and role assignments at organization and product level.

A person invited through the API (``createUser``, ``inviteUsers``) has no key until an
operator issues one with ``depvault user rotate-key`` (depvault sends no e-mail); a
service user gets its key in the answer to ``createServiceUser``.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from depvault.api.call import Call
from depvault.api.handlers.shapes.common import group_json, user_json
from depvault.api.request_types import (
    Category,
    NoParams,
    Params,
    Result,
    admin_request,
    in_category,
)
from depvault.domain.access import ORG_ROLES, PRODUCT_ROLES, Access, Level
from depvault.domain.secrets import KEY_PATTERN
from depvault.errors import (
    AlreadyMember,
    GroupNotFound,
    InvalidParameter,
    LastAdministrator,
    MissingParameter,
    NotFound,
    NotSupported,
    UserNotFound,
    UserNotInOrganization,
)
from depvault.store.organizations import people
from depvault.store.organizations.changelog import Change, record_change
from depvault.store.organizations.people import GroupView, RoleScope, UserView

__all__ = ["REQUEST_TYPES"]

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# A service user's address is ``<name>@org-<id>.service.invalid``: its name may hold
# neither spaces nor "@", or the address would not be one that requests can name.
SERVICE_NAME = re.compile(r"^[^\s@]+$")
SERVICE_DOMAIN = ".service.invalid"


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


class UserRef(Params):
    email: str = Field(max_length=320)
    _check = field_validator("email")(_email)


class NamedUser(Params):
    name: str = Field(min_length=1, max_length=255)
    email: str = Field(max_length=320)
    _check = field_validator("email")(_email)


class GroupRef(Params):
    name: str = Field(min_length=1, max_length=255)


class GroupSpec(Params):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=4000)


# --- lookups ---------------------------------------------------------------------------


def _member(call: Call, email: str) -> UserView:
    user = people.member_by_email(call.db, call.org.id, email)
    if user is not None:
        return user
    if people.find_user(call.db, email) is None:
        raise UserNotFound(f"No user has the e-mail address {email!r}")
    raise UserNotInOrganization(f"User {email!r} is not a member of this organization")


def _group(call: Call, name: str) -> GroupView:
    group = people.group_by_name(call.db, call.org.id, name)
    if group is None:
        raise GroupNotFound(f"Group {name!r} does not exist in this organization")
    return group


def _keep_an_administrator(call: Call) -> None:
    if people.count_admins(call.db, RoleScope(org_id=call.org.id)) == 0:
        raise LastAdministrator("The change would leave the organization without an administrator")


def _log(call: Call, change_class: str, aspect: str, before: Any = None, after: Any = None) -> None:
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change(change_class, aspect, before=before, after=after),
    )


# --- users -----------------------------------------------------------------------------


def get_all_users(call: Call, params: NoParams) -> Result:
    """Every member of the organization, people and service users."""
    return {"users": [user_json(u) for u in people.org_users(call.db, call.org.id)]}


class CreateUser(Params):
    added_user: NamedUser
    inviter: UserRef | None = None


def _invite(call: Call, email: str, name: str) -> bool:
    """Make ``email`` a member, creating the person if needed; False if already one."""
    user = people.find_user(call.db, email)
    if user is None:
        if email.lower().endswith(SERVICE_DOMAIN):
            # reserved for service users: a person there would take a name from them
            raise InvalidParameter("email", "addresses at service.invalid are reserved")
        user, _ = people.create_user(call.db, email, name, call.now, with_key=False)
    elif user.is_service:
        raise InvalidParameter("addedUser.email", "belongs to a service user")
    if not people.add_member(call.db, call.org.id, user.id, call.now, call.caller.email):
        return False
    _log(call, "USER", "ADDED", after={"email": user.email, "name": user.name})
    return True


def create_user(call: Call, params: CreateUser) -> Result:
    """Add a person to the organization (2013 when already a member)."""
    added = params.added_user
    if not _invite(call, added.email, added.name):
        raise AlreadyMember(f"User {added.email!r} is already a member of this organization")
    return {"message": f"Successfully invited user {added.email}"}


class InviteUsers(Params):
    emails: list[str] = Field(min_length=1)
    inviter: UserRef | None = None

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        return [_email(v) for v in values]


def invite_users(call: Call, params: InviteUsers) -> Result:
    """Add several people at once; those already members are left as they are."""
    invited = [e for e in dict.fromkeys(params.emails) if _invite(call, e, e.split("@")[0])]
    return {"message": f"Successfully invited {len(invited)} user(s)", "invitedUsers": invited}


class RemoveUser(Params):
    user: UserRef


def remove_user_from_organization(call: Call, params: RemoveUser) -> Result:
    """Take a user out of the organization with all their roles and group memberships."""
    user = _member(call, params.user.email)
    people.remove_member(call.db, call.org.id, user.id)
    _keep_an_administrator(call)
    _log(call, "USER", "REMOVED", before={"email": user.email, "name": user.name})
    return {"message": f"Successfully removed user {user.email} from the organization"}


# --- service users ---------------------------------------------------------------------


class ServiceUserSpec(Params):
    name: str = Field(min_length=1, max_length=100)

    @field_validator("name")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if not SERVICE_NAME.match(value):
            raise ValueError("service user names may not contain spaces or '@'")
        return value


class CreateServiceUser(Params):
    added_user: ServiceUserSpec


def create_service_user(call: Call, params: CreateServiceUser) -> Result:
    """A service user of this organization; its key is in the answer, shown once."""
    # Service users have no mailbox; a reserved-domain address keeps e-mails unique
    # server-wide while naming the organization it belongs to.
    email = f"{params.added_user.name}@org-{call.org.id}{SERVICE_DOMAIN}"
    if people.find_user(call.db, email) is not None:
        raise AlreadyMember(f"A service user named {params.added_user.name!r} already exists")
    user, key = people.create_user(
        call.db, email, params.added_user.name, call.now, is_service=True
    )
    people.add_member(call.db, call.org.id, user.id, call.now, call.caller.email)
    _log(call, "SERVICE_USER", "CREATED", after={"email": user.email, "name": user.name})
    return {"userToken": key, "message": f"Successfully created service user {user.name}"}


class RegenerateUserKey(Params):
    service_user_key: str

    @field_validator("service_user_key")
    @classmethod
    def _shape(cls, value: str) -> str:
        if not KEY_PATTERN.match(value):
            raise ValueError("a user key is 64 letters and digits")
        return value


def regenerate_user_key(call: Call, params: RegenerateUserKey) -> Result:
    """A new key for one of the organization's service users; the old one stops working."""
    owner = people.service_user_by_key(call.db, call.org.id, params.service_user_key)
    if owner is None:
        raise UserNotFound("serviceUserKey is not the key of a service user of this organization")
    key = people.issue_key(call.db, owner.id, call.now)
    _log(call, "USER_KEY", "REGENERATED", after={"email": owner.email})
    return {"userToken": key, "message": f"Successfully regenerated the key of {owner.name}"}


def get_organization_service_users(call: Call, params: NoParams) -> Result:
    """The organization's service users."""
    users = people.org_users(call.db, call.org.id, service=True)
    return {"serviceUsers": [user_json(u) for u in users]}


def get_product_service_users(call: Call, params: NoParams) -> Result:
    """The service users that hold a role in the product."""
    roles = people.assignments(call.db, RoleScope(product_id=call.product.id))
    users = {u.id: u for members in roles.user_roles.values() for u in members if u.is_service}
    return {"serviceUsers": [user_json(u) for u in sorted(users.values(), key=lambda u: u.email)]}


class WebAdvisorInvite(Params):
    user_email: str = Field(max_length=320)


def invite_user_to_web_advisor(call: Call, params: WebAdvisorInvite) -> Result:
    """Mend Advise for Chrome is a Mend browser service; depvault has no counterpart."""
    raise NotSupported(
        "inviteUserToWebAdvisor is not available: depvault has no browser-extension service"
    )


# --- groups ----------------------------------------------------------------------------


def get_all_groups(call: Call, params: NoParams) -> Result:
    """The organization's groups with their members."""
    groups = people.org_groups(call.db, call.org.id)
    return {"groups": [group_json(g) for g in groups], "message": "Organization groups"}


class CreateGroup(Params):
    group: GroupSpec


def create_group(call: Call, params: CreateGroup) -> Result:
    """A new, empty group."""
    group = people.create_group(
        call.db, call.org.id, params.group.name, call.now, params.group.description
    )
    _log(call, "GROUP", "CREATED", after={"name": group.name})
    return {"message": f"Successfully created group {group.name}"}


class AddUsersToGroups(Params):
    assigned_users: list[tuple[GroupRef, list[UserRef]]] = Field(min_length=1)


def add_users_to_groups(call: Call, params: AddUsersToGroups) -> Result:
    """Add members to groups: ``[[{"name": group}, [{"email": user}, …]], …]``."""
    added = 0
    for group_ref, users in params.assigned_users:
        group = _group(call, group_ref.name)
        for user_ref in users:
            user = _member(call, user_ref.email)
            if people.add_group_member(call.db, group.id, user.id):
                added += 1
                _log(
                    call, "GROUP_MEMBER", "ADDED", after={"group": group.name, "email": user.email}
                )
    return {"message": f"Successfully added {added} user(s) to groups"}


class RemoveUserFromGroup(Params):
    group: GroupRef
    user: UserRef


def remove_user_from_group(call: Call, params: RemoveUserFromGroup) -> Result:
    """Take a user out of a group."""
    group = _group(call, params.group.name)
    user = _member(call, params.user.email)
    if not people.remove_group_member(call.db, group.id, user.id):
        raise NotFound(f"User {user.email!r} is not in group {group.name!r}")
    _keep_an_administrator(call)
    _log(call, "GROUP_MEMBER", "REMOVED", before={"group": group.name, "email": user.email})
    return {"message": f"Successfully removed user {user.email} from group {group.name}"}


# --- assignments -----------------------------------------------------------------------


class RoleMembers(Params):
    user_assignments: list[UserRef] | None = None
    group_assignments: list[GroupRef] | None = None


class OrganizationAssignments(Params):
    administrators: RoleMembers | None = None
    alerts_email_receivers: RoleMembers | None = None
    default_approver: RoleMembers | None = None
    read_only_users: RoleMembers | None = None


class ProductAssignments(Params):
    product_admins: RoleMembers | None = None
    alerts_email_receivers: RoleMembers | None = None
    product_membership: RoleMembers | None = None
    product_approvers: RoleMembers | None = None
    product_integrators: RoleMembers | None = None


def _assignments_json(call: Call, where: RoleScope) -> Result:
    roles = people.assignments(call.db, where)
    return {
        "userRoles": {r: [user_json(u) for u in us] for r, us in roles.user_roles.items()},
        "groupRoles": {
            r: [group_json(g, with_users=False) for g in gs] for r, gs in roles.group_roles.items()
        },
    }


def _set_roles(
    call: Call,
    where: RoleScope,
    params: OrganizationAssignments | ProductAssignments,
    known_roles: dict[str, Access | None],
) -> list[str]:
    given = params.model_dump(by_alias=True, exclude_none=True)
    if not given:
        raise MissingParameter("one of the roles " + ", ".join(known_roles))
    before = people.assignments(call.db, where)
    for role in given:
        members: RoleMembers = getattr(
            params, next(name for name, f in type(params).model_fields.items() if f.alias == role)
        )
        users = [_member(call, u.email) for u in members.user_assignments or []]
        groups = [_group(call, g.name) for g in members.group_assignments or []]
        people.replace_role(call.db, where, role, [u.id for u in users], [g.id for g in groups])
        _log(
            call,
            "ROLE",
            "UPDATED",
            before={
                "role": role,
                "users": [u.email for u in before.user_roles.get(role, [])],
                "groups": [g.name for g in before.group_roles.get(role, [])],
            },
            after={
                "role": role,
                "users": [u.email for u in users],
                "groups": [g.name for g in groups],
            },
        )
    return list(given)


def get_organization_assignments(call: Call, params: NoParams) -> Result:
    """Organization roles: ``userRoles`` and ``groupRoles``, each role → members."""
    return _assignments_json(call, RoleScope(org_id=call.org.id))


def set_organization_assignments(call: Call, params: OrganizationAssignments) -> Result:
    """Replace the members of each organization role given."""
    roles = _set_roles(call, RoleScope(org_id=call.org.id), params, ORG_ROLES)
    _keep_an_administrator(call)
    return {"message": "The following organization assignments have been set: " + ", ".join(roles)}


def get_product_assignments(call: Call, params: NoParams) -> Result:
    """Product roles: ``userRoles`` and ``groupRoles``, each role → members."""
    return _assignments_json(call, RoleScope(product_id=call.product.id))


def set_product_assignments(call: Call, params: ProductAssignments) -> Result:
    """Replace the members of each product role given."""
    roles = _set_roles(call, RoleScope(product_id=call.product.id), params, PRODUCT_ROLES)
    return {"message": "The following product assignments have been set: " + ", ".join(roles)}


REQUEST_TYPES = in_category(
    Category.GROUPS_AND_USERS,
    [
        admin_request("getAllUsers", Level.ORG, NoParams, get_all_users),
        admin_request("createUser", Level.ORG, CreateUser, create_user, writes=True),
        admin_request("inviteUsers", Level.ORG, InviteUsers, invite_users, writes=True),
        admin_request(
            "removeUserFromOrganization",
            Level.ORG,
            RemoveUser,
            remove_user_from_organization,
            writes=True,
        ),
        admin_request(
            "createServiceUser", Level.ORG, CreateServiceUser, create_service_user, writes=True
        ),
        admin_request(
            "regenerateUserKey", Level.ORG, RegenerateUserKey, regenerate_user_key, writes=True
        ),
        admin_request(
            "getOrganizationServiceUsers", Level.ORG, NoParams, get_organization_service_users
        ),
        admin_request("getProductServiceUsers", Level.PRODUCT, NoParams, get_product_service_users),
        admin_request(
            "inviteUserToWebAdvisor",
            Level.ORG,
            WebAdvisorInvite,
            invite_user_to_web_advisor,
            supported=False,
        ),
        admin_request("getAllGroups", Level.ORG, NoParams, get_all_groups),
        admin_request("createGroup", Level.ORG, CreateGroup, create_group, writes=True),
        admin_request(
            "addUsersToGroups", Level.ORG, AddUsersToGroups, add_users_to_groups, writes=True
        ),
        admin_request(
            "removeUserFromGroup",
            Level.ORG,
            RemoveUserFromGroup,
            remove_user_from_group,
            writes=True,
        ),
        admin_request(
            "getOrganizationAssignments", Level.ORG, NoParams, get_organization_assignments
        ),
        admin_request(
            "setOrganizationAssignments",
            Level.ORG,
            OrganizationAssignments,
            set_organization_assignments,
            writes=True,
        ),
        admin_request("getProductAssignments", Level.PRODUCT, NoParams, get_product_assignments),
        admin_request(
            "setProductAssignments",
            Level.PRODUCT,
            ProductAssignments,
            set_product_assignments,
            writes=True,
        ),
    ],
)

"""Groups and Users (catalog §6.3) through HTTP, with the bodies the real SDK sends
(/tmp/sdk-shapes.md §5): people, service users and their keys, groups and membership,
organization and product role assignments, the last-administrator rule, and the
change log every change leaves behind."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from depvault.admin import Bootstrap, create_organization, issue_user_key
from depvault.store.engine.db import Database
from depvault.store.models import ChangeLogEntry, User
from tests.conftest import Api

ADMIN = "admin@depvault.local"
OUTSIDER = "outsider@elsewhere.test"

# --- helpers ---------------------------------------------------------------------------


def create_user(api: Api, site: Bootstrap, email: str, name: str = "Person") -> dict[str, Any]:
    """createUser as the SDK sends it."""
    return api.ok(
        "createUser",
        orgToken=site.org_token,
        inviter={"email": ADMIN},
        addedUser={"name": name, "email": email},
    )


def create_service_user(api: Api, site: Bootstrap, name: str) -> str:
    """createServiceUser as the SDK sends it; returns the new key."""
    return api.ok("createServiceUser", orgToken=site.org_token, addedUser={"name": name})[
        "userToken"
    ]


def service_user_email(api: Api, site: Bootstrap, name: str) -> str:
    """The address the server gave the service user called ``name``."""
    listed = api.ok("getOrganizationServiceUsers", orgToken=site.org_token)["serviceUsers"]
    return next(u["email"] for u in listed if u["name"] == name)


def create_group(api: Api, site: Bootstrap, name: str) -> None:
    api.ok("createGroup", orgToken=site.org_token, group={"name": name, "description": name})


def add_to_group(api: Api, site: Bootstrap, group: str, *emails: str) -> dict[str, Any]:
    """addUsersToGroups with the SDK's list-of-pairs shape."""
    return api.ok(
        "addUsersToGroups",
        orgToken=site.org_token,
        assignedUsers=[[{"name": group}, [{"email": e} for e in emails]]],
    )


def create_product(api: Api, site: Bootstrap, name: str = "Shop") -> str:
    return api.ok("createProduct", orgToken=site.org_token, productName=name)["productToken"]


def role(users: list[str], groups: list[str] | None = None) -> dict[str, Any]:
    """One role's value as the SDK sends it (``groupAssignments`` null when no groups)."""
    return {
        "userAssignments": [{"email": e} for e in users],
        "groupAssignments": [{"name": g} for g in groups] if groups is not None else None,
    }


def set_org_role(
    api: Api, site: Bootstrap, role_name: str, users: list[str], groups: list[str] | None = None
) -> dict[str, Any]:
    return api.ok(
        "setOrganizationAssignments", orgToken=site.org_token, **{role_name: role(users, groups)}
    )


def set_product_role(
    api: Api,
    product_token: str,
    role_name: str,
    users: list[str],
    groups: list[str] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    return api.ok(
        "setProductAssignments",
        key=key,
        productToken=product_token,
        **{role_name: role(users, groups)},
    )


def users_by_email(api: Api, site: Bootstrap) -> dict[str, dict[str, Any]]:
    return {u["email"]: u for u in api.ok("getAllUsers", orgToken=site.org_token)["users"]}


def groups_by_name(api: Api, site: Bootstrap) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in api.ok("getAllGroups", orgToken=site.org_token)["groups"]}


def member_emails(group: dict[str, Any]) -> list[str]:
    return [u["email"] for u in group["users"]]


def org_role_emails(api: Api, site: Bootstrap, role_name: str) -> list[str]:
    roles = api.ok("getOrganizationAssignments", orgToken=site.org_token)["userRoles"]
    return [u["email"] for u in roles.get(role_name, [])]


def org_role_groups(api: Api, site: Bootstrap, role_name: str) -> list[str]:
    roles = api.ok("getOrganizationAssignments", orgToken=site.org_token)["groupRoles"]
    return [g["name"] for g in roles.get(role_name, [])]


def product_role_emails(
    api: Api, product_token: str, role_name: str, key: str | None = None
) -> list[str]:
    roles = api.ok("getProductAssignments", key=key, productToken=product_token)["userRoles"]
    return [u["email"] for u in roles.get(role_name, [])]


def change_log(database: Database, change_class: str, aspect: str) -> list[dict[str, Any]]:
    """The change-log rows of one kind, oldest first, as plain dicts."""
    with database.transaction(write=False) as db:
        rows = db.scalars(
            select(ChangeLogEntry)
            .where(ChangeLogEntry.change_class == change_class, ChangeLogEntry.aspect == aspect)
            .order_by(ChangeLogEntry.id)
        ).all()
        return [
            {
                "scope": r.scope,
                "operator": r.operator,
                "user_email": r.user_email,
                "before": r.before,
                "after": r.after,
            }
            for r in rows
        ]


def whole_change_log_text(database: Database) -> str:
    """Every stored before/after value, as one JSON text."""
    with database.transaction(write=False) as db:
        rows = db.scalars(select(ChangeLogEntry)).all()
        return json.dumps([[r.before, r.after] for r in rows])


def stored_user(database: Database, email: str) -> User | None:
    with database.transaction(write=False) as db:
        user = db.scalars(select(User).where(User.email == email)).first()
        if user is not None:
            db.expunge(user)
        return user


def other_organization_member(database: Database) -> str:
    """A person who exists on the server but only in another organization."""
    create_organization(database, "Elsewhere", admin_email=OUTSIDER)
    return OUTSIDER


# --- getAllUsers -----------------------------------------------------------------------


def test_get_all_users_lists_the_bootstrap_administrator(api: Api, site: Bootstrap):
    users = users_by_email(api, site)
    assert set(users) == {ADMIN}
    assert users[ADMIN]["name"] == "Administrator"
    assert users[ADMIN]["userType"] == "REGULAR"
    assert "errorMessage" not in json.dumps(users)


def test_get_all_users_without_org_token_names_it(api: Api):
    code, message = api.error("getAllUsers")
    assert code == 3010 and "orgToken" in message


def test_get_all_users_leaves_out_members_of_other_organizations(
    api: Api, site: Bootstrap, database: Database
):
    other_organization_member(database)
    assert OUTSIDER not in users_by_email(api, site)


# --- createUser ------------------------------------------------------------------------


def test_create_user_adds_a_person_listed_by_get_all_users(api: Api, site: Bootstrap):
    answer = create_user(api, site, "alice@example.com", "Alice")
    assert "alice@example.com" in answer["message"]
    alice = users_by_email(api, site)["alice@example.com"]
    assert alice["name"] == "Alice" and alice["userType"] == "REGULAR"


def test_a_person_created_by_create_user_has_no_key(api: Api, site: Bootstrap, database: Database):
    answer = create_user(api, site, "alice@example.com", "Alice")
    assert "userToken" not in answer
    alice = stored_user(database, "alice@example.com")
    assert alice is not None
    assert alice.key_digest is None and alice.key_created_at is None


def test_create_user_for_an_existing_member_answers_2013(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    code, message = api.error(
        "createUser",
        orgToken=site.org_token,
        inviter={"email": ADMIN},
        addedUser={"name": "Alice", "email": "ALICE@example.com"},
    )
    assert code == 2013 and "alice@example.com" in message.lower()
    assert list(users_by_email(api, site)).count("alice@example.com") == 1


def test_create_user_adds_a_person_of_another_organization_as_they_are(
    api: Api, site: Bootstrap, database: Database
):
    other_organization_member(database)
    create_user(api, site, OUTSIDER, "Renamed")
    assert users_by_email(api, site)[OUTSIDER]["name"] == "Administrator"


def test_create_user_without_added_user_names_it(api: Api, site: Bootstrap):
    code, message = api.error("createUser", orgToken=site.org_token, inviter={"email": ADMIN})
    assert code == 3010 and "addedUser" in message


def test_create_user_without_email_names_it(api: Api, site: Bootstrap):
    code, message = api.error(
        "createUser", orgToken=site.org_token, inviter={"email": ADMIN}, addedUser={"name": "Alice"}
    )
    assert code == 3010 and "addedUser.email" in message


def test_create_user_with_malformed_email_is_refused(api: Api, site: Bootstrap):
    code, message = api.error(
        "createUser",
        orgToken=site.org_token,
        inviter={"email": ADMIN},
        addedUser={"name": "Alice", "email": "not-an-address"},
    )
    assert code == 3000 and "addedUser.email" in message
    assert set(users_by_email(api, site)) == {ADMIN}


def test_create_user_is_recorded_in_change_log(api: Api, site: Bootstrap, database: Database):
    create_user(api, site, "alice@example.com", "Alice")
    [entry] = change_log(database, "USER", "ADDED")
    assert entry["user_email"] == ADMIN and entry["operator"] == "USER"
    assert entry["scope"] == "ORGANIZATION"
    assert entry["after"] == [{"email": "alice@example.com", "name": "Alice"}]


# --- inviteUsers -----------------------------------------------------------------------


def test_invite_users_adds_new_people_and_leaves_members_alone(api: Api, site: Bootstrap):
    answer = api.ok(
        "inviteUsers",
        orgToken=site.org_token,
        inviter={"email": ADMIN},
        emails=["bob@example.com", ADMIN, "carol@example.com", "bob@example.com"],
    )
    assert sorted(answer["invitedUsers"]) == ["bob@example.com", "carol@example.com"]
    users = users_by_email(api, site)
    assert set(users) == {ADMIN, "bob@example.com", "carol@example.com"}
    assert users["bob@example.com"]["name"] == "bob"
    assert users[ADMIN]["name"] == "Administrator"


def test_invite_users_without_emails_names_them(api: Api, site: Bootstrap):
    code, message = api.error("inviteUsers", orgToken=site.org_token, inviter={"email": ADMIN})
    assert code == 3010 and "emails" in message


def test_invite_users_with_a_malformed_email_adds_nobody(api: Api, site: Bootstrap):
    code, message = api.error(
        "inviteUsers", orgToken=site.org_token, emails=["bob@example.com", "nobody"]
    )
    assert code == 3000 and "emails" in message
    assert set(users_by_email(api, site)) == {ADMIN}


def test_invited_people_are_recorded_in_change_log(api: Api, site: Bootstrap, database: Database):
    api.ok("inviteUsers", orgToken=site.org_token, emails=["bob@example.com", ADMIN])
    entries = change_log(database, "USER", "ADDED")
    assert [e["after"][0]["email"] for e in entries] == ["bob@example.com"]


# --- removeUserFromOrganization --------------------------------------------------------


def test_remove_user_takes_away_membership_roles_and_groups(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    create_group(api, site, "devs")
    add_to_group(api, site, "devs", "alice@example.com")
    set_org_role(api, site, "readOnlyUsers", ["alice@example.com"])

    answer = api.ok(
        "removeUserFromOrganization", user={"email": "alice@example.com"}, orgToken=site.org_token
    )

    assert "alice@example.com" in answer["message"]
    assert "alice@example.com" not in users_by_email(api, site)
    assert member_emails(groups_by_name(api, site)["devs"]) == []
    assert org_role_emails(api, site, "readOnlyUsers") == []


def test_removed_person_can_be_created_again(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    api.ok(
        "removeUserFromOrganization", user={"email": "alice@example.com"}, orgToken=site.org_token
    )
    create_user(api, site, "alice@example.com", "Alice")
    assert "alice@example.com" in users_by_email(api, site)


def test_remove_unknown_user_answers_2011(api: Api, site: Bootstrap):
    code, message = api.error(
        "removeUserFromOrganization", user={"email": "ghost@example.com"}, orgToken=site.org_token
    )
    assert code == 2011 and "ghost@example.com" in message


def test_remove_user_of_another_organization_answers_2007(
    api: Api, site: Bootstrap, database: Database
):
    other_organization_member(database)
    code, message = api.error(
        "removeUserFromOrganization", user={"email": OUTSIDER}, orgToken=site.org_token
    )
    assert code == 2007 and OUTSIDER in message


def test_remove_user_without_user_names_it(api: Api, site: Bootstrap):
    code, message = api.error("removeUserFromOrganization", orgToken=site.org_token)
    assert code == 3010 and "user" in message


def test_remove_user_with_malformed_email_is_refused(api: Api, site: Bootstrap):
    code, message = api.error(
        "removeUserFromOrganization", user={"email": "admin"}, orgToken=site.org_token
    )
    assert code == 3000 and "user.email" in message


def test_removing_the_only_administrator_is_refused_and_changes_nothing(
    api: Api, site: Bootstrap, database: Database
):
    code, message = api.error(
        "removeUserFromOrganization", user={"email": ADMIN}, orgToken=site.org_token
    )
    assert code == 3000 and "administrator" in message
    assert ADMIN in users_by_email(api, site)
    assert org_role_emails(api, site, "administrators") == [ADMIN]
    assert change_log(database, "USER", "REMOVED") == []


def test_removing_one_of_two_administrators_is_allowed(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    set_org_role(api, site, "administrators", [ADMIN, "alice@example.com"])
    api.ok(
        "removeUserFromOrganization", user={"email": "alice@example.com"}, orgToken=site.org_token
    )
    assert org_role_emails(api, site, "administrators") == [ADMIN]


def test_remove_user_is_recorded_in_change_log(api: Api, site: Bootstrap, database: Database):
    create_user(api, site, "alice@example.com", "Alice")
    api.ok(
        "removeUserFromOrganization", user={"email": "alice@example.com"}, orgToken=site.org_token
    )
    [entry] = change_log(database, "USER", "REMOVED")
    assert entry["user_email"] == ADMIN
    assert entry["before"] == [{"email": "alice@example.com", "name": "Alice"}]


# --- createServiceUser -----------------------------------------------------------------


def test_create_service_user_answers_a_key_and_lists_the_user(api: Api, site: Bootstrap):
    key = create_service_user(api, site, "ci-bot")
    assert len(key) == 64 and key.isalnum()
    [listed] = [u for u in users_by_email(api, site).values() if u["name"] == "ci-bot"]
    assert listed["userType"] == "SERVICE"
    assert listed["email"] == service_user_email(api, site, "ci-bot")


def test_service_user_key_needs_a_role_before_it_works(api: Api, site: Bootstrap):
    key = create_service_user(api, site, "ci-bot")
    code, _ = api.error("getOrganizationDetails", key=key, orgToken=site.org_token)
    assert code == 5001

    set_org_role(api, site, "readOnlyUsers", [service_user_email(api, site, "ci-bot")])

    details = api.ok("getOrganizationDetails", key=key, orgToken=site.org_token)
    assert details["orgToken"] == site.org_token


def test_read_only_service_user_may_not_administer(api: Api, site: Bootstrap):
    key = create_service_user(api, site, "ci-bot")
    set_org_role(api, site, "readOnlyUsers", [service_user_email(api, site, "ci-bot")])
    code, _ = api.error("getAllUsers", key=key, orgToken=site.org_token)
    assert code == 5001


def test_service_user_as_product_integrator_works_on_that_product(api: Api, site: Bootstrap):
    product = create_product(api, site)
    key = create_service_user(api, site, "ci-bot")
    # without a role the product does not exist for it (issue 14: no token oracle)
    code, message = api.error("getProductProjectVitals", key=key, productToken=product)
    assert (code, message) == (3000, "Invalid productToken: no such token")

    set_product_role(api, product, "productIntegrators", [service_user_email(api, site, "ci-bot")])

    assert api.ok("getProductProjectVitals", key=key, productToken=product)["projectVitals"] == []


def test_service_user_name_with_a_space_is_refused(api: Api, site: Bootstrap):
    code, message = api.error(
        "createServiceUser", orgToken=site.org_token, addedUser={"name": "ci bot"}
    )
    assert code == 3000 and "addedUser.name" in message
    assert api.ok("getOrganizationServiceUsers", orgToken=site.org_token)["serviceUsers"] == []


def test_service_user_name_with_an_at_sign_is_refused(api: Api, site: Bootstrap):
    # Its address would be "bot@ci@org-….service.invalid", which no request can name.
    code, message = api.error(
        "createServiceUser", orgToken=site.org_token, addedUser={"name": "bot@ci"}
    )
    assert code == 3000 and "addedUser.name" in message
    assert api.ok("getOrganizationServiceUsers", orgToken=site.org_token)["serviceUsers"] == []


def test_service_user_address_can_be_named_in_later_requests(api: Api, site: Bootstrap):
    create_service_user(api, site, "ci.bot-2")
    email = service_user_email(api, site, "ci.bot-2")
    set_org_role(api, site, "readOnlyUsers", [email])
    api.ok("removeUserFromOrganization", user={"email": email}, orgToken=site.org_token)
    assert api.ok("getOrganizationServiceUsers", orgToken=site.org_token)["serviceUsers"] == []


def test_people_may_not_take_a_service_user_address(api: Api, site: Bootstrap):
    # Otherwise inviting "ci@org-<id>.service.invalid" would block that organization
    # from ever creating a service user named "ci".
    for request_type, params in [
        ("createUser", {"addedUser": {"name": "x", "email": "ci@org-1.service.invalid"}}),
        ("inviteUsers", {"emails": ["ci@org-2.service.invalid"]}),
    ]:
        code, message = api.error(request_type, orgToken=site.org_token, **params)
        assert code == 3000 and "reserved" in message
    create_service_user(api, site, "ci")


def test_a_service_user_address_cannot_be_invited_as_a_person(api: Api, site: Bootstrap):
    create_service_user(api, site, "ci-bot")
    code, message = api.error(
        "createUser",
        orgToken=site.org_token,
        addedUser={"name": "x", "email": service_user_email(api, site, "ci-bot")},
    )
    assert code == 3000 and "service user" in message


def test_listings_never_show_a_key(api: Api, site: Bootstrap):
    key = create_service_user(api, site, "ci-bot")
    for request_type in (
        "getAllUsers",
        "getOrganizationServiceUsers",
        "getOrganizationAssignments",
        "getAllGroups",
    ):
        answer = json.dumps(api.ok(request_type, orgToken=site.org_token))
        assert key not in answer and site.user_key not in answer


def test_create_service_user_without_added_user_names_it(api: Api, site: Bootstrap):
    code, message = api.error("createServiceUser", orgToken=site.org_token)
    assert code == 3010 and "addedUser" in message


def test_create_service_user_without_name_names_it(api: Api, site: Bootstrap):
    code, message = api.error("createServiceUser", orgToken=site.org_token, addedUser={})
    assert code == 3010 and "addedUser.name" in message


def test_duplicate_service_user_name_answers_2013(api: Api, site: Bootstrap):
    create_service_user(api, site, "ci-bot")
    code, message = api.error(
        "createServiceUser", orgToken=site.org_token, addedUser={"name": "ci-bot"}
    )
    assert code == 2013 and "ci-bot" in message


def test_removed_service_user_key_stops_working(api: Api, site: Bootstrap):
    key = create_service_user(api, site, "ci-bot")
    email = service_user_email(api, site, "ci-bot")
    set_org_role(api, site, "readOnlyUsers", [email])
    api.ok("removeUserFromOrganization", user={"email": email}, orgToken=site.org_token)
    code, _ = api.error("getOrganizationDetails", key=key, orgToken=site.org_token)
    assert code == 5001


def test_create_service_user_is_recorded_without_its_key(
    api: Api, site: Bootstrap, database: Database
):
    key = create_service_user(api, site, "ci-bot")
    [entry] = change_log(database, "SERVICE_USER", "CREATED")
    assert entry["user_email"] == ADMIN
    assert entry["after"][0]["name"] == "ci-bot"
    assert key not in whole_change_log_text(database)


# --- regenerateUserKey -----------------------------------------------------------------


def test_regenerate_user_key_replaces_the_old_key(api: Api, site: Bootstrap):
    old = create_service_user(api, site, "ci-bot")
    set_org_role(api, site, "readOnlyUsers", [service_user_email(api, site, "ci-bot")])

    new = api.ok("regenerateUserKey", serviceUserKey=old, orgToken=site.org_token)["userToken"]

    assert len(new) == 64 and new.isalnum() and new != old
    code, _ = api.error("getOrganizationDetails", key=old, orgToken=site.org_token)
    assert code == 5001
    assert api.ok("getOrganizationDetails", key=new, orgToken=site.org_token)["orgToken"]


def test_regenerate_user_key_refuses_a_persons_key(api: Api, site: Bootstrap):
    code, message = api.error(
        "regenerateUserKey", serviceUserKey=site.user_key, orgToken=site.org_token
    )
    assert code == 2011 and "serviceUserKey" in message
    assert site.user_key not in message
    assert api.ok("getOrganizationDetails", orgToken=site.org_token)["orgToken"]


def test_regenerate_user_key_refuses_another_organizations_service_user(
    api: Api, site: Bootstrap, database: Database
):
    other = create_organization(database, "Elsewhere", admin_email=OUTSIDER)
    assert other.user_key is not None
    foreign = api.ok(
        "createServiceUser",
        key=other.user_key,
        orgToken=other.org_token,
        addedUser={"name": "their-bot"},
    )["userToken"]
    code, _ = api.error("regenerateUserKey", serviceUserKey=foreign, orgToken=site.org_token)
    assert code == 2011


def test_regenerate_user_key_refuses_an_unknown_key(api: Api, site: Bootstrap):
    code, _ = api.error("regenerateUserKey", serviceUserKey="A" * 64, orgToken=site.org_token)
    assert code == 2011


def test_regenerate_user_key_refuses_a_malformed_key(api: Api, site: Bootstrap):
    code, message = api.error("regenerateUserKey", serviceUserKey="short", orgToken=site.org_token)
    assert code == 3000 and "serviceUserKey" in message


def test_regenerate_user_key_without_key_names_it(api: Api, site: Bootstrap):
    code, message = api.error("regenerateUserKey", orgToken=site.org_token)
    assert code == 3010 and "serviceUserKey" in message


def test_regenerate_user_key_is_recorded_without_any_key(
    api: Api, site: Bootstrap, database: Database
):
    old = create_service_user(api, site, "ci-bot")
    new = api.ok("regenerateUserKey", serviceUserKey=old, orgToken=site.org_token)["userToken"]
    [entry] = change_log(database, "USER_KEY", "REGENERATED")
    assert entry["user_email"] == ADMIN and entry["scope"] == "ORGANIZATION"
    assert entry["after"] == [{"email": service_user_email(api, site, "ci-bot")}]
    logged = whole_change_log_text(database)
    assert old not in logged and new not in logged and site.user_key not in logged


# --- service-user listings -------------------------------------------------------------


def test_organization_service_users_lists_service_users_only(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    create_service_user(api, site, "ci-bot")
    listed = api.ok("getOrganizationServiceUsers", orgToken=site.org_token)["serviceUsers"]
    assert [(u["name"], u["userType"]) for u in listed] == [("ci-bot", "SERVICE")]


def test_product_service_users_lists_those_with_a_role_in_the_product(api: Api, site: Bootstrap):
    product = create_product(api, site)
    create_service_user(api, site, "ci-bot")
    create_service_user(api, site, "idle-bot")
    create_user(api, site, "alice@example.com", "Alice")
    set_product_role(
        api,
        product,
        "productIntegrators",
        [service_user_email(api, site, "ci-bot"), "alice@example.com"],
    )

    listed = api.ok("getProductServiceUsers", productToken=product)["serviceUsers"]

    assert [u["name"] for u in listed] == ["ci-bot"]


def test_product_service_users_without_product_token_names_it(api: Api, site: Bootstrap):
    code, message = api.error("getProductServiceUsers", orgToken=site.org_token)
    assert code == 3010 and "productToken" in message


# --- inviteUserToWebAdvisor ------------------------------------------------------------


def test_invite_user_to_web_advisor_is_refused_precisely(api: Api, site: Bootstrap):
    code, message = api.error("inviteUserToWebAdvisor", orgToken=site.org_token, userEmail=ADMIN)
    assert code == 3000
    assert "inviteUserToWebAdvisor is not available" in message
    assert set(users_by_email(api, site)) == {ADMIN}


def test_invite_user_to_web_advisor_without_email_names_it(api: Api, site: Bootstrap):
    code, message = api.error("inviteUserToWebAdvisor", orgToken=site.org_token)
    assert code == 3010 and "userEmail" in message


# --- getAllGroups / createGroup --------------------------------------------------------


def test_get_all_groups_starts_empty(api: Api, site: Bootstrap):
    answer = api.ok("getAllGroups", orgToken=site.org_token)
    assert answer["groups"] == []


def test_create_group_is_listed_empty_with_its_description(api: Api, site: Bootstrap):
    answer = api.ok(
        "createGroup", orgToken=site.org_token, group={"name": "devs", "description": "Developers"}
    )
    assert "devs" in answer["message"]
    devs = groups_by_name(api, site)["devs"]
    assert devs["description"] == "Developers" and devs["users"] == []


def test_create_group_without_description_lists_an_empty_one(api: Api, site: Bootstrap):
    api.ok("createGroup", orgToken=site.org_token, group={"name": "devs"})
    assert groups_by_name(api, site)["devs"]["description"] == ""


def test_create_group_with_a_name_in_use_answers_2009(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, message = api.error("createGroup", orgToken=site.org_token, group={"name": "devs"})
    assert code == 2009 and "devs" in message
    assert list(groups_by_name(api, site)) == ["devs"]


def test_create_group_without_group_names_it(api: Api, site: Bootstrap):
    code, message = api.error("createGroup", orgToken=site.org_token)
    assert code == 3010 and "group" in message


def test_create_group_without_name_names_it(api: Api, site: Bootstrap):
    code, message = api.error("createGroup", orgToken=site.org_token, group={"description": "x"})
    assert code == 3010 and "group.name" in message


def test_create_group_is_recorded_in_change_log(api: Api, site: Bootstrap, database: Database):
    create_group(api, site, "devs")
    [entry] = change_log(database, "GROUP", "CREATED")
    assert entry["user_email"] == ADMIN and entry["scope"] == "ORGANIZATION"
    assert entry["after"] == [{"name": "devs"}]


# --- addUsersToGroups ------------------------------------------------------------------


def test_added_group_member_is_listed_with_name_and_email(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    create_group(api, site, "devs")

    add_to_group(api, site, "devs", "alice@example.com")

    [member] = groups_by_name(api, site)["devs"]["users"]
    assert member["email"] == "alice@example.com" and member["name"] == "Alice"


def test_add_users_to_several_groups_in_one_request(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    create_group(api, site, "devs")
    create_group(api, site, "ops")
    api.ok(
        "addUsersToGroups",
        orgToken=site.org_token,
        assignedUsers=[
            [{"name": "devs"}, [{"email": "alice@example.com"}, {"email": ADMIN}]],
            [{"name": "ops"}, [{"email": ADMIN}]],
        ],
    )
    groups = groups_by_name(api, site)
    assert member_emails(groups["devs"]) == [ADMIN, "alice@example.com"]
    assert member_emails(groups["ops"]) == [ADMIN]


def test_adding_a_member_again_keeps_one_membership(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    add_to_group(api, site, "devs", ADMIN)
    add_to_group(api, site, "devs", ADMIN)
    assert member_emails(groups_by_name(api, site)["devs"]) == [ADMIN]


def test_add_users_to_unknown_group_answers_2008_and_adds_nobody(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, message = api.error(
        "addUsersToGroups",
        orgToken=site.org_token,
        assignedUsers=[
            [{"name": "devs"}, [{"email": ADMIN}]],
            [{"name": "nope"}, [{"email": ADMIN}]],
        ],
    )
    assert code == 2008 and "nope" in message
    assert member_emails(groups_by_name(api, site)["devs"]) == []


def test_add_unknown_user_to_group_answers_2011(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, message = api.error(
        "addUsersToGroups",
        orgToken=site.org_token,
        assignedUsers=[[{"name": "devs"}, [{"email": "ghost@x.test"}]]],
    )
    assert code == 2011 and "ghost@x.test" in message


def test_add_user_of_another_organization_to_group_answers_2007(
    api: Api, site: Bootstrap, database: Database
):
    other_organization_member(database)
    create_group(api, site, "devs")
    code, _ = api.error(
        "addUsersToGroups",
        orgToken=site.org_token,
        assignedUsers=[[{"name": "devs"}, [{"email": OUTSIDER}]]],
    )
    assert code == 2007
    assert member_emails(groups_by_name(api, site)["devs"]) == []


def test_add_users_to_groups_without_assigned_users_names_it(api: Api, site: Bootstrap):
    code, message = api.error("addUsersToGroups", orgToken=site.org_token)
    assert code == 3010 and "assignedUsers" in message


def test_add_users_to_groups_with_malformed_email_is_refused(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, message = api.error(
        "addUsersToGroups",
        orgToken=site.org_token,
        assignedUsers=[[{"name": "devs"}, [{"email": "nobody"}]]],
    )
    assert code == 3000 and "assignedUsers" in message


def test_add_users_to_groups_is_recorded_in_change_log(
    api: Api, site: Bootstrap, database: Database
):
    create_group(api, site, "devs")
    add_to_group(api, site, "devs", ADMIN)
    add_to_group(api, site, "devs", ADMIN)
    [entry] = change_log(database, "GROUP_MEMBER", "ADDED")
    assert entry["user_email"] == ADMIN
    assert entry["after"] == [{"group": "devs", "email": ADMIN}]


# --- removeUserFromGroup ---------------------------------------------------------------


def test_remove_user_from_group_leaves_them_in_the_organization(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    create_group(api, site, "devs")
    add_to_group(api, site, "devs", "alice@example.com", ADMIN)

    api.ok(
        "removeUserFromGroup",
        orgToken=site.org_token,
        group={"name": "devs"},
        user={"email": "alice@example.com"},
    )

    assert member_emails(groups_by_name(api, site)["devs"]) == [ADMIN]
    assert "alice@example.com" in users_by_email(api, site)


def test_remove_user_from_a_group_they_are_not_in_is_refused(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, message = api.error(
        "removeUserFromGroup",
        orgToken=site.org_token,
        group={"name": "devs"},
        user={"email": ADMIN},
    )
    assert code == 3000 and "not in group" in message


def test_remove_user_from_unknown_group_answers_2008(api: Api, site: Bootstrap):
    code, _ = api.error(
        "removeUserFromGroup",
        orgToken=site.org_token,
        group={"name": "nope"},
        user={"email": ADMIN},
    )
    assert code == 2008


def test_remove_unknown_user_from_group_answers_2011(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, _ = api.error(
        "removeUserFromGroup",
        orgToken=site.org_token,
        group={"name": "devs"},
        user={"email": "ghost@x.test"},
    )
    assert code == 2011


def test_remove_user_from_group_without_user_names_it(api: Api, site: Bootstrap):
    create_group(api, site, "devs")
    code, message = api.error(
        "removeUserFromGroup", orgToken=site.org_token, group={"name": "devs"}
    )
    assert code == 3010 and "user" in message


def test_remove_user_from_group_without_group_names_it(api: Api, site: Bootstrap):
    code, message = api.error("removeUserFromGroup", orgToken=site.org_token, user={"email": ADMIN})
    assert code == 3010 and "group" in message


def test_removing_the_last_administrator_from_the_admin_group_is_refused(api: Api, site: Bootstrap):
    create_group(api, site, "admins")
    add_to_group(api, site, "admins", ADMIN)
    set_org_role(api, site, "administrators", [], ["admins"])

    code, message = api.error(
        "removeUserFromGroup",
        orgToken=site.org_token,
        group={"name": "admins"},
        user={"email": ADMIN},
    )

    assert code == 3000 and "administrator" in message
    assert member_emails(groups_by_name(api, site)["admins"]) == [ADMIN]


def test_remove_user_from_group_is_recorded_in_change_log(
    api: Api, site: Bootstrap, database: Database
):
    create_group(api, site, "devs")
    add_to_group(api, site, "devs", ADMIN)
    api.ok(
        "removeUserFromGroup",
        orgToken=site.org_token,
        group={"name": "devs"},
        user={"email": ADMIN},
    )
    [entry] = change_log(database, "GROUP_MEMBER", "REMOVED")
    assert entry["before"] == [{"group": "devs", "email": ADMIN}]


# --- organization assignments ----------------------------------------------------------


def test_organization_assignments_start_with_the_bootstrap_administrator(api: Api, site: Bootstrap):
    answer = api.ok("getOrganizationAssignments", orgToken=site.org_token)
    assert [u["email"] for u in answer["userRoles"]["administrators"]] == [ADMIN]
    assert answer["userRoles"]["administrators"][0]["name"] == "Administrator"
    assert answer["groupRoles"] == {}


def test_set_organization_assignments_replaces_the_given_role_only(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    create_user(api, site, "bob@example.com", "Bob")
    set_org_role(api, site, "readOnlyUsers", ["alice@example.com"])

    answer = set_org_role(api, site, "readOnlyUsers", ["bob@example.com"])

    assert "readOnlyUsers" in answer["message"]
    assert org_role_emails(api, site, "readOnlyUsers") == ["bob@example.com"]
    assert org_role_emails(api, site, "administrators") == [ADMIN]


def test_set_organization_assignments_assigns_groups(api: Api, site: Bootstrap):
    create_group(api, site, "approvers")
    set_org_role(api, site, "defaultApprover", [ADMIN], ["approvers"])
    assert org_role_groups(api, site, "defaultApprover") == ["approvers"]
    assert org_role_emails(api, site, "defaultApprover") == [ADMIN]


def test_set_organization_assignments_with_several_roles(api: Api, site: Bootstrap):
    create_user(api, site, "alice@example.com", "Alice")
    answer = api.ok(
        "setOrganizationAssignments",
        orgToken=site.org_token,
        alertsEmailReceivers=role(["alice@example.com"]),
        readOnlyUsers=role(["alice@example.com"]),
    )
    assert "alertsEmailReceivers" in answer["message"] and "readOnlyUsers" in answer["message"]
    assert org_role_emails(api, site, "alertsEmailReceivers") == ["alice@example.com"]
    assert org_role_emails(api, site, "readOnlyUsers") == ["alice@example.com"]


def test_set_organization_assignments_without_a_role_names_the_roles(api: Api, site: Bootstrap):
    code, message = api.error("setOrganizationAssignments", orgToken=site.org_token)
    assert code == 3010 and "administrators" in message and "readOnlyUsers" in message


def test_set_organization_assignments_with_only_null_roles_is_missing_a_role(
    api: Api, site: Bootstrap
):
    code, _ = api.error("setOrganizationAssignments", orgToken=site.org_token, administrators=None)
    assert code == 3010


def test_setting_no_administrators_is_refused_and_changes_nothing(
    api: Api, site: Bootstrap, database: Database
):
    create_user(api, site, "alice@example.com", "Alice")
    code, message = api.error(
        "setOrganizationAssignments",
        orgToken=site.org_token,
        administrators=role([]),
        readOnlyUsers=role(["alice@example.com"]),
    )
    assert code == 3000 and "administrator" in message
    assert org_role_emails(api, site, "administrators") == [ADMIN]
    assert org_role_emails(api, site, "readOnlyUsers") == []
    assert change_log(database, "ROLE", "UPDATED") == []


def test_administrators_through_an_empty_group_count_as_none(api: Api, site: Bootstrap):
    create_group(api, site, "admins")
    code, _ = api.error(
        "setOrganizationAssignments", orgToken=site.org_token, administrators=role([], ["admins"])
    )
    assert code == 3000
    assert org_role_emails(api, site, "administrators") == [ADMIN]


def test_administrators_may_be_held_through_a_group(api: Api, site: Bootstrap):
    create_group(api, site, "admins")
    add_to_group(api, site, "admins", ADMIN)
    set_org_role(api, site, "administrators", [], ["admins"])
    assert org_role_groups(api, site, "administrators") == ["admins"]
    assert org_role_emails(api, site, "administrators") == []
    assert api.ok("getAllUsers", orgToken=site.org_token)["users"]


def test_set_organization_assignments_with_unknown_user_answers_2011(api: Api, site: Bootstrap):
    code, _ = api.error(
        "setOrganizationAssignments", orgToken=site.org_token, readOnlyUsers=role(["ghost@x.test"])
    )
    assert code == 2011


def test_set_organization_assignments_with_outsider_answers_2007(
    api: Api, site: Bootstrap, database: Database
):
    other_organization_member(database)
    code, _ = api.error(
        "setOrganizationAssignments", orgToken=site.org_token, readOnlyUsers=role([OUTSIDER])
    )
    assert code == 2007
    assert org_role_emails(api, site, "readOnlyUsers") == []


def test_set_organization_assignments_with_unknown_group_answers_2008(api: Api, site: Bootstrap):
    code, message = api.error(
        "setOrganizationAssignments", orgToken=site.org_token, readOnlyUsers=role([], ["nope"])
    )
    assert code == 2008 and "nope" in message


def test_set_organization_assignments_is_recorded_with_before_and_after(
    api: Api, site: Bootstrap, database: Database
):
    create_user(api, site, "alice@example.com", "Alice")
    set_org_role(api, site, "administrators", [ADMIN, "alice@example.com"])
    [entry] = change_log(database, "ROLE", "UPDATED")
    assert entry["user_email"] == ADMIN and entry["scope"] == "ORGANIZATION"
    assert entry["before"] == [{"role": "administrators", "users": [ADMIN], "groups": []}]
    assert entry["after"] == [
        {"role": "administrators", "users": [ADMIN, "alice@example.com"], "groups": []}
    ]


# --- product assignments ---------------------------------------------------------------


def test_product_assignments_start_empty(api: Api, site: Bootstrap):
    product = create_product(api, site)
    answer = api.ok("getProductAssignments", productToken=product)
    assert answer == {"userRoles": {}, "groupRoles": {}}


def test_set_product_assignments_is_read_back(api: Api, site: Bootstrap):
    product = create_product(api, site)
    create_user(api, site, "alice@example.com", "Alice")
    create_group(api, site, "devs")

    answer = set_product_role(api, product, "productMembership", ["alice@example.com"], ["devs"])

    assert "productMembership" in answer["message"]
    roles = api.ok("getProductAssignments", productToken=product)
    assert [u["email"] for u in roles["userRoles"]["productMembership"]] == ["alice@example.com"]
    assert [g["name"] for g in roles["groupRoles"]["productMembership"]] == ["devs"]


def test_product_assignments_are_per_product(api: Api, site: Bootstrap):
    shop = create_product(api, site, "Shop")
    blog = create_product(api, site, "Blog")
    set_product_role(api, shop, "productAdmins", [ADMIN])
    assert product_role_emails(api, shop, "productAdmins") == [ADMIN]
    assert product_role_emails(api, blog, "productAdmins") == []


def test_product_admins_may_be_emptied(api: Api, site: Bootstrap):
    product = create_product(api, site)
    set_product_role(api, product, "productAdmins", [ADMIN])
    set_product_role(api, product, "productAdmins", [])
    assert product_role_emails(api, product, "productAdmins") == []


def test_set_product_assignments_without_a_role_names_the_roles(api: Api, site: Bootstrap):
    product = create_product(api, site)
    code, message = api.error("setProductAssignments", productToken=product)
    assert code == 3010 and "productAdmins" in message


def test_set_product_assignments_ignores_organization_role_names(api: Api, site: Bootstrap):
    product = create_product(api, site)
    code, _ = api.error("setProductAssignments", productToken=product, administrators=role([ADMIN]))
    assert code == 3010


def test_product_assignments_without_product_token_name_it(api: Api, site: Bootstrap):
    code, message = api.error("getProductAssignments", orgToken=site.org_token)
    assert code == 3010 and "productToken" in message
    code, message = api.error(
        "setProductAssignments", orgToken=site.org_token, productAdmins=role([ADMIN])
    )
    assert code == 3010 and "productToken" in message


def test_set_product_assignments_with_unknown_user_or_group_is_refused(api: Api, site: Bootstrap):
    product = create_product(api, site)
    code, _ = api.error(
        "setProductAssignments", productToken=product, productAdmins=role(["ghost@x.test"])
    )
    assert code == 2011
    code, _ = api.error(
        "setProductAssignments", productToken=product, productAdmins=role([], ["nope"])
    )
    assert code == 2008
    assert api.ok("getProductAssignments", productToken=product)["userRoles"] == {}


def test_set_product_assignments_is_recorded_in_change_log(
    api: Api, site: Bootstrap, database: Database
):
    product = create_product(api, site)
    set_product_role(api, product, "productIntegrators", [ADMIN])
    [entry] = change_log(database, "ROLE", "UPDATED")
    assert entry["scope"] == "PRODUCT" and entry["user_email"] == ADMIN
    assert entry["before"] == [{"role": "productIntegrators", "users": [], "groups": []}]
    assert entry["after"] == [{"role": "productIntegrators", "users": [ADMIN], "groups": []}]


# --- what a product administrator may do -----------------------------------------------


def product_admin_key(api: Api, site: Bootstrap, database: Database, product: str) -> str:
    """Alice, made administrator of ``product`` and given a key by the operator."""
    create_user(api, site, "alice@example.com", "Alice")
    set_product_role(api, product, "productAdmins", ["alice@example.com"])
    return issue_user_key(database, "alice@example.com", site.org_token)


def test_product_admin_manages_assignments_of_their_product(
    api: Api, site: Bootstrap, database: Database
):
    product = create_product(api, site)
    key = product_admin_key(api, site, database, product)

    assert product_role_emails(api, product, "productAdmins", key=key) == ["alice@example.com"]
    set_product_role(api, product, "productMembership", [ADMIN], key=key)

    assert product_role_emails(api, product, "productMembership") == [ADMIN]


def test_product_admin_may_not_call_organization_user_requests(
    api: Api, site: Bootstrap, database: Database
):
    product = create_product(api, site)
    key = product_admin_key(api, site, database, product)

    code, _ = api.error("getAllUsers", key=key, orgToken=site.org_token)
    assert code == 5001
    code, _ = api.error(
        "setOrganizationAssignments",
        key=key,
        orgToken=site.org_token,
        administrators=role(["alice@example.com"]),
    )
    assert code == 5001
    assert org_role_emails(api, site, "administrators") == [ADMIN]


def test_product_admin_may_not_touch_another_product(api: Api, site: Bootstrap, database: Database):
    shop = create_product(api, site, "Shop")
    blog = create_product(api, site, "Blog")
    key = product_admin_key(api, site, database, shop)

    # another product does not exist for them (issue 14: no token oracle)
    unseen = (3000, "Invalid productToken: no such token")
    assert api.error("getProductAssignments", key=key, productToken=blog) == unseen
    code_and_message = api.error(
        "setProductAssignments",
        key=key,
        productToken=blog,
        productAdmins=role(["alice@example.com"]),
    )
    assert code_and_message == unseen

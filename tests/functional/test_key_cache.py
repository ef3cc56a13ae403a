"""The cache of key → caller (store/organizations/caller_cache.py) through the API: a
key's caller is read once, and a rotated key, a removed user or a changed role stops
the old grant at once in this process — with the old key's caller cached first, so each
test would fail if the change did not reach the cache."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from starlette.testclient import TestClient

from depvault.admin import Bootstrap, add_user, issue_user_key
from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.secrets import digest_key
from depvault.store.engine.db import Database, create_database
from depvault.store.organizations.caller_cache import read_access_counter
from depvault.store.organizations.identity import caller_by_key, held_grants
from tests.conftest import Api

ADMIN = "admin@depvault.local"


def _service_user(api: Api, site: Bootstrap, name: str, role: str = "readOnlyUsers") -> str:
    """A service user holding ``role`` in the organization; returns its key."""
    key = api.ok("createServiceUser", orgToken=site.org_token, addedUser={"name": name})[
        "userToken"
    ]
    _set_org_role(api, site, role, [_service_email(api, site, name)])
    return str(key)


def _service_email(api: Api, site: Bootstrap, name: str) -> str:
    listed = api.ok("getOrganizationServiceUsers", orgToken=site.org_token)["serviceUsers"]
    return str(next(u["email"] for u in listed if u["name"] == name))


def _set_org_role(api: Api, site: Bootstrap, role: str, emails: list[str]) -> None:
    api.ok(
        "setOrganizationAssignments",
        orgToken=site.org_token,
        **{role: {"userAssignments": [{"email": e} for e in emails], "groupAssignments": None}},
    )


def _details(api: Api, site: Bootstrap, key: str) -> Any:
    return api.call("getOrganizationDetails", key=key, orgToken=site.org_token)


def _cached(database: Database, key: str) -> bool:
    with database.transaction(write=False) as db:
        caller = caller_by_key(db, key)
    return caller is not None and database.callers.get(digest_key(key)) == caller


def _second_details_statements(api: Api, site: Bootstrap, database: Database) -> list[str]:
    """The statements of a getOrganizationDetails call made a second time (the caller
    cached by the first)."""
    api.ok("getOrganizationDetails", orgToken=site.org_token)
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        api.ok("getOrganizationDetails", orgToken=site.org_token)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    return statements


def test_a_known_key_is_read_from_the_database_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    statements = _second_details_statements(api, site, database)
    assert statements, "the request ran no statement at all"
    assert not [s for s in statements if "key_digest" in s], statements


def test_an_unknown_key_is_not_cached(api: Api, site: Bootstrap, database: Database) -> None:
    code, message = api.error("getOrganizationDetails", key="Z" * 64, orgToken=site.org_token)
    assert (code, message) == (5001, "Invalid userKey")
    assert database.callers.get(digest_key("Z" * 64)) is None


def test_a_rotated_service_user_key_stops_at_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    old = _service_user(api, site, "ci-bot")
    assert "errorCode" not in _details(api, site, old)
    assert _cached(database, old)

    new = api.ok("regenerateUserKey", serviceUserKey=old, orgToken=site.org_token)["userToken"]

    assert _details(api, site, old) == {"errorCode": 5001, "errorMessage": "Invalid userKey"}
    assert _details(api, site, new)["orgToken"] == site.org_token


def test_a_key_rotated_by_the_operator_in_this_process_stops_at_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    old = add_user(database, "alice@example.com", site.org_token, admin=True)
    assert old is not None
    assert "errorCode" not in _details(api, site, old)
    assert _cached(database, old)

    new = issue_user_key(database, "alice@example.com", site.org_token)

    assert _details(api, site, old)["errorMessage"] == "Invalid userKey"
    assert "errorCode" not in _details(api, site, new)


def test_a_removed_service_user_key_stops_at_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    key = _service_user(api, site, "ci-bot")
    assert "errorCode" not in _details(api, site, key)
    assert _cached(database, key)

    email = _service_email(api, site, "ci-bot")
    api.ok("removeUserFromOrganization", user={"email": email}, orgToken=site.org_token)

    # deleted with its organization membership: the key names nobody any more
    assert _details(api, site, key) == {"errorCode": 5001, "errorMessage": "Invalid userKey"}
    assert database.callers.get(digest_key(key)) is None


def test_a_removed_person_loses_the_organization_at_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    key = add_user(database, "alice@example.com", site.org_token, admin=True)
    assert key is not None
    assert "errorCode" not in _details(api, site, key)

    api.ok(
        "removeUserFromOrganization", user={"email": "alice@example.com"}, orgToken=site.org_token
    )

    # no longer a member, the organization is one the key cannot see: answered exactly
    # as a token that does not exist (issue 14: no token oracle)
    made_up = api.call("getOrganizationDetails", key=key, orgToken="Z" * 64)
    assert "errorCode" in made_up
    assert _details(api, site, key) == made_up


def test_a_changed_role_stops_the_old_grant_at_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    key = _service_user(api, site, "ci-bot", role="administrators")
    email = _service_email(api, site, "ci-bot")
    assert "errorCode" not in api.call("getAllUsers", key=key, orgToken=site.org_token)
    assert _cached(database, key)

    # administrators → readOnlyUsers: reading still works, administering stops
    _set_org_role(api, site, "administrators", [ADMIN])
    _set_org_role(api, site, "readOnlyUsers", [email])

    assert api.call("getAllUsers", key=key, orgToken=site.org_token)["errorCode"] == 5001
    assert "errorCode" not in _details(api, site, key)

    _set_org_role(api, site, "readOnlyUsers", [])
    assert _details(api, site, key)["errorCode"] == 5001


def test_the_callers_roles_are_read_from_the_database_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    statements = _second_details_statements(api, site, database)
    assert not [s for s in statements if "role_assignments" in s], statements
    assert [s for s in statements if "change_counters" in s], "the counter was not read"


def _other_process(config: Config) -> Database:
    """A second process on the same store: a second database object with its own
    cache (here in this process; a second server or a worker in production)."""
    return create_database(config)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_another_process_sees_a_rotation_at_its_next_request(
    api: Api, site: Bootstrap, config: Config, database: Database
) -> None:
    """A second process keeps its cached caller only while the access counter stays
    put: the rotation committed here bumps it, and the next request there reads it."""
    other = _other_process(config)
    try:
        old = add_user(database, "alice@example.com", site.org_token, admin=True)
        assert old is not None
        with other.transaction(write=False) as db:
            assert caller_by_key(db, old) is not None
        assert other.callers.get(digest_key(old)) is not None  # cached over there

        issue_user_key(database, "alice@example.com", site.org_token)

        with other.transaction(write=False) as db:
            assert caller_by_key(db, old) is None
    finally:
        other.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_another_process_sees_a_removed_role_at_its_next_request(
    api: Api, site: Bootstrap, config: Config, database: Database
) -> None:
    """The roles cached with the caller in a second process go when a role changes
    here: the old grant stops at that process's next request."""
    key = _service_user(api, site, "ci-bot", role="administrators")
    other = _other_process(config)
    try:
        with TestClient(create_app(config, other, migrate=False, inline_jobs=True)) as client:
            there = Api(client, site.user_key)
            assert "errorCode" not in there.call("getAllUsers", key=key, orgToken=site.org_token)
            caller = other.callers.get(digest_key(key))
            assert caller is not None and other.callers.grants(caller.id)  # cached there

            _set_org_role(api, site, "administrators", [ADMIN])  # through this process

            refused = there.call("getAllUsers", key=key, orgToken=site.org_token)
            assert refused["errorCode"] == 5001
    finally:
        other.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_row_changed_behind_depvaults_back_goes_with_the_ttl(
    api: Api, site: Bootstrap, config: Config, database: Database
) -> None:
    """What no counter sees (a key digest edited by hand) lasts one TTL at most."""
    other = _other_process(config)
    now = [0.0]
    other.callers._clock = lambda: now[0]
    try:
        key = add_user(database, "alice@example.com", site.org_token, admin=True)
        assert key is not None
        with other.transaction(write=False) as db:
            assert caller_by_key(db, key) is not None
        with database.transaction() as db:
            db.execute(
                text("UPDATE users SET key_digest = NULL WHERE email = :e"),
                {"e": "alice@example.com"},
            )
        with other.transaction(write=False) as db:
            assert caller_by_key(db, key) is not None  # still cached over there
        now[0] += config.key_cache_seconds
        with other.transaction(write=False) as db:
            assert caller_by_key(db, key) is None
    finally:
        other.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_deleted_products_roles_go_from_the_cache(
    api: Api, site: Bootstrap, database: Database
) -> None:
    product = api.ok("createProduct", orgToken=site.org_token, productName="Shop")
    key = _service_user(api, site, "ci-bot", role="readOnlyUsers")
    email = _service_email(api, site, "ci-bot")
    _set_org_role(api, site, "readOnlyUsers", [])
    api.ok(
        "setProductAssignments",
        productToken=product["productToken"],
        productIntegrators={"userAssignments": [{"email": email}], "groupAssignments": None},
    )
    assert "errorCode" not in api.call(
        "getOrganizationProjectVitals", key=key, orgToken=site.org_token
    )
    caller = database.callers.get(digest_key(key))
    assert caller is not None and database.callers.grants(caller.id)

    api.ok("deleteProduct", productToken=product["productToken"])

    assert database.callers.grants(caller.id) is None
    refused = api.call("getOrganizationProjectVitals", key=key, orgToken=site.org_token)
    assert refused["errorCode"] == 5001


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_transaction_older_than_a_role_change_does_not_cache_its_grants(
    api: Api, site: Bootstrap, database: Database
) -> None:
    """SQLite reads a snapshot: a read transaction begun before a role change commits
    still sees the old roles after the cache has moved on; they must not be stored."""
    key = _service_user(api, site, "ci-bot", role="administrators")
    email = _service_email(api, site, "ci-bot")
    with database.transaction(write=False) as old:
        read_access_counter(old)  # the snapshot starts here
        _set_org_role(api, site, "administrators", [ADMIN])
        _set_org_role(api, site, "readOnlyUsers", [email])
        with database.transaction(write=False) as new:
            caller = caller_by_key(new, key)
            assert caller is not None
        caller = caller_by_key(old, key)
        assert caller is not None
        assert any(g.role == "administrators" for g in held_grants(old, caller.id))
    assert database.callers.grants(caller.id) is None
    assert api.call("getAllUsers", key=key, orgToken=site.org_token)["errorCode"] == 5001


def test_the_counter_is_read_with_the_scope_token(
    api: Api, site: Bootstrap, database: Database
) -> None:
    """A small read's round trips: the ``access`` counter comes with the scope token's
    row (one statement), not in a statement of its own."""
    statements = _second_details_statements(api, site, database)
    reading = [s for s in statements if "change_counters" in s]
    assert len(reading) == 1 and "organizations" in reading[0], statements


def test_a_bad_key_is_refused_before_an_unknown_token(api: Api, site: Bootstrap) -> None:
    code, message = api.error("getOrganizationDetails", key="Z" * 64, orgToken="T" * 36)
    assert (code, message) == (5001, "Invalid userKey")
    code, message = api.error("getOrganizationDetails", orgToken="T" * 36)
    assert "orgToken" in message

"""The protocol edge: methods, bodies, envelopes, keys, tokens, charsets, versions."""

from __future__ import annotations

import dataclasses
import json

import pytest
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import Database
from tests.conftest import Api


def _post(client: TestClient, body: object, **headers: str) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers.setdefault("content-type", "application/json")
    response = client.post("/api/v1.3", content=raw, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow_and_envelope(app_client: TestClient, method: str):
    response = app_client.request(method, "/api/v1.3")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errorCode"] == 3000
    assert "POST" in response.json()["errorMessage"]


def test_body_must_be_declared_json(app_client: TestClient, site: Bootstrap):
    status, answer = _post(
        app_client, {"requestType": "getAllProducts"}, **{"content-type": "text/plain"}
    )
    assert status == 415
    assert "application/json" in answer["errorMessage"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object"), (b"", "empty")],
)
def test_malformed_bodies_get_envelope(app_client: TestClient, raw: bytes, fragment: str):
    status, answer = _post(app_client, raw)
    assert status == 400
    assert answer["errorCode"] == 3000
    assert fragment in answer["errorMessage"]


def test_oversized_body_refused_before_reading(config: Config, database: Database):
    small = dataclasses.replace(config, max_body_bytes=1000)
    with TestClient(create_app(small, database, migrate=False)) as client:
        status, answer = _post(client, {"requestType": "x", "pad": "a" * 2000})
        assert status == 413
        assert "1000 bytes" in answer["errorMessage"]

        def chunks():
            yield b'{"requestType": "x", "pad": "'
            for _ in range(10):
                yield b"a" * 200
            yield b'"}'

        response = client.post(
            "/api/v1.3", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413


def test_missing_and_unknown_request_type_are_named(api: Api, site: Bootstrap):
    code, message = api.error("", orgToken=site.org_token)
    assert code == 3010 and "requestType" in message
    code, message = api.error("getEverything", orgToken=site.org_token)
    assert code == 3000 and "getEverything" in message


def test_user_key_is_required_and_checked(api: Api, site: Bootstrap, app_client: TestClient):
    status, answer = _post(
        app_client, {"requestType": "getAllProducts", "orgToken": site.org_token}
    )
    assert status == 200 and answer["errorCode"] == 3010 and "userKey" in answer["errorMessage"]
    wrong = "A" * 64
    code, message = api.error("getAllProducts", key=wrong, orgToken=site.org_token)
    assert code == 5001 and "userKey" in message


def test_scope_token_is_required_and_resolved(api: Api, site: Bootstrap):
    code, message = api.error("getAllProducts")
    assert code == 3010 and "orgToken" in message
    code, message = api.error("getAllProducts", orgToken="x" * 64)
    assert code == 3000 and "orgToken" in message


def test_token_of_wrong_kind_is_an_error_with_http_200(api: Api, site: Bootstrap):
    # The SDK discovers a token's kind by probing getProjectVitals, then
    # getProductProjectVitals: only the right kind may succeed (client-compat.md).
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    assert "errorCode" in api.call("getProjectVitals", projectToken=product)
    assert "projectVitals" in api.call("getProductProjectVitals", productToken=product)
    assert "errorCode" in api.call("getProductProjectVitals", productToken=site.org_token)


def test_extra_tokens_must_belong_to_the_scope(api: Api, site: Bootstrap):
    p1 = api.ok("createProduct", orgToken=site.org_token, productName="P1")["productToken"]
    p2 = api.ok("createProduct", orgToken=site.org_token, productName="P2")["productToken"]
    project = api.ok("createProject", productToken=p1, projectName="X")["projectToken"]
    # the right ancestors are accepted
    api.ok("getProjectVitals", projectToken=project, productToken=p1, orgToken=site.org_token)
    code, message = api.error("deleteProject", projectToken=project, productToken=p2)
    assert code == 3000 and "productToken" in message
    # a narrower token inside the scope is fine, one outside it is not
    api.ok("getAllProducts", orgToken=site.org_token, projectToken=project)
    other = api.ok("createOrganization", globalOrgToken=site.global_org_token, orgName="Other")[
        "orgToken"
    ]
    code, message = api.error("getProjectVitals", projectToken=project, orgToken=other)
    assert code == 3000 and "orgToken" in message
    assert api.ok("getProjectVitals", projectToken=project)["projectVitals"][0]["token"] == project


@pytest.mark.parametrize("character", ["<", ">", "%", "&"])
def test_forbidden_characters_are_refused_and_named(api: Api, site: Bootstrap, character: str):
    code, message = api.error(
        "createProduct", orgToken=site.org_token, productName=f"a{character}b"
    )
    assert code == 3000 and "productName" in message and character in message
    code, message = api.error(
        "createGroup", orgToken=site.org_token, group={"name": "g", "description": f"x{character}"}
    )
    assert "group.description" in message
    assert api.ok("getAllProducts", orgToken=site.org_token)["products"] == []


def test_unknown_fields_are_ignored(api: Api, site: Bootstrap):
    answer = api.ok(
        "getAllProducts",
        orgToken=site.org_token,
        agentInfo={"agent": "ps-sdk", "agentVersion": "23.12.2"},
        whatever=[1, 2],
    )
    assert answer == {"products": []}


def test_missing_and_invalid_parameters_are_named(api: Api, site: Bootstrap):
    code, message = api.error("createProduct", orgToken=site.org_token)
    assert code == 3010 and "productName" in message
    code, message = api.error("createProduct", orgToken=site.org_token, productName=["x"])
    assert code == 3000 and "productName" in message
    code, message = api.error(
        "getOrganizationLastModifiedProjects",
        orgToken=site.org_token,
        fromDateTime="yesterday",
        toDateTime="2026-01-01 00:00:00",
    )
    assert code == 3000 and "fromDateTime" in message


def test_a_null_parameter_is_an_absent_one(api: Api, site: Bootstrap):
    """Required and null: 3010 missing, at the top, nested, and inside a list; optional
    and null: its default (the SDK sends ``"groupAssignments": null``)."""
    org = site.org_token
    code, message = api.error("createProduct", orgToken=org, productName=None)
    assert (code, message) == (3010, "Missing required parameter 'productName'")
    code, message = api.error("createGroup", orgToken=org, group={"name": None})
    assert (code, message) == (3010, "Missing required parameter 'group.name'")
    api.ok("createGroup", orgToken=org, group={"name": "devs", "description": None})
    api.ok("createUser", orgToken=org, addedUser={"name": "a", "email": "a@example.com"})
    code, message = api.error(
        "addUsersToGroups",
        orgToken=org,
        assignedUsers=[[{"name": "devs"}, [{"email": "a@example.com"}, {"email": None}]]],
    )
    assert (code, message) == (3010, "Missing required parameter 'assignedUsers[0][1][1].email'")
    assert api.ok("getAllGroups", orgToken=org)["groups"][0]["users"] == []
    api.ok(
        "setOrganizationAssignments",
        orgToken=org,
        readOnlyUsers={"userAssignments": [{"email": "a@example.com"}], "groupAssignments": None},
        administrators=None,
    )
    roles = api.ok("getOrganizationAssignments", orgToken=org)["userRoles"]
    assert [u["email"] for u in roles["readOnlyUsers"]] == ["a@example.com"]
    assert roles["administrators"], "a null role is left as it was"
    assert api.ok("getOrganizationPolicies", orgToken=org, aggregatePolicies=None) == {
        "policies": []
    }


def test_a_parameter_inside_a_list_is_named_by_its_path(api: Api, site: Bootstrap):
    org = site.org_token
    users = [{"email": "a@example.com"}, {"email": "b@example.com"}, {"email": 5}]
    code, message = api.error(
        "setOrganizationAssignments", orgToken=org, readOnlyUsers={"userAssignments": users}
    )
    assert code == 3000
    assert message.startswith(
        "Invalid value of parameter 'readOnlyUsers.userAssignments[2].email': "
    )
    licenses = [{"name": "MIT"}, {"name": "BSD"}, {"spdxName": "GPL&MIT"}]
    policy = {
        "name": "p",
        "filter": {"type": "LICENSE", "licenses": licenses},
        "action": {"type": "REJECT"},
    }
    code, message = api.error("addOrganizationPolicy", orgToken=org, policy=policy)
    assert code == 3000
    assert message.startswith("Invalid value of parameter 'policy.filter.licenses[2].spdxName'")
    assert api.ok("getOrganizationPolicies", orgToken=org) == {"policies": []}


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("iso-8859-1", "iso-8859-1"),
        ("utf-16", "utf-16"),
        ("us-ascii", "us-ascii"),
        ("iso-8859-7;q=0.5, iso-8859-5", "iso-8859-5"),
        ("koi8-r", "utf-8"),
        (None, "utf-8"),
    ],
)
def test_answers_follow_accept_charset(
    app_client: TestClient, site: Bootstrap, header: str | None, charset: str
):
    name = "Zürich Ωμέγα 数据 😀"
    body = {
        "requestType": "createProduct",
        "userKey": site.user_key,
        "orgToken": site.org_token,
        "productName": name,
    }
    app_client.post("/api/v1.3", json=body)
    headers = {"accept-charset": header} if header else {}
    response = app_client.post(
        "/api/v1.3",
        json={
            "requestType": "getAllProducts",
            "userKey": site.user_key,
            "orgToken": site.org_token,
        },
        headers=headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"application/json; charset={charset}"
    decoded = json.loads(response.content.decode(charset))
    assert decoded["products"][0]["productName"] == name


def test_request_body_charset_is_honoured(app_client: TestClient, site: Bootstrap):
    body = json.dumps(
        {
            "requestType": "createProduct",
            "userKey": site.user_key,
            "orgToken": site.org_token,
            "productName": "Café",
        },
        ensure_ascii=False,
    ).encode("iso-8859-1")
    status, answer = _post(
        app_client, body, **{"content-type": "application/json; charset=iso-8859-1"}
    )
    assert status == 200 and "productToken" in answer


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_every_version_endpoint_answers(app_client: TestClient, site: Bootstrap, version: str):
    api = Api(app_client, site.user_key, version=version)
    assert api.ok("getOrganizationDetails", orgToken=site.org_token)["orgToken"] == site.org_token


def test_unknown_paths_and_health(app_client: TestClient):
    response = app_client.post("/api/v9.9", json={})
    assert response.status_code == 404 and response.json()["errorCode"] == 3000
    health = app_client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_success_bodies_never_mention_error_words(api: Api, site: Bootstrap):
    # Tools treat "errorCode", "errorMessage" or "Error" in a body as a failure.
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")
    for answer in (product, api.ok("getAllProducts", orgToken=site.org_token)):
        text = json.dumps(answer)
        assert "errorCode" not in text and "errorMessage" not in text and "Error" not in text

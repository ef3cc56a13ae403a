"""Hostile input answered precisely on every backend (issue 14): characters a backend
cannot store, tokens the caller cannot see, wrong keys in bulk, clients that vanish."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.api.agent.form import FIELDS
from depvault.api.app import create_app
from depvault.api.registry import build_registry
from depvault.api.request_types import SCOPE_TOKEN_FIELDS, ApiVersion, RequestType
from depvault.config import Config
from depvault.domain.access import Level
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.live_server import live_server
from tests.request_schemas import body_at, path_name, string_paths
from tests.samples import SMALL_DIFF, SMALL_SBOM

REGISTRY = build_registry()
NUL = "n\x00x"


def _version(request_type: RequestType[Any]) -> str:
    served = request_type.versions
    return "1.3" if ApiVersion.V1_3 in served else sorted(v.value for v in served)[0]


def _tokens(api: Api, site: Bootstrap) -> dict[Level, str]:
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    project = api.ok("createProject", productToken=product, projectName="p")["projectToken"]
    return {
        Level.GLOBAL_ORG: site.global_org_token,
        Level.ORG: site.org_token,
        Level.PRODUCT: product,
        Level.PROJECT: project,
    }


def _post(client: TestClient, version: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.post(f"/api/v{version}", json=body)
    return response.status_code, response.json()


def test_nul_in_every_string_parameter_of_every_request_type_answers_3000(
    api: Api, site: Bootstrap
) -> None:
    """NUL (which PostgreSQL text cannot hold) anywhere in any string parameter of any
    request type, the envelope's own included, is refused naming the parameter."""
    tokens = _tokens(api, site)
    problems, sent = [], 0
    for request_type in REGISTRY:
        scope_field = SCOPE_TOKEN_FIELDS.get(request_type.level)
        base = {"requestType": request_type.name, "userKey": site.user_key}
        if scope_field:
            base[scope_field] = tokens[request_type.level]
        envelope = [("userKey",)] + ([(scope_field,)] if scope_field else [])
        for path in envelope + string_paths(request_type):
            body = {**base, **body_at(path, NUL)}
            status, answer = _post(api.client, _version(request_type), body)
            sent += 1
            message = answer.get("errorMessage", "")
            if answer.get("errorCode") != 3000 or f"'{path_name(path)}'" not in message:
                problems.append(f"{request_type.name} {path_name(path)}: {status} {answer}")
    assert sent > 600
    assert not problems, "\n".join(problems[:20])


def test_nul_in_documents_is_refused_naming_the_document(api: Api, site: Bootstrap) -> None:
    tokens = _tokens(api, site)
    project = tokens[Level.PROJECT]
    sbom = json.loads(json.dumps(SMALL_SBOM))
    sbom["components"][0]["name"] = NUL
    code, message = api.error("importProjectSbom", projectToken=project, sbom=sbom)
    assert (code, message) == (
        3000,
        "Invalid value of parameter 'sbom.components[0].name': the character U+0000 "
        "cannot be stored",
    )
    # the same document as base64, then gzip'd: found in the inventory it is read into
    raw = json.dumps(sbom).encode()
    for document in (raw, gzip.compress(raw)):
        code, message = api.error(
            "importProjectSbom", projectToken=project, sbom=base64.b64encode(document).decode()
        )
        assert code == 3000, message
        assert message.startswith("Invalid value of parameter 'sbom': the character U+0000")
        assert "components[0].name" in message


def _agent(client: TestClient, site: Bootstrap, **fields: str) -> dict[str, Any]:
    form = {
        "type": "UPDATE",
        "token": site.org_token,
        "userKey": site.user_key,
        "product": "Shop",
        "diff": json.dumps(SMALL_DIFF),
        **fields,
    }
    response = client.post(
        "/agent",
        content=urlencode(form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def test_nul_in_every_agent_field_is_refused_naming_it(
    app_client: TestClient, site: Bootstrap
) -> None:
    for name in FIELDS:
        if name == "diff":
            continue
        answer = _agent(app_client, site, **{name: NUL})
        assert answer["status"] == 2, (name, answer)
        assert f"'{name}'" in answer["message"] and "U+0000" in answer["message"], answer
    for where in ("tag", "dependency", "project"):
        diff = json.loads(json.dumps(SMALL_DIFF))
        if where == "tag":
            diff[0]["projectTags"][0]["tagKey"] = NUL
        elif where == "dependency":
            diff[0]["dependencies"][0]["version"] = NUL
        else:
            diff[0]["coordinates"]["artifactId"] = NUL
        encoded = base64.b64encode(gzip.compress(json.dumps(diff).encode())).decode()
        for value in (json.dumps(diff), encoded):
            answer = _agent(app_client, site, diff=value)
            assert answer["status"] == 2, (where, answer)
            assert answer["message"].startswith("Invalid value of parameter 'diff'"), answer
            assert "U+0000" in answer["message"], answer


# --- no token oracle ---------------------------------------------------------------------


def test_foreign_and_missing_tokens_answer_identically(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database
) -> None:
    """At every scope level, through the JSON API, importProjectSbom (either of its
    scope tokens) and /agent, another organization's token answers word for word as a
    token that does not exist."""
    tokens = _tokens(api, site)
    other = admin.create_organization(database, "Other", admin_email="other@example.com")
    assert other.user_key is not None
    theirs = Api(app_client, other.user_key)
    made_up = "Z" * 36
    calls: list[tuple[str, Level, dict[str, Any]]] = [
        ("createOrganization", Level.GLOBAL_ORG, {"orgName": "X"}),
        ("getAllProducts", Level.ORG, {}),
        ("getProductVitals", Level.PRODUCT, {}),
        ("getProjectVitals", Level.PROJECT, {}),
        ("importProjectSbom", Level.PROJECT, {"sbom": SMALL_SBOM}),
        ("importProjectSbom", Level.PRODUCT, {"sbom": SMALL_SBOM, "projectName": "n"}),
        ("deleteProject", Level.PROJECT, {}),
    ]
    for name, level, params in calls:
        field = SCOPE_TOKEN_FIELDS[level]
        foreign = theirs.call(name, **{field: tokens[level]}, **params)
        missing = theirs.call(name, **{field: made_up}, **params)
        assert (
            foreign
            == missing
            == {
                "errorCode": 3000,
                "errorMessage": f"Invalid {field}: no such token",
            }
        ), (name, foreign, missing)
    foreign = _agent(app_client, site, userKey=other.user_key)
    missing = _agent(app_client, site, userKey=other.user_key, token=made_up)
    assert foreign == missing and foreign["message"] == "Invalid token: no such token"
    # a token the caller sees but may not act on is still refused as such
    assert api.ok("getProjectVitals", projectToken=tokens[Level.PROJECT])


# --- failed-key throttling ---------------------------------------------------------------


def _client(app: Any, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def test_wrong_keys_from_one_address_slow_that_address_only(
    config: Config, database: Database, site: Bootstrap, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(config, database, migrate=False, inline_jobs=True)
    body = {"requestType": "getOrganizationDetails", "orgToken": site.org_token}
    caplog.set_level(logging.INFO)
    with _client(app, "10.0.0.1") as attacker, _client(app, "10.0.0.2") as neighbour:
        answers = [
            attacker.post("/api/v1.3", json={**body, "userKey": f"wrong{i}"}) for i in range(100)
        ]
        codes = [(a.status_code, a.json()["errorCode"]) for a in answers]
        assert codes[:30] == [(200, 5001)] * 30  # the first 30 are checked and refused
        assert set(codes[30:]) == {(429, 3000)}  # then the address is told to wait
        assert int(answers[-1].headers["retry-after"]) in range(1, 61)
        started = time.monotonic()
        right = neighbour.post("/api/v1.3", json={**body, "userKey": site.user_key})
        assert right.status_code == 200 and right.json()["orgToken"] == site.org_token
        assert time.monotonic() - started < 5
        same = attacker.post("/api/v1.3", json={**body, "userKey": site.user_key})
        assert same.status_code == 429
        assert same.json()["errorMessage"].startswith("Too many invalid userKeys")
        agent = _agent(attacker, site)
        assert agent["status"] == 2 and agent["message"].startswith("Too many invalid")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "30 invalid userKeys from 10.0.0.1" in warnings[0].getMessage()
    assert not any("wrong" in r.getMessage() for r in caplog.records)  # never the key
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_forwarded_client_is_believed_from_trusted_proxies_only(
    config: Config, database: Database, site: Bootstrap
) -> None:
    settings = Config(
        data_dir=config.data_dir,
        database_url=config.database_url,
        auth_failures_per_minute=3,
        trusted_proxies="10.9.0.0/16",
    )
    app = create_app(settings, database, migrate=False, inline_jobs=True)
    body = {"requestType": "getAllProducts", "orgToken": site.org_token, "userKey": "bad"}
    with _client(app, "10.9.0.5") as proxy, _client(app, "192.0.2.7") as stranger:
        for _ in range(3):  # three clients behind the proxy: counted apart
            for client in ("198.51.100.1", "198.51.100.2"):
                forwarded = {"x-forwarded-for": f"6.6.6.6, {client}"}
                assert proxy.post("/api/v1.3", json=body, headers=forwarded).status_code == 200
        blocked = {"x-forwarded-for": "198.51.100.1"}
        assert proxy.post("/api/v1.3", json=body, headers=blocked).status_code == 429
        fresh = {"x-forwarded-for": "198.51.100.3"}
        assert proxy.post("/api/v1.3", json=body, headers=fresh).status_code == 200
        # a client that is not a trusted proxy cannot pick the address it is counted as
        for i in range(4):
            spoof = {"x-forwarded-for": f"203.0.113.{i}"}
            answer = stranger.post("/api/v1.3", json=body, headers=spoof)
        assert answer.status_code == 429


# --- quiet disconnects -------------------------------------------------------------------


def test_a_client_gone_mid_body_is_an_info_line(tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        for path in ("/api/v1.3", "/agent"):
            for _ in range(5):
                with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                    sock.sendall(
                        f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                        'content-length: 100000\r\n\r\n{"requestType": '.encode()
                    )
                    time.sleep(0.05)
        deadline = time.monotonic() + 30
        while server.log().count("disconnected before") < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        log = server.log()
    assert log.count("disconnected before") == 10, log
    assert "ERROR" not in log and "Traceback" not in log, log

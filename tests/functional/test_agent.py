"""The scanning agent's UPDATE request through ``POST /agent``."""

from __future__ import annotations

import base64
import gzip
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database
from depvault.store.inventories import writes as inventory_store
from depvault.store.models import UpdateItem
from tests.conftest import Api
from tests.data_files import DATA


def dep(
    group: str, artifact: str, version: str, *children: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "groupId": group,
        "artifactId": artifact,
        "version": version,
        "dependencyType": "MAVEN",
        "children": list(children),
        **extra,
    }


TREE = [
    dep(
        "org.springframework",
        "spring-web",
        "5.2.0",
        dep(
            "org.springframework",
            "spring-core",
            "5.2.0",
            dep("org.springframework", "spring-jcl", "5.2.0"),
        ),
        dep(
            "com.fasterxml.jackson.core",
            "jackson-databind",
            "2.9.10",
            dep("com.fasterxml.jackson.core", "jackson-core", "2.9.10"),
        ),
    ),
    dep(
        "junit",
        "junit",
        "4.12",
        dep("org.hamcrest", "hamcrest-core", "1.3"),
        scope="test",
        sha1="2973d150c0dc1fefe998f834810d68f278ea58ec",
        systemPath="/repo/junit-4.12.jar",
        dependencyFile="/repo/pom.xml",
    ),
    dep("com.fasterxml.jackson.core", "jackson-core", "2.9.10"),
]


def diff(projects: list[dict[str, Any]], encoding: str = "gzip") -> str:
    raw = json.dumps(projects)
    if encoding == "plain":
        return raw
    return base64.b64encode(gzip.compress(raw.encode())).decode()


def project(name: str, dependencies: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"coordinates": {"artifactId": name}, "dependencies": dependencies, **extra}


def post_agent(
    client: TestClient, site: Bootstrap, diff_value: str, *, encoded: bool = True, **fields: str
) -> dict[str, Any]:
    form = {
        "type": "UPDATE",
        "agent": "fs-agent",
        "agentVersion": "21.1.1",
        "token": site.org_token,
        "userKey": site.user_key,
        "product": "Shop",
        "timeStamp": "1700000000000",
        **fields,
        "diff": diff_value,
    }
    # unencoded is the SBOM-import tool's way: nothing percent-encoded
    raw = "&".join(f"{k}={v}" for k, v in form.items())
    body = urlencode(form) if encoded else raw
    response = client.post(
        "/agent",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"envelopeVersion", "status", "message", "data", "requestToken"}
    return answer


def shape(libraries: list[dict[str, Any]]) -> list[Any]:
    return [
        ((lib["groupId"], lib["artifactId"], lib["version"]), shape(lib["dependencies"]))
        for lib in libraries
    ]


def tree_shape(deps: list[dict[str, Any]]) -> list[Any]:
    return [
        ((d["groupId"], d["artifactId"], d["version"]), tree_shape(d["children"])) for d in deps
    ]


def project_token(api: Api, site: Bootstrap, name: str) -> str:
    vitals = api.ok("getOrganizationProjectVitals", orgToken=site.org_token)["projectVitals"]
    return str(next(v["token"] for v in vitals if v["name"] == name))


@pytest.mark.parametrize(
    ("encoding", "encoded"), [("gzip", True), ("plain", True), ("plain", False), ("gzip", False)]
)
def test_an_update_is_read_back_identically(
    app_client: TestClient, api: Api, site: Bootstrap, encoding: str, encoded: bool
):
    answer = post_agent(
        app_client,
        site,
        diff([project("web", TREE)], encoding),
        encoded=encoded,
        scanComment="branch:main;build:7",
    )
    assert answer["status"] == 1, answer
    data = json.loads(answer["data"])
    assert data["createdProjects"] == ["web"] and data["updatedProjects"] == []
    assert data["requestToken"] == answer["requestToken"]
    token = data["projectNamesToDetails"]["web"]["projectToken"]
    assert data["projectNamesToIds"]["web"] == data["projectNamesToDetails"]["web"]["projectId"]
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state["requestState"] == "FINISHED"
    hierarchy = api.ok("getProjectHierarchy", projectToken=token)["libraries"]
    assert sorted(shape(hierarchy)) == sorted(tree_shape(TREE))
    inventory = api.ok("getProjectInventory", projectToken=token)
    libraries = {(lib["groupId"], lib["artifactId"]): lib for lib in inventory["libraries"]}
    assert len(libraries) == 7  # 8 nodes: jackson-core appears twice, once in the inventory
    assert libraries[("junit", "junit")]["sha1"] == "2973d150c0dc1fefe998f834810d68f278ea58ec"
    assert libraries[("junit", "junit")]["directDependency"] is True
    assert libraries[("org.hamcrest", "hamcrest-core")]["directDependency"] is False
    assert libraries[("com.fasterxml.jackson.core", "jackson-core")]["directDependency"] is True
    vitals = inventory["projectVitals"]
    assert vitals["pluginName"] == "fs-agent:21.1.1" and vitals["productName"] == "Shop"
    assert vitals["lastScanComment"] == "branch:main;build:7"


def test_updates_override_append_and_remove(app_client: TestClient, api: Api, site: Bootstrap):
    def names(token: str) -> set[str]:
        libraries = api.ok("getProjectInventory", projectToken=token)["libraries"]
        return {lib["artifactId"] for lib in libraries}

    post_agent(app_client, site, diff([project("svc", TREE)]))
    token = project_token(api, site, "svc")
    assert len(names(token)) == 7
    extra = [dep("org.slf4j", "slf4j-api", "1.7.30")]
    answer = post_agent(app_client, site, diff([project("svc", extra)]), updateType="APPEND")
    assert json.loads(answer["data"])["updatedProjects"] == ["svc"]
    assert "slf4j-api" in names(token) and len(names(token)) == 8
    post_agent(
        app_client,
        site,
        diff([project("svc", [dep("junit", "junit", "4.12")])]),
        updateType="REMOVE",
    )
    assert "junit" not in names(token) and len(names(token)) == 7
    post_agent(app_client, site, diff([project("svc", extra)]), updateType="OVERRIDE")
    assert names(token) == {"slf4j-api"}
    post_agent(app_client, site, diff([project("svc", TREE)]), updateType="SOFT_RUN")
    assert names(token) == {"slf4j-api"}


def test_several_projects_one_request_and_tags(app_client: TestClient, api: Api, site: Bootstrap):
    answer = post_agent(
        app_client,
        site,
        diff(
            [
                project("a", TREE[:1], projectTags=[{"tagKey": "team", "tagValue": "web"}]),
                project("b", TREE[1:]),
            ]
        ),
    )
    data = json.loads(answer["data"])
    assert sorted(data["createdProjects"]) == ["a", "b"]
    tags = api.ok("getProjectTags", projectToken=project_token(api, site, "a"))["projectTags"]
    assert tags[0]["tags"] == {"team": ["web"]}
    last = api.ok("getProjectLastModification", projectToken=project_token(api, site, "b"))
    assert (
        last["projectLastModifications"][0]["extraData"]["requestToken"] == answer["requestToken"]
    )
    state = api.ok("getProjectState", projectToken=project_token(api, site, "b"))
    assert state["projectState"]["inProgress"] is False


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"token": "x" * 64}, "token"),
        ({"userKey": "y" * 64}, "userKey"),
        ({"type": "GET_DEPENDENCY_DATA"}, "not supported yet"),
        ({"updateType": "MERGE"}, "updateType"),
        ({"diff": "!!!not base64"}, "Invalid diff"),
        ({"diff": base64.b64encode(b"\x1f\x8bnot really gzip").decode()}, "gzip"),
        ({"diff": '[{"coordinates": {}}]'}, "no name"),
        ({"diff": "[{]"}, "not valid JSON"),
        ({"product": "a<b"}, "product"),
    ],
)
def test_bad_updates_get_a_precise_envelope(
    app_client: TestClient,
    site: Bootstrap,
    database: Database,
    fields: dict[str, str],
    fragment: str,
):
    fields = dict(fields)  # parametrized values are shared between the backends
    value = fields.pop("diff", diff([project("p", TREE)]))
    answer = post_agent(app_client, site, value, **fields)
    assert answer["status"] == 2 and fragment in answer["message"], answer
    with database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(UpdateItem)) == 0


def test_a_decompression_bomb_is_refused_while_expanding(config, database, site):  # type: ignore[no-untyped-def]
    from depvault.api.app import create_app
    from depvault.config import Config

    small = Config(
        data_dir=config.data_dir, database_url=config.database_url, max_expanded_bytes=100_000
    )
    bomb = base64.b64encode(gzip.compress(b"[" + b" " * 50_000_000 + b"]")).decode()
    with TestClient(create_app(small, database, migrate=False, inline_jobs=True)) as client:
        answer = post_agent(client, site, bomb)
    assert answer["status"] == 2 and "100000 bytes" in answer["message"]


def test_too_deep_trees_are_refused(app_client: TestClient, site: Bootstrap):
    node: dict[str, Any] = dep("g", "leaf", "1")
    for level in range(250):
        node = dep("g", f"n{level}", "1", node)
    answer = post_agent(app_client, site, diff([project("deep", [node])]))
    assert answer["status"] == 2 and "deeper than" in answer["message"]


def test_a_failed_write_leaves_the_previous_inventory_intact(
    app_client: TestClient, api: Api, site: Bootstrap, monkeypatch: pytest.MonkeyPatch
):
    post_agent(app_client, site, diff([project("safe", TREE)]))
    token = project_token(api, site, "safe")
    before = api.ok("getProjectInventory", projectToken=token)["libraries"]
    real_insert = inventory_store._insert_project_rows

    def explode(*args: Any, **kwargs: Any) -> int:
        real_insert(*args, **kwargs)  # the new rows are written, then the job dies
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(inventory_store, "_insert_project_rows", explode)
    answer = post_agent(app_client, site, diff([project("safe", [dep("x", "y", "1")])]))
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state == {"requestState": "FAILED"}
    after = api.ok("getProjectInventory", projectToken=token)["libraries"]
    assert sorted(lib["keyUuid"] for lib in after) == sorted(lib["keyUuid"] for lib in before)


def test_request_state_of_unknown_tokens(api: Api, site: Bootstrap):
    assert api.ok("getRequestState", orgToken=site.org_token, requestToken="nope") == {
        "requestState": "UNKNOWN"
    }


def test_nothing_is_expanded_before_the_caller_is_known(app_client: TestClient, site: Bootstrap):
    bomb = base64.b64encode(gzip.compress(b"[" + b" " * 20_000_000 + b"]")).decode()
    answer = post_agent(app_client, site, bomb, userKey="Z" * 64)
    assert answer["status"] == 2 and answer["message"] == "Invalid userKey"
    answer = post_agent(app_client, site, bomb, token="T" * 64)
    assert answer["status"] == 2 and "token" in answer["message"]


def test_check_vulnerabilities_answers_from_the_knowledge_base_and_stores_nothing(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    advisories = DATA / "osv"
    if not (advisories / "PyPI-all.zip").exists():
        pytest.skip("OSV data not found")
    folder = tmp_path / "osv"
    folder.mkdir()
    with zipfile.ZipFile(advisories / "PyPI-all.zip") as archive:
        (folder / "PYSEC-2023-61.json").write_bytes(archive.read("PYSEC-2023-61.json"))
    import_osv(database, read_osv_documents([folder]))
    python = [
        {"artifactId": "Django", "version": "3.2.18", "dependencyType": "PYTHON"},
        {"artifactId": "django", "version": "3.2.19", "dependencyType": "PYTHON"},
        {"artifactId": "requests", "version": "2.31.0", "dependencyType": "PYTHON"},
    ]
    answer = post_agent(
        app_client, site, diff([project("p", python)]), type="CHECK_VULNERABILITIES"
    )
    assert answer["status"] == 1, answer
    [resource] = json.loads(answer["data"])["resourceInfos"]
    assert (
        resource["displayName"].lower().startswith("django") and "3.2.18" in resource["displayName"]
    )
    [vulnerability] = resource["vulnerabilities"]
    assert vulnerability["name"] == "CVE-2023-31047" and vulnerability["severity"] == "medium"
    assert api.ok("getAllProducts", orgToken=site.org_token)["products"] == []
    with database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(UpdateItem)) == 0
    refused = post_agent(
        app_client,
        site,
        diff([project("p", python)]),
        type="CHECK_VULNERABILITIES",
        userKey="Z" * 64,
    )
    assert refused["status"] == 2
    # another organization's administrator may not check against this organization,
    # and is not told it exists: its token answers like a made-up one (issue 14)
    outsider = admin.create_organization(database, "Other", admin_email="o@example.com")
    foreign = post_agent(
        app_client,
        site,
        diff([project("p", python)]),
        type="CHECK_VULNERABILITIES",
        userKey=outsider.user_key,
    )
    made_up = post_agent(
        app_client,
        site,
        diff([project("p", python)]),
        type="CHECK_VULNERABILITIES",
        userKey=outsider.user_key,
        token="T" * 64,
    )
    assert foreign["status"] == 2 and "no such token" in foreign["message"], foreign
    assert foreign == made_up

"""Licenses and Library requests, in-house libraries, library source files and
dependencies, through HTTP on both backends.

Inventories come in the way clients send them: an agent UPDATE (the TREE of
test_agent: Maven libraries, junit with a location) into product "Shop", and CycloneDX
imports carrying licenses and copyrights into products "Other" and "Shop". Source files
have no ingestion channel yet, so a small factory writes their rows.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from depvault.store.inventories.library_marks import in_house_library_ids
from depvault.store.models import Library, Project, SourceFileRow
from tests.conftest import Api
from tests.functional.test_agent import TREE, diff, post_agent, project


def npm(name: str, version: str, license_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "library",
        "bom-ref": f"{name}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:npm/{name}@{version}",
        "licenses": [{"license": {"id": license_id}}],
        **extra,
    }


def pypi(name: str, version: str, license_id: str) -> dict[str, Any]:
    return {
        "type": "library",
        "bom-ref": f"{name}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{name}@{version}",
        "licenses": [{"license": {"id": license_id}}],
    }


def cyclonedx(components: list[dict[str, Any]], edges: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "root"}},
        "components": components,
        "dependencies": [{"ref": ref, "dependsOn": deps} for ref, deps in edges.items()],
    }


LEFT_PAD = npm(
    "left-pad",
    "1.3.0",
    "MIT",
    copyright="Copyright (c) 2015 Azer Koculu",
    externalReferences=[{"type": "website", "url": "https://github.com/left-pad/left-pad"}],
)
API_SBOM = cyclonedx(
    [LEFT_PAD, pypi("requests", "2.31.0", "Apache-2.0"), pypi("urllib3", "2.0.7", "MIT")],
    {"root": ["left-pad@1.3.0", "requests@2.31.0"], "requests@2.31.0": ["urllib3@2.0.7"]},
)
UI_SBOM = cyclonedx([LEFT_PAD], {"root": ["left-pad@1.3.0"]})


@dataclass
class World:
    """Product Shop (projects web from the agent, ui from an SBOM), product Other
    (project api from an SBOM), and each project's libraries by artifact name."""

    api: Api
    site: Bootstrap
    database: Database
    shop: str
    other: str
    web: str
    ui: str
    api_project: str
    keys: dict[str, dict[str, str]]  # project token → library name → keyUuid


def import_sbom(api: Api, site: Bootstrap, product: str, name: str, sbom: dict) -> str:
    answer = api.ok("importProjectSbom", productToken=product, projectName=name, sbom=sbom)
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state["requestState"] == "FINISHED"
    return str(answer["projectToken"])


@pytest.fixture
def world(app_client: TestClient, api: Api, site: Bootstrap, database: Database) -> World:
    answer = post_agent(app_client, site, diff([project("web", TREE)]))
    assert answer["status"] == 1, answer
    products = {
        p["productName"]: p["productToken"]
        for p in api.ok("getAllProducts", orgToken=site.org_token)["products"]
    }
    shop = products["Shop"]
    other = api.ok("createProduct", orgToken=site.org_token, productName="Other")["productToken"]
    web = next(p["projectToken"] for p in api.ok("getAllProjects", productToken=shop)["projects"])
    ui = import_sbom(api, site, shop, "ui", UI_SBOM)
    api_project = import_sbom(api, site, other, "api", API_SBOM)
    keys = {
        token: {
            lib["artifactId"]: lib["keyUuid"]
            for lib in api.ok("getProjectInventory", projectToken=token)["libraries"]
        }
        for token in (web, ui, api_project)
    }
    return World(api, site, database, shop, other, web, ui, api_project, keys)


def add_source_files(w: World, project_token: str, library: str, files: list[tuple[str, str]]):
    """Rows of source files (sha1, path) attributed to a library of a project."""
    with w.database.transaction() as db:
        project_id = db.scalar(select(Project.id).where(Project.token == project_token))
        library_id = db.scalar(
            select(Library.id).where(Library.key_uuid == w.keys[project_token][library])
        )
        db.add_all(
            SourceFileRow(
                project_id=project_id,
                library_id=library_id,
                sha1=sha1,
                name=path.rsplit("/", 1)[-1],
                path=path,
            )
            for sha1, path in files
        )


def by_name(libraries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {lib["artifactId"]: lib for lib in libraries}


# --- licenses -----------------------------------------------------------------------------


def test_licenses_of_each_scope_with_their_projects(world: World):
    w = world
    org = by_name(w.api.ok("getOrganizationLicenses", orgToken=w.site.org_token)["libraries"])
    assert set(org) >= {"left-pad", "requests", "urllib3", "junit", "spring-core"}
    pad = org["left-pad"]
    assert [p["projectName"] for p in pad["projects"]] == ["api", "ui"]
    assert {p["projectToken"] for p in pad["projects"]} == {w.api_project, w.ui}
    mit = pad["licenses"][0]
    assert (mit["name"], mit["spdxName"]) == ("MIT License", "MIT")
    assert mit["url"] == "https://spdx.org/licenses/MIT.html"
    # clients read licenses[].references[0].reference
    assert mit["references"][0]["reference"] == "https://github.com/left-pad/left-pad"
    assert pad["directDependency"] is True and pad["keyUuid"] == w.keys[w.ui]["left-pad"]
    assert org["urllib3"]["directDependency"] is False
    assert org["urllib3"]["licenses"][0]["references"][0]["reference"].endswith("MIT.html")
    assert org["junit"]["licenses"] == []

    # a product sees only its own projects, and only their libraries
    other = by_name(w.api.ok("getProductLicenses", productToken=w.other)["libraries"])
    assert set(other) == {"left-pad", "requests", "urllib3"}
    assert [p["projectName"] for p in other["left-pad"]["projects"]] == ["api"]
    shop = by_name(w.api.ok("getProductLicenses", productToken=w.shop)["libraries"])
    assert "requests" not in shop and [p["projectName"] for p in shop["left-pad"]["projects"]] == [
        "ui"
    ]

    project = w.api.ok(
        "getProjectLicenses", projectToken=w.api_project, excludeProjectOccurrences=True
    )
    assert {lib["artifactId"] for lib in project["libraries"]} == {
        "left-pad",
        "requests",
        "urllib3",
    }
    assert all("projects" not in lib for lib in project["libraries"])


def test_license_histograms_count_library_occurrences(world: World):
    w = world
    org = w.api.ok("getOrganizationLicenseHistogram", orgToken=w.site.org_token)
    # left-pad in api and ui, urllib3 in api; junit & co. carry no license
    assert org == {"licenseHistogram": {"Apache License 2.0": 1, "MIT License": 3}}
    product = w.api.ok("getProductLicenseHistogram", productToken=w.shop)
    assert product == {"licenseHistogram": {"MIT License": 1}}
    project = w.api.ok("getProjectLicenseHistogram", projectToken=w.web)
    assert project == {"licenseHistogram": {}}


# --- locations, source files, dependencies -------------------------------------------------


def test_library_locations(world: World):
    w = world
    locations = {
        loc["name"]: loc
        for loc in w.api.ok("getProjectLibraryLocations", projectToken=w.web)["libraryLocations"]
    }
    junit = locations["junit"]
    assert junit["keyUuid"] == w.keys[w.web]["junit"] and isinstance(junit["keyId"], int)
    assert junit["locations"] == [
        {
            "matchType": "SHA1",
            "path": "/repo/junit-4.12.jar",
            "localPath": "/repo/junit-4.12.jar",
            "dependencyFile": "/repo/pom.xml",
            "projectName": "web",
            "projectToken": w.web,
        }
    ]
    assert locations["spring-core"]["locations"] == []
    product = w.api.ok("getProductLibraryLocations", productToken=w.other)["libraryLocations"]
    assert {loc["name"] for loc in product} == {"left-pad", "requests", "urllib3"}


def test_source_files_of_a_library(world: World):
    w = world
    add_source_files(w, w.api_project, "requests", [("a" * 40, "src/b.py"), ("b" * 40, "src/a.py")])
    files = w.api.ok(
        "getLibrarySourceFiles",
        projectToken=w.api_project,
        keyUuid=w.keys[w.api_project]["requests"],
    )
    assert files == {
        "sourceFiles": [
            {"sha1": "b" * 40, "name": "a.py", "path": "src/a.py"},
            {"sha1": "a" * 40, "name": "b.py", "path": "src/b.py"},
        ]
    }
    empty = w.api.ok(
        "getLibrarySourceFiles",
        projectToken=w.api_project,
        keyUuid=w.keys[w.api_project]["urllib3"],
    )
    assert empty == {"sourceFiles": []}


def test_dependencies_of_a_library(world: World):
    w = world
    answer = w.api.ok(
        "getProjectLibraryDependencies", projectToken=w.web, keyUuid=w.keys[w.web]["spring-web"]
    )

    def tree(nodes: list[dict[str, Any]]) -> list[Any]:
        return sorted((n["fileName"], tree(n["dependencies"])) for n in nodes)

    assert tree(answer["dependencies"]) == [
        ("jackson-databind-2.9.10.jar", [("jackson-core-2.9.10.jar", [])]),
        ("spring-core-5.2.0.jar", [("spring-jcl-5.2.0.jar", [])]),
    ]
    node = answer["dependencies"][0]
    assert {"keyUuid", "groupId", "artifactId", "version", "sha1", "licenses"} <= set(node)
    leaf = w.api.ok(
        "getProjectLibraryDependencies", projectToken=w.web, keyUuid=w.keys[w.web]["spring-jcl"]
    )
    assert leaf == {"dependencies": []}


@pytest.mark.parametrize("request_type", ["getLibrarySourceFiles", "getProjectLibraryDependencies"])
def test_unknown_or_foreign_libraries_are_invalid_key_uuids(world: World, request_type: str):
    w = world
    code, message = w.api.error(request_type, projectToken=w.web, keyUuid="no-such-uuid")
    assert code == 8000 and "keyUuid" in message
    # a library of another project is not this project's
    code, _ = w.api.error(
        request_type, projectToken=w.web, keyUuid=w.keys[w.api_project]["requests"]
    )
    assert code == 8000
    assert w.api.error(request_type, projectToken=w.web)[0] == 3010


# --- search and lookups ------------------------------------------------------------------------


def test_library_search_within_the_organization(world: World, database: Database):
    w = world
    found = w.api.ok("librarySearch", orgToken=w.site.org_token, searchValue="LEFT")["libraries"]
    assert [(lib["name"], lib["version"]) for lib in found] == [("left-pad", "1.3.0")]
    assert "directDependency" not in found[0]
    # the SDK searches "<name>-<version>"; group ids match too
    assert w.api.ok("librarySearch", orgToken=w.site.org_token, searchValue="junit-4.12")[
        "libraries"
    ]
    groups = w.api.ok("librarySearch", orgToken=w.site.org_token, searchValue="fasterxml")
    assert {lib["name"] for lib in groups["libraries"]} == {"jackson-core", "jackson-databind"}
    # LIKE wildcards are literal
    assert w.api.ok("librarySearch", orgToken=w.site.org_token, searchValue="_")["libraries"] == []
    # a product token narrows the search to the product
    assert w.api.ok("librarySearch", productToken=w.shop, searchValue="requests")["libraries"] == []

    # another organization's libraries stay invisible, both ways
    other = admin.create_organization(database, "Elsewhere", admin_email="else@example.com")
    assert other.user_key is not None
    outsider = Api(w.api.client, other.user_key)
    outsider.ok("createProduct", orgToken=other.org_token, productName="P")
    products = outsider.ok("getAllProducts", orgToken=other.org_token)["products"]
    secret = cyclonedx([npm("secret-lib", "1.0.0", "MIT")], {"root": ["secret-lib@1.0.0"]})
    outsider.ok(
        "importProjectSbom", productToken=products[0]["productToken"], projectName="x", sbom=secret
    )
    assert (
        w.api.ok("librarySearch", orgToken=w.site.org_token, searchValue="secret")["libraries"]
        == []
    )
    assert (
        outsider.ok("librarySearch", orgToken=other.org_token, searchValue="left")["libraries"]
        == []
    )


def test_library_search_answers_at_most_100(api: Api, site: Bootstrap):
    product = api.ok("createProduct", orgToken=site.org_token, productName="Big")["productToken"]
    many = [npm(f"bulk-{i:03}", "1.0.0", "MIT") for i in range(120)]
    import_sbom(api, site, product, "big", cyclonedx(many, {}))
    found = api.ok("librarySearch", orgToken=site.org_token, searchValue="bulk")["libraries"]
    assert len(found) == 100 and found[0]["name"] == "bulk-000"


def test_library_info_lookups(world: World):
    w = world
    org = {"orgToken": w.site.org_token}
    for library_type in ("pypi", "Python", "PYPI"):
        info = w.api.ok(
            "getLibraryInfo",
            **org,
            libraryName="Requests",
            libraryVersion="2.31.0",
            libraryType=library_type,
        )["librariesInformation"]
        assert [i["keyUuid"] for i in info] == [w.keys[w.api_project]["requests"]]
    none = w.api.ok(
        "getLibraryInfo", **org, libraryName="requests", libraryVersion="9", libraryType="pypi"
    )
    assert none == {"librariesInformation": []}
    junit = w.api.ok(
        "getLibraryInfo",
        **org,
        libraryName="junit",
        libraryVersion="4.12",
        libraryType="maven",
        libraryGroup="JUNIT",
    )["librariesInformation"]
    assert len(junit) == 1

    # what mend-import-sbom reads: librariesInformation[0].sha1 and artifactId
    basic = w.api.ok(
        "getBasicLibraryInfo",
        **org,
        libraryName="junit:junit",
        libraryVersion="4.12",
        libraryType="maven",
    )["librariesInformation"]
    assert basic[0]["sha1"] == "2973d150c0dc1fefe998f834810d68f278ea58ec"
    assert basic[0]["artifactId"] == "junit" and basic[0]["keyUuid"] == w.keys[w.web]["junit"]
    # it sends orgToken and projectToken together, and sometimes a name for the token
    with_project = w.api.ok(
        "getBasicLibraryInfo",
        **org,
        projectToken=w.web,
        libraryName="junit",
        libraryVersion="4.12",
        libraryType="maven",
    )
    assert len(with_project["librariesInformation"]) == 1
    code, _ = w.api.error(
        "getBasicLibraryInfo",
        **org,
        projectToken="web",
        libraryName="junit",
        libraryVersion="4.12",
        libraryType="maven",
    )
    assert code == 3000

    code, message = w.api.error(
        "getLibraryInfo", **org, libraryName="a", libraryVersion="1", libraryType="cobol"
    )
    assert code == 3000 and "maven" in message
    assert w.api.error("getBasicLibraryInfo", **org, libraryName="a", libraryVersion="1")[0] == 3010


# --- in-house libraries ---------------------------------------------------------------------


def test_in_house_marks(world: World):
    w = world
    org = {"orgToken": w.site.org_token}
    requests_key = w.keys[w.api_project]["requests"]
    answer = w.api.ok(
        "markInHouseLibraries", **org, libraries=[requests_key, {"keyUuid": requests_key}]
    )
    assert answer["message"].startswith("1 of 1 libraries")

    def names(request_type: str, **scope: str) -> list[str]:
        return [lib["artifactId"] for lib in w.api.ok(request_type, **scope)["libraries"]]

    assert names("getOrganizationInHouseLibraries", **org) == ["requests"]
    assert names("getProductInHouseLibraries", productToken=w.other) == ["requests"]
    assert names("getProductInHouseLibraries", productToken=w.shop) == []
    assert names("getProjectInHouseLibraries", projectToken=w.api_project) == ["requests"]
    with w.database.transaction(write=False) as db:
        org_id = db.scalar(select(Project.org_id).where(Project.token == w.web))
        assert org_id is not None
        assert len(in_house_library_ids(db, org_id)) == 1

    code, _ = w.api.error("markInHouseLibraries", **org, libraries=["nope"])
    assert code == 8000
    assert w.api.error("unmarkInHouseLibraries", **org)[0] == 3010
    w.api.ok("unmarkInHouseLibraries", **org, libraries=[{"keyUuid": requests_key}])
    assert names("getOrganizationInHouseLibraries", **org) == []


# --- notices, license texts, copyrights ----------------------------------------------------


def sdk_notices(text: str) -> list[dict[str, str]]:
    """The ws-sdk's reading of a notices file (get_lib_notice), restated: CRLF lines,
    the first is the product, separator lines are skipped."""
    lines = [line for line in text.split("\r\n") if line.strip()]
    notices: list[dict[str, str]] = []
    for line in lines[1:]:
        if line.startswith("Library:"):
            notices.append({"name": line.replace("Library: ", "")})
        elif line == line[0] * len(line):
            continue
        elif line.startswith("Reference:"):
            notices[-1]["reference"] = line.replace("Reference:", "")
        else:
            notices[-1]["text"] = notices[-1].get("text", "") + line
    return notices


def test_library_notices(world: World):
    w = world
    org = {"orgToken": w.site.org_token}
    pad = w.keys[w.ui]["left-pad"]
    text = "Portions <c> Azer & friends\nAll rights 100% reserved"
    answer = w.api.ok(
        "setLibraryNotice", **org, libraryUUID=pad, text=text, reference="https://x.test/?a=1&b=2"
    )
    assert "left-pad" in answer["message"]
    response = w.api.client.post(
        "/api/v1.3",
        json={
            "requestType": "getNoticesTextFile",
            "userKey": w.api.user_key,
            "productToken": w.other,
        },
    )
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("Other\r\n")
    assert sdk_notices(response.text) == [
        {
            "name": "left-pad-1.3.0.tgz",
            "reference": " https://x.test/?a=1&b=2",
            "text": "Portions <c> Azer & friendsAll rights 100% reserved",
        }
    ]
    # an empty text removes the notice
    w.api.ok("setLibraryNotice", **org, libraryUUID=pad, text="")
    cleared = w.api.client.post(
        "/api/v1.3",
        json={
            "requestType": "getNoticesTextFile",
            "userKey": w.api.user_key,
            "productToken": w.shop,
        },
    )
    assert "Library:" not in cleared.text

    assert w.api.error("setLibraryNotice", **org, libraryUUID="nope", text="x")[0] == 8000
    assert w.api.error("setLibraryNotice", **org, text="x")[0] == 3010


def binary(w: World, request_type: str, **scope: str) -> tuple[str, bytes]:
    body = {"requestType": request_type, "userKey": w.api.user_key, **scope}
    response = w.api.client.post("/api/v1.3", json=body)
    assert response.status_code == 200 and b"errorCode" not in response.content
    return response.headers["content-type"], response.content


def test_license_zips(world: World):
    w = world
    for request_type, scope in [
        ("getLicensesTextZip", {"productToken": w.other}),
        ("getProductLicensesTextZip", {"productToken": w.other}),
        ("getProjectLicensesTextZip", {"projectToken": w.api_project}),
    ]:
        content_type, body = binary(w, request_type, **scope)
        assert content_type == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(body))
        assert sorted(archive.namelist()) == ["Apache-2.0.txt", "MIT.txt", "README.txt"]
        mit = archive.read("MIT.txt").decode()
        assert mit.startswith("MIT License\r\n") and "https://spdx.org/licenses/MIT.html" in mit
        assert "left-pad-1.3.0.tgz" in mit and "urllib3" in mit
        assert "Permission is hereby granted, free of charge" in mit  # the license text
        apache = archive.read("Apache-2.0.txt").decode()
        assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in apache
        assert "license text" in archive.read("README.txt").decode()
    _, body = binary(w, "getOrganizationLicensesTextZip", orgToken=w.site.org_token)
    assert "MIT.txt" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    _, body = binary(w, "getProjectLicensesTextZip", projectToken=w.web)
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == ["README.txt"]


def test_copyrights_text_files(world: World):
    w = world
    content_type, body = binary(w, "getProductCopyrightsTextFile", productToken=w.other)
    assert content_type == "text/plain; charset=utf-8"
    text = body.decode()
    assert text.startswith("Copyrights of Product Other\r\n")
    assert "left-pad-1.3.0.tgz\r\nCopyright (c) 2015 Azer Koculu\r\n" in text
    _, body = binary(w, "getProjectCopyrightsTextFile", projectToken=w.web)
    assert body.decode() == "Copyrights of Project web\r\n\r\n"


# --- changeOriginLibrary ------------------------------------------------------------------------


def test_change_origin_library(world: World):
    w = world
    org = {"orgToken": w.site.org_token}
    add_source_files(
        w, w.api_project, "requests", [("c" * 40, "vendor/x.py"), ("d" * 40, "vendor/y.py")]
    )
    junit = w.keys[w.web]["junit"]

    # a product token limits the move to the product's projects: nothing of api moves
    other_product = w.api.ok(
        "changeOriginLibrary", productToken=w.shop, targetKeyUuid=junit, sourceFiles=["C" * 40]
    )
    assert other_product["movedSourceFiles"] == 0

    answer = w.api.ok(
        "changeOriginLibrary",
        **org,
        targetKeyUuid=junit,
        sourceFiles=["C" * 40, "e" * 40],
        userComments="vendored",
    )
    assert answer["movedSourceFiles"] == 1 and answer["projectsWithNewLibrary"] == 1
    assert "1 of 2 source files" in answer["message"]
    moved = w.api.ok("getLibrarySourceFiles", projectToken=w.api_project, keyUuid=junit)
    assert moved == {"sourceFiles": [{"sha1": "c" * 40, "name": "x.py", "path": "vendor/x.py"}]}
    left = w.api.ok(
        "getLibrarySourceFiles",
        projectToken=w.api_project,
        keyUuid=w.keys[w.api_project]["requests"],
    )
    assert [f["sha1"] for f in left["sourceFiles"]] == ["d" * 40]
    inventory = by_name(w.api.ok("getProjectInventory", projectToken=w.api_project)["libraries"])
    assert inventory["junit"]["directDependency"] is True

    assert (
        w.api.error("changeOriginLibrary", **org, targetKeyUuid="nope", sourceFiles=["c" * 40])[0]
        == 8000
    )
    code, message = w.api.error(
        "changeOriginLibrary", **org, targetKeyUuid=junit, sourceFiles=["xyz"]
    )
    assert code == 3000 and "sourceFiles[0]" in message
    assert w.api.error("changeOriginLibrary", **org, targetKeyUuid=junit)[0] == 3010


# --- scopes -----------------------------------------------------------------------------------


def test_a_product_administrator_sees_only_their_product(world: World, database: Database):
    w = world
    w.api.ok(
        "createUser", orgToken=w.site.org_token, addedUser={"name": "p", "email": "p@example.com"}
    )
    w.api.ok(
        "setProductAssignments",
        productToken=w.other,
        productAdmins={"userAssignments": [{"email": "p@example.com"}]},
    )
    key = admin.issue_user_key(database, "p@example.com", w.site.org_token)
    padmin = Api(w.api.client, key)
    assert {
        lib["artifactId"]
        for lib in padmin.ok("getProductLicenses", productToken=w.other)["libraries"]
    } == {
        "left-pad",
        "requests",
        "urllib3",
    }
    # another product and its projects do not exist for them (issue 14: no token oracle)
    for request_type, field, token in [
        ("getProductLicenses", "productToken", w.shop),
        ("getProjectLicenses", "projectToken", w.web),
        ("getProjectLibraryLocations", "projectToken", w.ui),
    ]:
        answer = padmin.error(request_type, **{field: token})
        assert answer == (3000, f"Invalid {field}: no such token"), request_type
    # the organization they see, and may not read
    for request_type, scope in [
        ("getOrganizationLicenses", {"orgToken": w.site.org_token}),
        ("librarySearch", {"orgToken": w.site.org_token, "searchValue": "x"}),
        ("setLibraryNotice", {"orgToken": w.site.org_token, "libraryUUID": "x", "text": "x"}),
    ]:
        assert padmin.error(request_type, **scope)[0] == 5001, request_type
    # a project of another product does not belong to this product
    code, _ = padmin.error("getProductLicenses", productToken=w.other, projectToken=w.web)
    assert code == 3000


def test_in_house_libraries_can_be_left_out_of_inventories(world: World):
    api, site = world.api, world.site
    libraries = api.ok("getProjectInventory", projectToken=world.web)["libraries"]
    marked = libraries[0]["keyUuid"]
    api.ok("markInHouseLibraries", orgToken=site.org_token, libraries=[marked])
    without = api.ok("getProjectInventory", projectToken=world.web, includeInHouseData=False)
    assert marked not in {lib["keyUuid"] for lib in without["libraries"]}
    assert len(without["libraries"]) == len(libraries) - 1
    tree = api.ok("getProjectHierarchy", projectToken=world.web, includeInHouseData=False)

    def uuids(nodes: list[dict[str, Any]]) -> set[str]:
        return {n["keyUuid"] for n in nodes} | {u for n in nodes for u in uuids(n["dependencies"])}

    assert marked not in uuids(tree["libraries"])
    full = api.ok("getProjectInventory", projectToken=world.web)["libraries"]
    assert marked in {lib["keyUuid"] for lib in full}

"""``importProjectSbom`` with the real SBOMs in ``shared/data/sbom``."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections import defaultdict, deque
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select, text

import depvault.api.handlers.inventory as inventory_handlers
from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from depvault.store.models import UpdateItem
from tests.conftest import Api
from tests.data_files import DATA
from tests.functional.test_async_reports import download

SBOMS = DATA / "sbom"
pytestmark = pytest.mark.skipif(not SBOMS.is_dir(), reason=f"real SBOMs not found at {SBOMS}")


def sbom_param(name: str) -> Any:
    raw = (SBOMS / name).read_bytes()
    if name.endswith(".json"):
        return json.loads(raw)
    return base64.b64encode(raw).decode()


def import_sbom(api: Api, site: Bootstrap, name: str, project: str, **extra: Any) -> dict:
    product = api.ok("createProduct", orgToken=site.org_token, productName=f"P-{project}")
    answer = api.ok(
        "importProjectSbom",
        productToken=product["productToken"],
        projectName=project,
        sbom=sbom_param(name),
        **extra,
    )
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state["requestState"] == "FINISHED", state
    return answer


def depth(libraries: list[dict[str, Any]]) -> int:
    return max((1 + depth(lib["dependencies"]) for lib in libraries), default=0)


def cyclonedx_depth(document: dict[str, Any]) -> int:
    """The depth of a CycloneDX graph unfolded into a tree (every path followed, a cycle
    cut where it closes), computed here from the document alone."""
    root = document["metadata"]["component"]["bom-ref"]
    children = {d["ref"]: d.get("dependsOn", []) for d in document["dependencies"]}

    def longest(ref: str, path: frozenset[str]) -> int:
        below = [longest(c, path | {c}) for c in children.get(ref, []) if c not in path]
        return 1 + max(below, default=0)

    return longest(root, frozenset({root})) - 1


def distinct_purls(name: str) -> int:
    """Distinct purls of every component, nested ones included, read here directly."""
    raw = (SBOMS / name).read_bytes()
    if name.endswith(".json"):

        def walk(components: list[dict[str, Any]]) -> Any:
            for c in components:
                yield c
                yield from walk(c.get("components", []))

        return len({c["purl"] for c in walk(json.loads(raw)["components"])})
    tree = etree.fromstring(raw)
    namespace = {"c": tree.nsmap[None]}
    return len({p.text for p in tree.findall("c:components//c:component/c:purl", namespace)})


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("keycloak-10.0.2.cdx.json", 903),
        # 837 top-level components, 1,115 with the nested ones, 978 distinct packages
        ("juice-shop-npm.cdx-1.4.json", 978),
        ("laravel-7.12.0.cdx-1.4.json", 62),
        ("dropwizard-1.3.15.cdx.xml", 167),  # a 168th <component> is the root, in metadata
    ],
)
def test_cyclonedx_documents_import_with_every_component(
    api: Api, site: Bootstrap, name: str, count: int
):
    answer = import_sbom(api, site, name, "app")
    libraries = api.ok("getProjectInventory", projectToken=answer["projectToken"])["libraries"]
    assert len(libraries) == count == distinct_purls(name)
    assert len({lib["keyUuid"] for lib in libraries}) == count
    assert all(lib["purl"].startswith("pkg:") for lib in libraries)


def test_the_dependency_graph_becomes_the_tree(api: Api, site: Bootstrap):
    name = "juice-shop-npm.cdx-1.4.json"
    document = json.loads((SBOMS / name).read_bytes())
    answer = import_sbom(api, site, name, "juice-shop")
    hierarchy = api.ok("getProjectHierarchy", projectToken=answer["projectToken"])["libraries"]
    assert depth(hierarchy) == cyclonedx_depth(document)
    root = document["metadata"]["component"]["bom-ref"]
    direct = next(d["dependsOn"] for d in document["dependencies"] if d["ref"] == root)
    inventory = api.ok("getProjectInventory", projectToken=answer["projectToken"])["libraries"]
    direct_count = sum(1 for lib in inventory if lib["directDependency"])
    reachable = set()
    children: dict[str, list[str]] = defaultdict(list)
    for d in document["dependencies"]:
        children[d["ref"]] = d.get("dependsOn", [])
    queue = deque([root])
    while queue:
        for child in children[queue.popleft()]:
            if child not in reachable:
                reachable.add(child)
                queue.append(child)
    orphans = {c["bom-ref"] for c in document["components"]} - reachable
    assert direct_count == len(set(direct) | orphans)
    express = next(lib for lib in inventory if lib["name"] == "express")
    assert [lic["spdxName"] for lic in express["licenses"]] == ["MIT"]
    assert express["purl"] == "pkg:npm/express@4.18.2"


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("examplemaven-0.0.1.spdx-2.3.json", "json"),
        ("example7-go-modules.spdx-2.2.json", "json"),
        ("example6-lib.spdx-2.2.tv", "tv"),
    ],
)
def test_spdx_documents_import(api: Api, site: Bootstrap, name: str, syntax: str):
    answer = import_sbom(api, site, name, "spdx")
    libraries = api.ok("getProjectInventory", projectToken=answer["projectToken"])["libraries"]
    assert libraries, "an SPDX document with packages gives a non-empty inventory"


def test_import_by_project_token_and_update_types(api: Api, site: Bootstrap):
    first = import_sbom(api, site, "laravel-7.12.0.cdx-1.4.json", "laravel")
    token = first["projectToken"]
    again = api.ok(
        "importProjectSbom",
        projectToken=token,
        sbom=sbom_param("laravel-7.12.0.cdx-1.4.json"),
        updateType="REMOVE",
    )
    assert again["projectToken"] == token
    assert api.ok("getProjectInventory", projectToken=token)["libraries"] == []


def test_broken_sboms_are_refused_and_nothing_is_queued(
    api: Api, site: Bootstrap, database: Database
):
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    cases = [
        (
            {"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{"type": "library"}]},
            "name",
        ),
        ({"hello": "world"}, "neither"),
        ("not base64 at all!", "base64"),
        (
            base64.b64encode(
                b'<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY x SYSTEM '
                b'"file:///etc/passwd">]><bom xmlns="http://cyclonedx.org/schema/bom/1.4">'
                b"&x;</bom>"
            ).decode(),
            "DOCTYPE",
        ),
    ]
    for sbom, fragment in cases:
        code, message = api.error(
            "importProjectSbom", productToken=product, projectName="x", sbom=sbom
        )
        assert code == 3000 and fragment in message, message
    assert api.ok("getAllProjects", productToken=product)["projects"] == []
    with database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(UpdateItem)) == 0
    code, message = api.error(
        "importProjectSbom", productToken=product, sbom=sbom_param("laravel-7.12.0.cdx-1.4.json")
    )
    assert code == 3010 and "projectName" in message, message


def _transactions_open_elsewhere(database: Database) -> bool:
    """Whether another connection holds a transaction: SQLite's write lock (a
    ``BEGIN IMMEDIATE`` that may not wait), or PostgreSQL's "idle in transaction"."""
    if database.dialect == "sqlite":
        probe = sqlite3.connect(str(database.engine.url.database), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with database.transaction(write=False) as db:
        return bool(
            db.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            )
        )


def test_the_sbom_is_read_outside_any_transaction_and_only_for_callers_with_access(
    api: Api, site: Bootstrap, database: Database, monkeypatch: pytest.MonkeyPatch
):
    """Parsing a large SBOM takes most of a second: no transaction may stay open over it
    (SQLite serialises writers), and a caller without access makes nothing be parsed."""
    reads: list[bool] = []
    real = inventory_handlers.read_sbom

    def read(document: bytes, limit: int) -> Any:
        reads.append(_transactions_open_elsewhere(database))
        return real(document, limit)

    monkeypatch.setattr(inventory_handlers, "read_sbom", read)
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    _code, message = api.error(
        "importProjectSbom",
        key="0" * 64,
        productToken=product,
        projectName="x",
        sbom=sbom_param("laravel-7.12.0.cdx-1.4.json"),
    )
    assert message == "Invalid userKey" and reads == []  # nothing was read
    import_sbom(api, site, "laravel-7.12.0.cdx-1.4.json", "laravel")
    assert reads == [False]


MAVEN_URL = "https://github.com/FasterXML/${project.artifactId}/issues"


@pytest.mark.parametrize(
    ("name", "count"),
    [("dropwizard-1.3.15.cdx.xml", 167), ("example6-lib.spdx-2.2.tv", None)],
)
def test_text_documents_are_taken_as_sent(api: Api, site: Bootstrap, name: str, count: Any):
    """XML and tag-value as plain text in ``sbom``, not only base64: users paste them."""
    text = (SBOMS / name).read_text()
    answer = import_sbom_text(api, site, text)
    libraries = api.ok("getProjectInventory", projectToken=answer["projectToken"])["libraries"]
    assert libraries and (count is None or len(libraries) == count)
    as_base64 = import_sbom(api, site, name, "copy")
    copied = api.ok("getProjectInventory", projectToken=as_base64["projectToken"])["libraries"]
    assert sorted(lib["keyUuid"] for lib in copied) == sorted(lib["keyUuid"] for lib in libraries)


def import_sbom_text(api: Api, site: Bootstrap, sbom: Any, project: str = "pasted") -> dict:
    product = api.ok("createProduct", orgToken=site.org_token, productName=f"P-{project}")
    answer: dict = api.ok(
        "importProjectSbom", productToken=product["productToken"], projectName=project, sbom=sbom
    )
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state["requestState"] == "FINISHED", state  # a message may name knowledge gaps
    return answer


def test_a_yaml_document_is_taken_as_its_text(api: Api, site: Bootstrap) -> None:
    first = import_sbom(api, site, "laravel-7.12.0.cdx-1.4.json", "laravel")
    status = api.ok(
        "generateProjectReportAsync",
        projectToken=first["projectToken"],
        reportType="ProjectSBOMReport",
        standard="SPDX",
        format="yaml",
    )["asyncProcessStatus"]
    [data] = download(api, site, status["uuid"]).values()
    answer = import_sbom_text(api, site, data.decode(), "from-yaml")
    libraries = api.ok("getProjectInventory", projectToken=answer["projectToken"])["libraries"]
    assert len(libraries) == 62


def test_values_breaking_only_a_string_format_are_dropped_and_named(
    api: Api, site: Bootstrap
) -> None:
    component = {
        "type": "library",
        "name": "jackson-databind",
        "version": "2.9.10",
        "purl": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10",
        "externalReferences": [
            {"type": "issue-tracker", "url": MAVEN_URL},
            {"type": "website", "url": "https://github.com/FasterXML/jackson"},
        ],
    }
    document = {"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [component]}
    answer = import_sbom_text(api, site, document)
    assert "externalReferences[0].url" in answer["message"], answer["message"]
    assert MAVEN_URL in answer["message"]
    [library] = api.ok("getProjectInventory", projectToken=answer["projectToken"])["libraries"]
    assert library["name"] == "jackson-databind"
    # a structure error still refuses the whole document
    broken = {**component, "externalReferences": [{"type": "no-such-type", "url": MAVEN_URL}]}
    product = api.ok("createProduct", orgToken=site.org_token, productName="Q")["productToken"]
    code, message = api.error(
        "importProjectSbom",
        productToken=product,
        projectName="x",
        sbom={**document, "components": [broken]},
    )
    assert code == 3000 and "externalReferences[0].type" in message, message

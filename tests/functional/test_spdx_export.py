"""SPDX export: the synchronous ``getProjectSpdxReport`` (JSON and tag-value) and the
``ProjectSBOMReport``/``ProductSBOMReport`` with ``standard: SPDX`` (JSON and tag-value,
``format: tv``). spdx-tools is the
oracle (every document is parsed and fully validated), and depvault's own importer reads
each document back into the inventory it came from."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from ply import yacc  # type: ignore[import-untyped]
from spdx_tools.spdx.model import Document
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from starlette.testclient import TestClient

from depvault import __version__, admin
from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_async_reports import download

ALPHA_SHA1 = "2973d150c0dc1fefe998f834810d68f278ea58ec"
PROPRIETARY = "LicenseRef-scancode-proprietary-license"
# app → alpha → beta → gamma, app → delta, alpha → delta: depths 1, 2, 3 and 1
APP_SBOM: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
    "components": [
        {
            "type": "library",
            "bom-ref": "alpha",
            "group": "org.example",
            "name": "alpha",
            "version": "1.0.0",
            "purl": "pkg:maven/org.example/alpha@1.0.0",
            "hashes": [{"alg": "SHA-1", "content": ALPHA_SHA1}],
            "licenses": [{"license": {"id": "MIT"}}],
            "copyright": "Copyright 2020 Example Corp",
        },
        {
            "type": "library",
            "bom-ref": "beta",
            "group": "org.example",
            "name": "beta",
            "version": "2.0.0",
            "purl": "pkg:maven/org.example/beta@2.0.0",
            "licenses": [{"expression": f"Apache-2.0 OR {PROPRIETARY}"}],
            "description": "Beta,\nover two lines",
        },
        {
            "type": "library",
            "bom-ref": "gamma",
            "name": "gamma",
            "version": "3.0.0",
            "purl": "pkg:npm/gamma@3.0.0",
            "licenses": [{"license": {"name": "Acme Proprietary License v1"}}],
        },
        {
            "type": "library",
            "bom-ref": "delta",
            "name": "delta",
            "version": "4.0",
            "purl": "pkg:pypi/delta@4.0",
        },
    ],
    "dependencies": [
        {"ref": "app", "dependsOn": ["alpha", "delta"]},
        {"ref": "alpha", "dependsOn": ["beta", "delta"]},
        {"ref": "beta", "dependsOn": ["gamma"]},
    ],
}
APP_GRAPH = {"app": ["alpha", "delta"], "alpha": ["beta", "delta"], "beta": ["gamma"]}
TOOL_SBOM: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "components": [
        {"type": "library", "name": "delta", "version": "4.0", "purl": "pkg:pypi/delta@4.0"},
        {"type": "library", "name": "epsilon", "version": "5.0", "purl": "pkg:pypi/epsilon@5.0"},
    ],
}


@dataclasses.dataclass
class Shop:
    """Product "Shop" with project "app" (``APP_SBOM``)."""

    api: Api
    site: Bootstrap
    product: str
    app: str

    def project(self, name: str, sbom: Any) -> str:
        answer = self.api.ok(
            "importProjectSbom", productToken=self.product, projectName=name, sbom=sbom
        )
        state = self.api.ok(
            "getRequestState", orgToken=self.site.org_token, requestToken=answer["requestToken"]
        )
        assert state["requestState"] == "FINISHED", state
        vitals = self.api.ok("getProductProjectVitals", productToken=self.product)
        return str(next(v["token"] for v in vitals["projectVitals"] if v["name"] == name))


@pytest.fixture
def shop(api: Api, site: Bootstrap) -> Shop:
    product = api.ok("createProduct", orgToken=site.org_token, productName="Shop")["productToken"]
    shop = Shop(api, site, product, "")
    shop.app = shop.project("app", APP_SBOM)
    return shop


def validated(tmp_path: Path, data: bytes, suffix: str = "spdx.json") -> Document:
    """The document spdx-tools parses from ``data``, after it validated it fully.
    Tag-value goes to the parser ``parse_file`` uses, built as ``ingest.spdx_syntax``
    builds it: by default ply writes its tables into site-packages."""
    if suffix == "spdx":
        parser = TagValueParser(debug=False, write_tables=False, errorlog=yacc.NullLogger())
        document: Document = parser.parse(data.decode())
    else:
        path = tmp_path / f"{uuid.uuid4().hex}.{suffix}"
        path.write_bytes(data)
        document = parse_file(str(path))
    problems = validate_full_spdx_document(document)
    assert not problems, [p.validation_message for p in problems]
    return document


def names(document: dict[str, Any]) -> dict[str, str]:
    """SPDXID → package name."""
    return {p["SPDXID"]: p["name"] for p in document["packages"]}


def graph(document: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """(the described package names, each package's DEPENDS_ON names), from the JSON."""
    by_id = names(document)
    described, depends = [], {}
    for r in document["relationships"]:
        if r["relationshipType"] == "DESCRIBES":
            assert r["spdxElementId"] == "SPDXRef-DOCUMENT"
            described.append(by_id[r["relatedSpdxElement"]])
        else:
            assert r["relationshipType"] == "DEPENDS_ON", r
            parent = by_id[r["spdxElementId"]]
            depends.setdefault(parent, []).append(by_id[r["relatedSpdxElement"]])
    return sorted(described), {k: sorted(v) for k, v in depends.items()}


def sync_json(api: Api, project: str, tmp_path: Path, **params: Any) -> dict[str, Any]:
    """``getProjectSpdxReport`` as JSON, validated by spdx-tools."""
    document: dict[str, Any] = api.ok("getProjectSpdxReport", projectToken=project, **params)
    validated(tmp_path, orjson.dumps(document))
    return document


def async_sbom(
    api: Api, site: Bootstrap, tmp_path: Path, scope: dict[str, str], **options: Any
) -> dict[str, Any]:
    """A ``…SBOMReport`` in SPDX JSON from its ZIP, validated by spdx-tools."""
    level = "Project" if "projectToken" in scope else "Product"
    status = api.ok(
        f"generate{level}ReportAsync",
        **scope,
        reportType=f"{level}SBOMReport",
        format="json",
        **options,
    )["asyncProcessStatus"]
    assert status["processType"] == f"{level.upper()}_SBOM_REPORT"
    [(member, data)] = download(api, site, status["uuid"]).items()
    assert member.endswith(".json")
    validated(tmp_path, data)
    document: dict[str, Any] = orjson.loads(data)
    return document


def async_tag_value(
    api: Api, site: Bootstrap, scope: dict[str, str], **options: Any
) -> tuple[str, bytes]:
    """A ``…SBOMReport`` in SPDX tag-value: (ZIP member name, its bytes)."""
    level = "Project" if "projectToken" in scope else "Product"
    status = api.ok(
        f"generate{level}ReportAsync",
        **scope,
        reportType=f"{level}SBOMReport",
        standard="SPDX",
        format="TV",
        **options,
    )["asyncProcessStatus"]
    [(member, data)] = download(api, site, status["uuid"]).items()
    return member, data


def model_facts(document: Document) -> tuple[set[tuple[Any, ...]], set[tuple[str, str, str]]]:
    """What a parsed document states, comparable across syntaxes."""
    packages = {
        (
            p.spdx_id,
            p.name,
            p.version,
            str(p.license_declared),
            str(p.license_concluded),
            str(p.copyright_text),
            p.description,
            tuple((c.algorithm.name, c.value) for c in p.checksums),
            tuple((r.category.name, r.reference_type, r.locator) for r in p.external_references),
        )
        for p in document.packages
    }
    relationships = {
        (r.spdx_element_id, r.relationship_type.name, str(r.related_spdx_element_id))
        for r in document.relationships
    }
    return packages, relationships


def test_a_project_spdx_document_is_valid_and_states_the_inventory(
    api: Api, site: Bootstrap, shop: Shop, tmp_path: Path
) -> None:
    document = sync_json(api, shop.app, tmp_path)
    assert document["spdxVersion"] == "SPDX-2.2"
    assert document["dataLicense"] == "CC0-1.0" and document["name"] == "app"
    org = api.ok("getOrganizationDetails", orgToken=site.org_token)["orgName"]
    assert document["creationInfo"]["creators"] == [
        f"Tool: depvault-{__version__}",
        f"Organization: {org}",
    ]
    again = sync_json(api, shop.app, tmp_path, format="JSON")
    assert again["documentNamespace"] != document["documentNamespace"]
    assert sync_json(api, shop.app, tmp_path, version="2.3")["spdxVersion"] == "SPDX-2.3"
    _code, message = api.error("getProjectSpdxReport", projectToken=shop.app, version="3.0")
    assert "'version'" in message and "'2.2' or '2.3'" in message, message

    inventory = api.ok("getProjectInventory", projectToken=shop.app)["libraries"]
    key_uuids = {lib["name"]: lib["keyUuid"] for lib in inventory}
    packages = {p["name"]: p for p in document["packages"]}
    assert set(packages) == {"app", "alpha", "beta", "gamma", "delta"}
    for name in key_uuids:  # the library's name, as the Attribution report gives it
        assert packages[name]["SPDXID"] == f"SPDXRef-PACKAGE-{name}"
    alpha, beta, gamma, delta = (packages[n] for n in ("alpha", "beta", "gamma", "delta"))
    assert alpha["versionInfo"] == "1.0.0" and alpha["licenseDeclared"] == "MIT"
    assert alpha["checksums"] == [{"algorithm": "SHA1", "checksumValue": ALPHA_SHA1}]
    assert alpha["copyrightText"] == "Copyright 2020 Example Corp"
    assert alpha["externalRefs"] == [
        {
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": "pkg:maven/org.example/alpha@1.0.0",
        }
    ]
    assert beta["licenseConcluded"] == f"Apache-2.0 OR {PROPRIETARY}"
    assert beta["description"] == "Beta,\nover two lines"
    assert gamma["licenseDeclared"].startswith("LicenseRef-depvault-acme")
    assert delta["licenseDeclared"] == "NOASSERTION" and "checksums" not in delta
    assert {p["supplier"] for p in packages.values()} == {"NOASSERTION"}
    assert {p["downloadLocation"] for p in packages.values()} == {"NOASSERTION"}
    assert {p["filesAnalyzed"] for p in packages.values()} == {False}

    extracted = {e["licenseId"]: e for e in document["hasExtractedLicensingInfos"]}
    assert set(extracted) == {PROPRIETARY, gamma["licenseDeclared"]}
    assert "holds no text" not in extracted[PROPRIETARY]["extractedText"]  # ScanCode's text
    assert "holds no text" in extracted[gamma["licenseDeclared"]]["extractedText"]

    assert graph(document) == (["app"], APP_GRAPH)


@pytest.mark.parametrize("fmt", ["tv", "TAG_VALUE", "tag-value"])
def test_tag_value_states_what_json_states(api: Api, shop: Shop, tmp_path: Path, fmt: str) -> None:
    content_type, data = api.raw("getProjectSpdxReport", projectToken=shop.app, format=fmt)
    assert content_type == "text/spdx; charset=utf-8"
    assert data.startswith(b"SPDXVersion: SPDX-2.2\n")
    tag_value = validated(tmp_path, data, "spdx")
    document = api.ok("getProjectSpdxReport", projectToken=shop.app)
    from_json = validated(tmp_path, orjson.dumps(document))
    assert model_facts(tag_value) == model_facts(from_json)
    assert len(tag_value.packages) == 5 and len(tag_value.extracted_licensing_info) == 2
    assert {e.license_id: e.extracted_text for e in tag_value.extracted_licensing_info} == {
        e.license_id: e.extracted_text for e in from_json.extracted_licensing_info
    }


def test_the_sbom_reports_in_spdx_tag_value(
    api: Api, site: Bootstrap, shop: Shop, tmp_path: Path
) -> None:
    scope = {"projectToken": shop.app}
    member, data = async_tag_value(api, site, scope)
    # a .spdx file, as getProjectSpdxReport names its tag-value file
    assert member.startswith("ProjectSBOMReport-app-") and member.endswith(".spdx"), member
    assert data.startswith(b"SPDXVersion: SPDX-2.2\n")
    lines = data.decode().splitlines()
    package_names = sorted(line for line in lines if line.startswith("PackageName: "))
    assert package_names == [
        f"PackageName: {n}" for n in ("alpha", "app", "beta", "delta", "gamma")
    ]
    tag_value = validated(tmp_path, data, "spdx")  # spdx-tools parses and validates it
    from_json = validated(
        tmp_path, orjson.dumps(async_sbom(api, site, tmp_path, scope, standard="SPDX"))
    )
    assert model_facts(tag_value) == model_facts(from_json)
    _type, synchronous = api.raw("getProjectSpdxReport", projectToken=shop.app, format="tv")
    assert model_facts(tag_value) == model_facts(validated(tmp_path, synchronous, "spdx"))

    # the options hold as in JSON: the version, maxDepthLevel, a product's projects
    _member, newer = async_tag_value(api, site, scope, version="2.3", maxDepthLevel=0)
    assert newer.startswith(b"SPDXVersion: SPDX-2.3\n")
    top = validated(tmp_path, newer, "spdx")
    assert sorted(p.name for p in top.packages) == ["alpha", "app", "delta"]
    shop.project("tool", TOOL_SBOM)
    member, data = async_tag_value(api, site, {"productToken": shop.product})
    assert member.startswith("ProductSBOMReport-Shop-") and member.endswith(".spdx")
    product = validated(tmp_path, data, "spdx")
    assert product.creation_info.name == "Shop"
    assert sorted(p.name for p in product.packages) == [
        "alpha",
        "app",
        "beta",
        "delta",
        "epsilon",
        "gamma",
        "tool",
    ]


def hierarchy(api: Api, project: str) -> list[Any]:
    """The project's tree as (name, version, keyUuid) nodes, children sorted."""

    def walk(libraries: list[dict[str, Any]]) -> list[Any]:
        return sorted(
            ((lib["name"], lib["version"], lib["keyUuid"]), walk(lib["dependencies"]))
            for lib in libraries
        )

    return walk(api.ok("getProjectHierarchy", projectToken=project)["libraries"])


@pytest.mark.parametrize("fmt", ["json", "tv"])
def test_an_exported_document_imports_back_to_the_same_inventory(
    api: Api, shop: Shop, fmt: str
) -> None:
    if fmt == "json":
        sbom: Any = api.ok("getProjectSpdxReport", projectToken=shop.app)
    else:
        _type, data = api.raw("getProjectSpdxReport", projectToken=shop.app, format="tv")
        sbom = base64.b64encode(data).decode()
    copy = shop.project("copy", sbom)
    original = hierarchy(api, shop.app)
    assert [node[0][0] for node in original] == ["alpha", "delta"]  # direct ones
    assert hierarchy(api, copy) == original  # same libraries (keyUuids), same tree

    def facts(project: str) -> list[tuple[Any, ...]]:
        libraries = api.ok("getProjectInventory", projectToken=project)["libraries"]
        return sorted(
            (lib["keyUuid"], lib["name"], lib["version"], lib.get("sha1")) for lib in libraries
        )

    assert facts(copy) == facts(shop.app)


def test_the_sbom_reports_in_spdx(api: Api, site: Bootstrap, shop: Shop, tmp_path: Path) -> None:
    project = async_sbom(api, site, tmp_path, {"projectToken": shop.app}, standard="spdx")
    assert project["spdxVersion"] == "SPDX-2.2"
    assert graph(project) == (["app"], APP_GRAPH)  # every level without maxDepthLevel
    synchronous = api.ok("getProjectSpdxReport", projectToken=shop.app)
    assert sorted(orjson.dumps(p) for p in project["packages"]) == sorted(
        orjson.dumps(p) for p in synchronous["packages"]
    )
    newer = async_sbom(
        api, site, tmp_path, {"projectToken": shop.app}, standard="SPDX", version="2.3"
    )
    assert newer["spdxVersion"] == "SPDX-2.3"  # validated as 2.3

    shop.project("tool", TOOL_SBOM)
    product = async_sbom(api, site, tmp_path, {"productToken": shop.product}, standard="SPDX")
    assert product["name"] == "Shop"
    described, depends = graph(product)
    assert described == ["app", "tool"]
    assert depends == {**APP_GRAPH, "tool": ["delta", "epsilon"]}
    assert sorted(names(product).values()) == [  # delta once, for both projects
        "alpha",
        "app",
        "beta",
        "delta",
        "epsilon",
        "gamma",
        "tool",
    ]


def test_a_product_without_projects_describes_nothing(
    api: Api, site: Bootstrap, tmp_path: Path
) -> None:
    empty = api.ok("createProduct", orgToken=site.org_token, productName="Empty")
    document = async_sbom(
        api, site, tmp_path, {"productToken": empty["productToken"]}, standard="SPDX"
    )
    assert document["packages"] == []
    assert document["relationships"] == [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "NONE",
        }
    ]


def test_a_license_of_another_document_becomes_a_local_license_ref(
    api: Api, shop: Shop, tmp_path: Path
) -> None:
    external = "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"
    stated = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "vendor",
        "documentNamespace": "https://example.org/vendor",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: x"]},
        "packages": [
            {
                "SPDXID": "SPDXRef-zeta",
                "name": "zeta",
                "versionInfo": "6.0",
                "downloadLocation": "NOASSERTION",
                "licenseDeclared": f"MIT AND {external}",
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": "pkg:pypi/zeta@6.0",
                    }
                ],
            }
        ],
    }
    vendor = shop.project("vendor", stated)
    document = sync_json(api, vendor, tmp_path)  # valid: no dangling DocumentRef
    [zeta] = [p for p in document["packages"] if p["name"] == "zeta"]
    local = "LicenseRef-spdx-tool-1.2-MIT-Style-2"
    assert zeta["licenseDeclared"] == f"MIT AND {local}"
    [entry] = document["hasExtractedLicensingInfos"]
    assert entry["licenseId"] == local and external in entry["extractedText"]


def test_max_depth_level_cuts_the_spdx_tree(
    api: Api, site: Bootstrap, shop: Shop, tmp_path: Path
) -> None:
    scope = {"projectToken": shop.app}
    top = async_sbom(api, site, tmp_path, scope, standard="SPDX", maxDepthLevel=0)
    assert sorted(names(top).values()) == ["alpha", "app", "delta"]
    assert graph(top) == (["app"], {"app": ["alpha", "delta"], "alpha": ["delta"]})
    two = async_sbom(api, site, tmp_path, scope, standard="SPDX", maxDepthLevel=1)
    assert sorted(names(two).values()) == ["alpha", "app", "beta", "delta"]
    assert graph(two)[1] == {"app": ["alpha", "delta"], "alpha": ["beta", "delta"]}
    assert graph(async_sbom(api, site, tmp_path, scope, standard="SPDX", maxDepthLevel=2)) == (
        ["app"],
        APP_GRAPH,
    )
    cyclonedx = async_sbom_cyclonedx_names(api, site, scope)
    assert cyclonedx == ["alpha", "delta"]  # CycloneDX keeps its default: the top level


def async_sbom_cyclonedx_names(api: Api, site: Bootstrap, scope: dict[str, str]) -> list[str]:
    status = api.ok(
        "generateProjectReportAsync",
        **scope,
        reportType="ProjectSBOMReport",
        format="json",
        standard="CycloneDX",
    )["asyncProcessStatus"]
    [data] = download(api, site, status["uuid"]).values()
    return sorted(c["name"] for c in orjson.loads(data)["components"])


def test_formats_and_options_outside_the_offer_are_refused(api: Api, shop: Shop) -> None:
    for fmt in ("xml", "rdf", "yaml", "xlsx"):
        code, message = api.error("getProjectSpdxReport", projectToken=shop.app, format=fmt)
        assert code != 5001 and "'format'" in message and "JSON or TV" in message, message
    request = {"projectToken": shop.app, "reportType": "ProjectSBOMReport"}
    for fmt in ("pdf", "rdf"):
        code, message = api.error(
            "generateProjectReportAsync", **request, format=fmt, standard="spdx"
        )
        assert code != 5001 and "'format'" in message, message
        assert message.endswith(
            "ProjectSBOMReport with standard SPDX is offered as json, tv, yaml, xml, xlsx"
        )
    for standard in ({"standard": "CycloneDX"}, {}):  # CycloneDX, the default, has no tv
        _code, message = api.error("generateProjectReportAsync", **request, format="tv", **standard)
        assert message.endswith("ProjectSBOMReport with standard CycloneDX is offered as json, xml")
    _code, message = api.error(
        "generateProjectReportAsync", **request, format="json", standard="SPDX", version="1.5"
    )
    assert "filter.version" in message and "'2.2' or '2.3'" in message
    _code, message = api.error(
        "generateProjectReportAsync", **request, format="json", standard="SWID"
    )
    assert "expected CycloneDX or SPDX" in message


def test_the_project_token_and_its_organization_are_required(
    api: Api, database: Database, site: Bootstrap, shop: Shop
) -> None:
    _code, message = api.error("getProjectSpdxReport", productToken=shop.product)
    assert "projectToken" in message
    _code, message = api.error("getProjectSpdxReport", orgToken=site.org_token)
    assert "projectToken" in message
    other = admin.create_organization(database, "Other Org", admin_email="other@example.com")
    assert other.user_key is not None
    answer = api.call("getProjectSpdxReport", key=other.user_key, projectToken=shop.app)
    # another organization's project answers as a made-up token would (issue 14)
    assert answer == api.call("getProjectSpdxReport", key=other.user_key, projectToken="M" * 36)
    assert answer == {"errorCode": 3000, "errorMessage": "Invalid projectToken: no such token"}


def test_a_large_project_points_to_the_asynchronous_report(
    config: Config, database: Database, site: Bootstrap, shop: Shop
) -> None:
    for limit, refused in ((3, True), (4, False)):
        small = dataclasses.replace(config, sync_report_max_rows=limit)
        with TestClient(create_app(small, database, migrate=False, inline_jobs=True)) as client:
            api = Api(client, site.user_key)
            if refused:
                _code, message = api.error("getProjectSpdxReport", projectToken=shop.app)
                assert "ProjectSBOMReport" in message and "standard SPDX" in message
            else:  # four libraries: at the limit, answered
                document = api.ok("getProjectSpdxReport", projectToken=shop.app)
                assert len(document["packages"]) == 5

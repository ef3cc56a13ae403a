"""CycloneDX SBOM export (``ProjectSBOMReport``): valid per the official schema (the
cyclonedx library's validator is the oracle), read back by depvault's own importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.ingest.sbom import read_sbom
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_agent import TREE, diff, post_agent, project
from tests.functional.test_alerts import DJANGO_CVE, IOTDB_CVE, PYPI, Portfolio
from tests.functional.test_async_reports import build_portfolio, download

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")


def sbom(api: Api, site: Bootstrap, project_token: str, **options: Any) -> dict[str, Any]:
    status = api.ok(
        "generateProjectReportAsync",
        projectToken=project_token,
        reportType="ProjectSBOMReport",
        format="json",
        **options,
    )["asyncProcessStatus"]
    assert status["processType"] == "PROJECT_SBOM_REPORT"
    [(name, data)] = download(api, site, status["uuid"]).items()
    assert name.endswith(".json")
    version = SchemaVersion.V1_5 if options.get("version") == "1.5" else SchemaVersion.V1_4
    problem = JsonStrictValidator(version).validate_str(data.decode())
    assert problem is None, problem
    document: dict[str, Any] = orjson.loads(data)
    return document


def test_a_project_sbom_is_valid_and_reads_back(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    portfolio: Portfolio = build_portfolio(api, site, database, tmp_path)
    token = portfolio.projects["app"]
    document = sbom(api, site, token, standard="CycloneDX")
    purls = sorted(c["purl"] for c in document["components"])
    assert purls == [
        "pkg:pypi/apache-iotdb@1.2.0",
        "pkg:pypi/django@3.2.18",
        "pkg:pypi/requests@2.31.0",
    ]
    vulnerabilities = {v["id"]: v for v in document["vulnerabilities"]}
    assert set(vulnerabilities) == {DJANGO_CVE, IOTDB_CVE}
    iotdb = next(c for c in document["components"] if c["name"] == "apache-iotdb")
    assert vulnerabilities[IOTDB_CVE]["affects"] == [{"ref": iotdb["bom-ref"]}]
    assert vulnerabilities[IOTDB_CVE]["ratings"][0]["score"] == 9.8
    inventory = read_sbom(orjson.dumps(document), 10_000_000)
    assert sorted(c.purl or "" for c in inventory.components) == purls

    quiet = sbom(
        api, site, token, standard="cyclonedx", version="1.5", includeVulnerabilities=False
    )
    assert quiet["specVersion"] == "1.5" and "vulnerabilities" not in quiet


def test_the_cyclonedx_xml_document_is_valid_and_says_what_the_json_says(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    portfolio: Portfolio = build_portfolio(api, site, database, tmp_path)
    token = portfolio.projects["app"]
    for version, schema in (("1.4", SchemaVersion.V1_4), ("1.5", SchemaVersion.V1_5)):
        status = api.ok(
            "generateProjectReportAsync",
            projectToken=token,
            reportType="ProjectSBOMReport",
            format="xml",
            standard="CycloneDX",
            version=version,
        )["asyncProcessStatus"]
        [(name, data)] = download(api, site, status["uuid"]).items()
        assert name.endswith(".xml")
        problem = XmlValidator(schema).validate_str(data.decode())
        assert problem is None, problem
        assert f"http://cyclonedx.org/schema/bom/{version}".encode() in data
    # the same content as the JSON document, read back through the XML importer
    inventory = read_sbom(data, 10_000_000)
    as_json = sbom(api, site, token, standard="CycloneDX", version="1.5")
    assert sorted(c.purl or "" for c in inventory.components) == sorted(
        c["purl"] for c in as_json["components"]
    )
    assert {c.licenses for c in inventory.components} == {
        tuple(
            entry["license"].get("id") or entry["license"].get("name")
            for entry in c.get("licenses", [])
        )
        for c in as_json["components"]
    }
    assert DJANGO_CVE.encode() in data and IOTDB_CVE.encode() in data


def test_max_depth_level_and_the_dependency_graph(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    assert post_agent(app_client, site, diff([project("svc", TREE)]))["status"] == 1
    product = api.ok("getAllProducts", orgToken=site.org_token)["products"][0]["productToken"]
    token = api.ok("getAllProjects", productToken=product)["projects"][0]["projectToken"]
    top = sbom(api, site, token, standard="CycloneDX")
    assert sorted(c["name"] for c in top["components"]) == [
        "jackson-core",
        "junit",
        "spring-web",
    ]
    whole = sbom(api, site, token, standard="CycloneDX", maxDepthLevel=5)
    names = {c["bom-ref"]: c["name"] for c in whole["components"]}
    assert sorted(names.values()) == [
        "hamcrest-core",
        "jackson-core",
        "jackson-databind",
        "junit",
        "spring-core",
        "spring-jcl",
        "spring-web",
    ]
    graph = {
        names.get(d["ref"], d["ref"]): sorted(names[r] for r in d["dependsOn"])
        for d in whole["dependencies"]
    }
    assert graph["root"] == ["jackson-core", "junit", "spring-web"]
    assert graph["spring-web"] == ["jackson-databind", "spring-core"]
    assert graph["junit"] == ["hamcrest-core"]


def test_sbom_requests_are_refused_precisely(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    assert post_agent(app_client, site, diff([project("svc", TREE)]))["status"] == 1
    product = api.ok("getAllProducts", orgToken=site.org_token)["products"][0]["productToken"]
    token = api.ok("getAllProjects", productToken=product)["projects"][0]["projectToken"]
    request = {"projectToken": token, "reportType": "ProjectSBOMReport"}
    _code, message = api.error(
        "generateProjectReportAsync", **request, format="json", standard="SWID"
    )
    assert "expected CycloneDX or SPDX" in message  # SPDX: tests/functional/test_spdx_export.py
    for fmt in ("tv", "xlsx"):
        _code, message = api.error(
            "generateProjectReportAsync", **request, format=fmt, standard="cyclonedx"
        )
        assert message.endswith("ProjectSBOMReport with standard CycloneDX is offered as json, xml")
    _code, message = api.error(
        "generateProjectReportAsync", **request, format="json", standard="CycloneDX", version="9.9"
    )
    assert "version" in message

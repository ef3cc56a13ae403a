"""The SPDX and CycloneDX exports, the Attribution report and the Vulnerability report
state the same license and vulnerability facts for the same library (issue 12), and the
Attribution report's ``library`` is the name in the SPDX package id
``SPDXRef-PACKAGE-<library>`` (client-compat.md: the SBOM export CLI joins them so).
Run for the laravel SBOM's project (one advisory) and for a project whose library has
a license choice (``MIT OR Apache-2.0``), on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.sbom_oracles import cyclonedx_stated, spdx_document, spdx_stated
from tests.functional.test_report_table import SMALL_SBOM
from tests.functional.test_sbom_combinations import ADVISORY_URL, FRAMEWORK, laravel, sbom


def facts(api: Api, site: Bootstrap, project: str, tmp_path: Path) -> dict[str, Any]:
    """Each report's {purl: (license ids, advisory URLs)}."""
    _member, data = sbom(api, site, project, standard="SPDX", version="2.3", format="json")
    spdx = spdx_stated(spdx_document("json", data, tmp_path))
    _member, data = sbom(api, site, project, standard="CycloneDX", format="json", maxDepthLevel=10)
    cyclonedx = cyclonedx_stated("json", "1.4", data)
    purl_of_id = {spdx_id: purl for purl, spdx_id in spdx.ids.items()}
    inventory = api.ok("getProjectInventory", projectToken=project)["libraries"]
    purl_of_key = {lib["keyUuid"]: lib["purl"] for lib in inventory}

    attribution = api.ok(
        "getProjectAttributionReport", projectToken=project, reportingScope="LICENSES"
    )
    licensed: dict[str, set[str]] = {purl: set() for purl in purl_of_key.values()}
    for entries in attribution["detail"].values():
        for entry in entries:
            # the client fact: the SPDX package whose id is SPDXRef-PACKAGE-<library>
            purl = purl_of_id[f"SPDXRef-PACKAGE-{entry['library']}"]
            licensed[purl] |= {license_["license"] for license_ in entry["licenses"]}

    vulnerabilities = api.ok("getProjectVulnerabilityReport", projectToken=project, format="json")
    advised: dict[str, set[str]] = {purl: set() for purl in purl_of_key.values()}
    for row in vulnerabilities["vulnerabilities"]:
        advised[purl_of_key[row["library"]["keyUuid"]]].add(row["url"])

    return {
        "spdx": spdx.libraries,
        "cyclonedx": cyclonedx.libraries,
        "attribution": {p: frozenset(ids) for p, ids in licensed.items()},
        "vulnerability": {p: frozenset(urls) for p, urls in advised.items()},
    }


def assert_agree(found: dict[str, Any]) -> None:
    spdx, cyclonedx = found["spdx"], found["cyclonedx"]
    assert spdx == cyclonedx
    assert {p: f[0] for p, f in spdx.items()} == found["attribution"]
    assert {p: f[1] for p, f in spdx.items()} == found["vulnerability"]


def test_the_reports_agree_on_a_real_sboms_project(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    found = facts(api, site, laravel(api, site, database, tmp_path), tmp_path)
    assert_agree(found)
    assert found["vulnerability"][FRAMEWORK] == {ADVISORY_URL}
    assert found["attribution"]["pkg:composer/league/commonmark@1.6.7"] == {"BSD-3-Clause"}


def test_the_reports_agree_on_a_license_choice(api: Api, site: Bootstrap, tmp_path: Path) -> None:
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    project = api.ok("importProjectSbom", productToken=product, projectName="app", sbom=SMALL_SBOM)[
        "projectToken"
    ]
    found = facts(api, site, project, tmp_path)
    assert_agree(found)
    assert found["attribution"]["pkg:pypi/alpha@1.0.0"] == {"MIT", "Apache-2.0"}
    # CycloneDX keeps the choice as one expression, not two licenses that both apply
    _member, data = sbom(api, site, project, standard="CycloneDX", format="json")
    [alpha] = [c for c in orjson.loads(data)["components"] if c["name"] == "alpha"]
    assert alpha["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    _member, data = sbom(api, site, project, standard="CycloneDX", format="xml")
    root = etree.fromstring(data)
    expressions = root.findall(".//{*}component/{*}licenses/{*}expression")
    assert [e.text for e in expressions] == ["MIT OR Apache-2.0"]

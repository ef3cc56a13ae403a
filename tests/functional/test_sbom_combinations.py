"""Every SBOM the asynchronous reports offer (document 003): SPDX 2.2 and 2.3 as JSON,
YAML, XML, tag-value and the SPDX spreadsheet; CycloneDX 1.4 and 1.5 as JSON and XML,
generated through the API for a real SBOM's project (laravel, 62 Composer packages,
one of them with an advisory) and checked by the official libraries
(``sbom_oracles``): valid, every imported purl present, the same licenses and
advisories in all fourteen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from depvault.admin import Bootstrap
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.data_files import SBOMS
from tests.functional.sbom_oracles import (
    Stated,
    cyclonedx_stated,
    spdx_document,
    spdx_stated,
)
from tests.functional.test_async_reports import download

LARAVEL = SBOMS / "laravel-7.12.0.cdx-1.4.json"
pytestmark = pytest.mark.skipif(not LARAVEL.exists(), reason=f"{LARAVEL} not found")
FRAMEWORK = "pkg:composer/laravel/framework@v7.30.6"
# An advisory written for the test (OSV has no Packagist export in the shared data):
# the framework version the SBOM holds, listed explicitly.
ADVISORY: dict[str, Any] = {
    "id": "GHSA-test-lara-vel1",
    "modified": "2024-01-01T00:00:00Z",
    "published": "2024-01-01T00:00:00Z",
    "aliases": ["CVE-2099-0001"],
    "summary": "Test advisory on the Laravel framework",
    "affected": [
        {
            "package": {"ecosystem": "Packagist", "name": "laravel/framework"},
            "versions": ["v7.30.6"],
        }
    ],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
}
ADVISORY_URL = f"https://osv.dev/vulnerability/{ADVISORY['id']}"
COMBINATIONS = [
    *(("SPDX", v, f) for v in ("2.2", "2.3") for f in ("JSON", "YAML", "XML", "TV", "XLSX")),
    *(("CycloneDX", v, f) for v in ("1.4", "1.5") for f in ("JSON", "XML")),
]
EXTENSIONS = {"json": "json", "yaml": "yaml", "xml": "xml", "tv": "spdx", "xlsx": "xlsx"}


def laravel(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> str:
    """The project of the laravel SBOM, its framework affected by :data:`ADVISORY`."""
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / "advisory.json").write_bytes(orjson.dumps(ADVISORY))
    import_osv(database, read_osv_documents([folder]))
    product = api.ok("createProduct", orgToken=site.org_token, productName="Shop")
    answer = api.ok(
        "importProjectSbom",
        productToken=product["productToken"],
        projectName="laravel",
        sbom=orjson.loads(LARAVEL.read_bytes()),
    )
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state == {"requestState": "FINISHED"}, state
    return str(answer["projectToken"])


def sbom(api: Api, site: Bootstrap, project: str, **options: Any) -> tuple[str, bytes]:
    status = api.ok(
        "generateProjectReportAsync",
        projectToken=project,
        reportType="ProjectSBOMReport",
        **options,
    )["asyncProcessStatus"]
    [(member, data)] = download(api, site, status["uuid"]).items()
    return member, data


def stated(standard: str, version: str, fmt: str, data: bytes, tmp_path: Path) -> Stated:
    if standard == "SPDX":
        return spdx_stated(spdx_document(fmt.lower(), data, tmp_path))
    return cyclonedx_stated(fmt.lower(), version, data)


def test_all_fourteen_combinations_are_valid_and_state_the_same_facts(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    project = laravel(api, site, database, tmp_path)
    inventory = api.ok("getProjectInventory", projectToken=project)["libraries"]
    purls = {lib["purl"] for lib in inventory}
    assert len(purls) == 62 and FRAMEWORK in purls
    facts: dict[tuple[str, str, str], Stated] = {}
    for standard, version, fmt in COMBINATIONS:
        options = {"standard": standard, "version": version, "format": fmt}
        if standard == "CycloneDX":
            options["maxDepthLevel"] = 10  # every level, as SPDX gives by default
        member, data = sbom(api, site, project, **options)
        assert member.endswith("." + EXTENSIONS[fmt.lower()]), member
        found = stated(standard, version, fmt, data, tmp_path)
        assert found.version.removeprefix("SPDX-") == version, (standard, fmt)
        assert set(found.libraries) == purls, (standard, version, fmt)
        facts[(standard, version, fmt)] = found

    licenses = {key: {p: f[0] for p, f in s.libraries.items()} for key, s in facts.items()}
    first = licenses[COMBINATIONS[0]]
    assert first["pkg:composer/league/commonmark@1.6.7"] == {"BSD-3-Clause"}
    assert all(found == first for found in licenses.values())
    for key, found in facts.items():
        advisories = {p: f[1] for p, f in found.libraries.items() if f[1]}
        assert advisories == {FRAMEWORK: frozenset({ADVISORY_URL})}, key


def test_spdx_advisory_references_follow_the_version(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    project = laravel(api, site, database, tmp_path)
    categories = {}
    for version in ("2.2", "2.3"):
        _member, data = sbom(api, site, project, standard="SPDX", version=version, format="json")
        document = orjson.loads(data)
        [framework] = [
            p
            for p in document["packages"]
            if any(r["referenceLocator"] == FRAMEWORK for r in p.get("externalRefs", ()))
        ]
        [advisory] = [r for r in framework["externalRefs"] if r["referenceType"] == "advisory"]
        assert advisory["referenceLocator"] == ADVISORY_URL
        categories[version] = advisory["referenceCategory"]
    assert categories == {"2.2": "OTHER", "2.3": "SECURITY"}
    # the default: version 2.2, vulnerabilities included; includeVulnerabilities false drops them
    _member, data = sbom(api, site, project, standard="spdx", format="json")
    assert orjson.loads(data)["spdxVersion"] == "SPDX-2.2"
    assert ADVISORY_URL.encode() in data
    _member, data = sbom(
        api, site, project, standard="SPDX", format="yaml", includeVulnerabilities=False
    )
    assert b"advisory" not in data and FRAMEWORK.encode() in data

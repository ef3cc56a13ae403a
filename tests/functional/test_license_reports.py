"""The Effective Licenses and License Compatibility reports through the API: synchronous
(xlsx by default, JSON on request) and asynchronous (generate → poll → download →
unzip → parse), at every scope they are offered.

Product "Mixed": project m1 holds a GPL-2.0-only library and an Apache-2.0 one (a known
one-way conflict), project m2 libraries whose declared expressions hold GPL-3.0-only
and LGPL-2.1-only only as alternatives or alongside permissive terms. Product
"Permissive" holds permissive libraries and one without a license.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import orjson
import pytest

from depvault.admin import Bootstrap
from depvault.reports.sources.licenses import LIBRARIES_LISTED, _Carriers
from tests.conftest import Api
from tests.functional.test_async_reports import download, rows_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EFFECTIVE_HEADER = (
    "Product", "Project", "Library", "Version", "Type", "Licenses", "Effective License",
    "Category", "Copyleft", "Reason", "Key UUID",
)  # fmt: skip
COMPATIBILITY_HEADER = (
    "License", "Libraries", "Library Count", "Conflicting License", "Conflicting Libraries",
    "Conflicting Library Count", "Direction", "Reason", "Source",
)  # fmt: skip


def _component(name: str, licenses: list[dict[str, Any]] | None) -> dict[str, Any]:
    component: dict[str, Any] = {
        "type": "library",
        "name": name,
        "version": "1.0.0",
        "purl": f"pkg:npm/{name}@1.0.0",
    }
    if licenses is not None:
        component["licenses"] = licenses
    return component


def _sbom(*components: dict[str, Any]) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
            "components": list(components)}  # fmt: skip


def _expression(text: str) -> list[dict[str, Any]]:
    return [{"expression": text}]


def _id(spdx: str) -> list[dict[str, Any]]:
    return [{"license": {"id": spdx}}]


INVENTORIES = {
    ("Mixed", "m1"): _sbom(
        _component("kernelish", _id("GPL-2.0-only")),
        _component("asf", _id("Apache-2.0")),
    ),
    ("Mixed", "m2"): _sbom(
        # declared GPL-3.0-only too: were the declared licenses compared, GPL-2.0-only
        # (kernelish) and GPL-3.0-only would make a pair; the effective license is MIT
        _component("dual", _expression("MIT OR GPL-3.0-only")),
        _component("combo", _expression("LGPL-2.1-only AND BSD-3-Clause")),
    ),
    ("Permissive", "p1"): _sbom(
        _component("tiny", _id("MIT")),
        _component("server", _id("Apache-2.0")),
        _component("classic", _expression("BSD-3-Clause OR GPL-2.0-only")),
        _component("bare", None),
    ),
}


class Org:
    def __init__(self, api: Api, site: Bootstrap) -> None:
        self.api, self.site = api, site
        self.products: dict[str, str] = {}
        self.projects: dict[str, str] = {}
        for (product, project), sbom in INVENTORIES.items():
            if product not in self.products:
                self.products[product] = api.ok(
                    "createProduct", orgToken=site.org_token, productName=product
                )["productToken"]
            api.ok(
                "importProjectSbom",
                productToken=self.products[product],
                projectName=project,
                sbom=sbom,
            )
        for token in self.products.values():
            for item in api.ok("getAllProjects", productToken=token)["projects"]:
                self.projects[item["projectName"]] = item["projectToken"]

    def sync(self, request: str, **scope: str) -> list[dict[str, Any]]:
        answer = self.api.ok(request, **scope, format="json")
        [(root, rows)] = answer.items()
        assert root in {"libraries", "incompatibilities"}
        return list(rows)

    def generate(self, level: str, report: str, fmt: str, **scope: str) -> bytes:
        status = self.api.ok(f"generate{level}ReportAsync", **scope, reportType=report, format=fmt)[
            "asyncProcessStatus"
        ]
        [(member, data)] = download(self.api, self.site, status["uuid"]).items()
        assert member.startswith(report) and member.endswith(f".{fmt}")
        return data


@pytest.fixture
def org(api: Api, site: Bootstrap) -> Org:
    return Org(api, site)


def _by_library(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["library"].split("-1.0.0")[0]: row for row in rows}


def _sheet(body: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_effective_license_of_each_library(org: Org) -> None:
    rows = org.sync("getOrganizationEffectiveLicensesReport", orgToken=org.site.org_token)
    libraries = _by_library(rows)
    assert set(libraries) == {"kernelish", "asf", "dual", "combo", "tiny", "server",
                              "classic", "bare"}  # fmt: skip
    dual = libraries["dual"]
    assert (dual["product"], dual["project"]) == ("Mixed", "m2")
    assert dual["licenses"] == "MIT OR GPL-3.0-only"
    assert dual["effectiveLicense"] == "MIT"  # OR: the permissive choice
    assert (dual["category"], dual["copyleft"]) == ("permissive", "NO")
    assert dual["reason"] == "most permissive of OR choices"
    combo = libraries["combo"]
    assert combo["effectiveLicense"] == "LGPL-2.1-only AND BSD-3-Clause"  # AND: both
    assert combo["reason"] == "all of AND terms"
    assert (combo["category"], combo["copyleft"]) == ("weak-copyleft", "PARTIAL")
    kernel = libraries["kernelish"]
    assert (kernel["effectiveLicense"], kernel["reason"]) == ("GPL-2.0-only", "single license")
    assert (kernel["category"], kernel["copyleft"]) == ("strong-copyleft", "FULL")
    assert libraries["classic"]["effectiveLicense"] == "BSD-3-Clause"
    bare = libraries["bare"]
    assert (bare["licenses"], bare["effectiveLicense"]) == ("", "")
    assert (bare["reason"], bare["category"]) == ("no license declared", "unknown")
    assert all(len(row["keyUuid"]) == 36 and row["type"] for row in rows)


def test_effective_licenses_are_scoped_and_xlsx_by_default(org: Org) -> None:
    permissive = {"productToken": org.products["Permissive"]}
    rows = org.sync("getProductEffectiveLicensesReport", **permissive)
    assert set(_by_library(rows)) == {"tiny", "server", "classic", "bare"}
    assert {row["product"] for row in rows} == {"Permissive"}
    content_type, body = org.api.raw("getProductEffectiveLicensesReport", **permissive)
    assert content_type == XLSX
    header, *data = _sheet(body)
    assert header == EFFECTIVE_HEADER
    assert sorted(str(r[2]) for r in data) == sorted(row["library"] for row in rows)
    _code, message = org.api.error("getProductEffectiveLicensesReport", **permissive, format="pdf")
    assert "xlsx, json" in message
    # offered at the organization and product only, as the catalog lists it
    _code, message = org.api.error(
        "getProjectEffectiveLicensesReport", projectToken=org.projects["p1"]
    )
    assert "getProjectEffectiveLicensesReport" in message


def test_a_product_with_gpl2_and_apache_shows_that_pair(org: Org) -> None:
    mixed = {"productToken": org.products["Mixed"]}
    [row] = org.sync("getProductLicenseCompatibilityReport", **mixed)
    assert (row["license"], row["conflictingLicense"]) == ("GPL-2.0-only", "Apache-2.0")
    assert (row["libraries"], row["conflictingLibraries"]) == ("kernelish-1.0.0.tgz",
                                                               "asf-1.0.0.tgz")  # fmt: skip
    assert (row["libraryCount"], row["conflictingLibraryCount"]) == (1, 1)
    assert row["direction"] == "one-way"
    assert "patent" in row["reason"]
    assert row["source"] == "https://www.gnu.org/licenses/license-list.html#apache2"
    # the project holding both sides shows it, the other project nothing
    [project_row] = org.sync(
        "getProjectLicenseCompatibilityReport", projectToken=org.projects["m1"]
    )
    assert project_row == row
    assert org.sync("getProjectLicenseCompatibilityReport", projectToken=org.projects["m2"]) == []
    content_type, body = org.api.raw("getProductLicenseCompatibilityReport", **mixed)
    assert content_type == XLSX
    header, *data = _sheet(body)
    assert header == COMPATIBILITY_HEADER
    assert [r[:2] + r[3:5] for r in data] == [
        ("GPL-2.0-only", "kernelish-1.0.0.tgz", "Apache-2.0", "asf-1.0.0.tgz")
    ]


def test_a_permissive_product_has_no_rows(org: Org) -> None:
    permissive = {"productToken": org.products["Permissive"]}
    assert org.sync("getProductLicenseCompatibilityReport", **permissive) == []
    content_type, body = org.api.raw("getProductLicenseCompatibilityReport", **permissive)
    assert content_type == XLSX and _sheet(body) == [COMPATIBILITY_HEADER]


def _json_rows(data: bytes, root: str) -> list[list[str]]:
    return sorted(rows_of("json", data, root))


def test_async_reports_match_the_synchronous_rows(org: Org) -> None:
    org_scope = {"orgToken": org.site.org_token}
    product = {"productToken": org.products["Mixed"]}
    project = {"projectToken": org.projects["m1"]}
    cases = [
        ("Organization", "OrgEffectiveLicensesReport", org_scope,
         "getOrganizationEffectiveLicensesReport", "libraries"),
        ("Product", "ProductEffectiveLicensesReport", product,
         "getProductEffectiveLicensesReport", "libraries"),
        ("Product", "ProductLicenseCompatibilityReport", product,
         "getProductLicenseCompatibilityReport", "incompatibilities"),
        ("Project", "ProjectLicenseCompatibilityReport", project,
         "getProjectLicenseCompatibilityReport", "incompatibilities"),
    ]  # fmt: skip
    for level, report, scope, sync_request, root in cases:
        expected = sorted([str(v) for v in row.values()] for row in org.sync(sync_request, **scope))
        assert expected, report
        as_json = org.generate(level, report, "json", **scope)
        assert _json_rows(as_json, root) == expected, report
        assert set(orjson.loads(as_json)) >= {"reportName", root}
        as_xlsx = org.generate(level, report, "xlsx", **scope)
        assert sorted(rows_of("xlsx", as_xlsx, root)) == expected, report
        assert len(rows_of("xml", org.generate(level, report, "xml", **scope), root)) == len(
            expected
        )
        org.generate(level, report, "pdf", **scope)  # renders


def test_a_long_list_of_libraries_is_cut_visibly() -> None:
    carriers = _Carriers()
    for i in range(LIBRARIES_LISTED + 7):
        carriers.add(f"lib{i:03d}")
    text = carriers.listed()
    assert text.startswith("lib000, lib001") and text.endswith(" … and 7 more")
    assert carriers.count == LIBRARIES_LISTED + 7
    few = _Carriers()
    few.add("a")
    few.add("b")
    assert few.listed() == "a, b"

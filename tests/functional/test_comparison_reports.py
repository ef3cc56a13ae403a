"""The Product and Project Comparison reports through the front door: two releases'
inventories imported as CycloneDX, compared package by package in JSON and xlsx, and
every refusal naming its parameter."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from depvault import admin
from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_alerts import (
    DJANGO_ADVISORY,
    DJANGO_CVE,
    IOTDB_ADVISORY,
    IOTDB_CVE,
    PYPI,
    knowledge,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "Library",
    "Group",
    "Type",
    "Source Version(s)",
    "Target Version(s)",
    "Change",
    "Source Licenses",
    "Target Licenses",
    "Source Open Security Alerts",
    "Target Open Security Alerts",
]


def component(name: str, version: str, license_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "library",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{name}@{version}",
    }
    if license_id:
        item["licenses"] = [{"license": {"id": license_id}}]
    return item


@dataclass
class Release:
    product: str
    projects: dict[str, str]


def release(api: Api, org: str, product: str, **projects: list[dict[str, Any]]) -> Release:
    """A product of the organization ``org`` whose projects hold these components
    (imported and analysed inline)."""
    token = api.ok("createProduct", orgToken=org, productName=product)["productToken"]
    tokens = {}
    for project, components in projects.items():
        sbom = {"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1}
        answer = api.ok(
            "importProjectSbom",
            productToken=token,
            projectName=project,
            sbom={**sbom, "components": components},
        )
        state = api.ok("getRequestState", orgToken=org, requestToken=answer["requestToken"])
        assert state["requestState"] == "FINISHED"
        listed = api.ok("getAllProjects", productToken=token)["projects"]
        tokens[project] = next(p["projectToken"] for p in listed if p["projectName"] == project)
    return Release(token, tokens)


# Release 1 → release 2: requests upgraded (2.9.0 → 2.31.0: text order would say
# downgraded), django downgraded, flask added, six removed, idna unchanged.
RELEASE_1 = [
    component("requests", "2.9.0", "Apache-2.0"),
    component("django", "4.2.1", "BSD-3-Clause"),
    component("six", "1.16.0", "MIT"),
    component("idna", "3.4", "BSD-3-Clause"),
]
RELEASE_2 = [
    component("requests", "2.31.0", "Apache-2.0"),
    component("django", "3.2.19", "BSD-3-Clause"),
    component("flask", "3.0.0", "BSD-3-Clause"),
    component("idna", "3.4", "BSD-3-Clause"),
]
EXPECTED = [
    ("django", ["4.2.1"], ["3.2.19"], "DOWNGRADED"),
    ("flask", [], ["3.0.0"], "ADDED"),
    ("requests", ["2.9.0"], ["2.31.0"], "UPGRADED"),
    ("six", ["1.16.0"], [], "REMOVED"),
]
UNCHANGED = ("idna", ["3.4"], ["3.4"], "UNCHANGED")


@pytest.fixture
def releases(api: Api, site: Bootstrap) -> tuple[Release, Release]:
    return (
        release(api, site.org_token, "Release 1", app=RELEASE_1),
        release(api, site.org_token, "Release 2", app=RELEASE_2),
    )


def summary(rows: list[dict[str, Any]]) -> list[tuple[str, list[str], list[str], str]]:
    return [(r["library"], r["sourceVersions"], r["targetVersions"], r["change"]) for r in rows]


def products(site: Bootstrap, source: Release, target: Release, **more: Any) -> dict[str, Any]:
    return {
        "orgToken": site.org_token,
        "sourceProductToken": source.product,
        "targetProductToken": target.product,
        **more,
    }


def test_products_comparison_in_json(
    api: Api, site: Bootstrap, releases: tuple[Release, Release]
) -> None:
    one, two = releases
    rows = api.ok("getProductsComparisonReport", **products(site, one, two, format="json"))[
        "comparison"
    ]
    assert summary(rows) == EXPECTED
    requests = next(r for r in rows if r["library"] == "requests")
    assert requests == {
        "library": "requests",
        "groupId": "",
        "type": "Python",
        "sourceVersions": ["2.9.0"],
        "targetVersions": ["2.31.0"],
        "change": "UPGRADED",
        "sourceLicenses": ["Apache License 2.0"],  # the licenses' names, as inventories
        "targetLicenses": ["Apache License 2.0"],
        "sourceOpenSecurityAlerts": 0,
        "targetOpenSecurityAlerts": 0,
    }
    flask = next(r for r in rows if r["library"] == "flask")
    assert flask["sourceLicenses"] == []
    assert flask["targetLicenses"] == ['BSD 3-Clause "New" or "Revised" License']
    six = next(r for r in rows if r["library"] == "six")
    assert (six["sourceLicenses"], six["targetLicenses"]) == (["MIT License"], [])

    # the other way round, every change turns over
    back = api.ok("getProductsComparisonReport", **products(site, two, one, format="JSON"))
    assert [(r["library"], r["change"]) for r in back["comparison"]] == [
        ("django", "UPGRADED"),
        ("flask", "REMOVED"),
        ("requests", "DOWNGRADED"),
        ("six", "ADDED"),
    ]


def test_include_unchanged_adds_the_unchanged_row(
    api: Api, site: Bootstrap, releases: tuple[Release, Release]
) -> None:
    one, two = releases
    params = products(site, one, two, format="json", includeUnchanged=True)
    rows = api.ok("getProductsComparisonReport", **params)["comparison"]
    assert summary(rows) == sorted([*EXPECTED, UNCHANGED])
    params["includeUnchanged"] = False
    assert summary(api.ok("getProductsComparisonReport", **params)["comparison"]) == EXPECTED


def test_one_product_on_both_sides_is_unchanged_throughout(
    api: Api, site: Bootstrap, releases: tuple[Release, Release]
) -> None:
    one, _two = releases
    params = products(site, one, one, format="json")
    assert api.ok("getProductsComparisonReport", **params) == {"comparison": []}
    rows = api.ok("getProductsComparisonReport", **params, includeUnchanged=True)["comparison"]
    assert [(r["library"], r["change"]) for r in rows] == [
        ("django", "UNCHANGED"),
        ("idna", "UNCHANGED"),
        ("requests", "UNCHANGED"),
        ("six", "UNCHANGED"),
    ]


def test_xlsx_is_the_default_with_the_same_rows(
    api: Api, site: Bootstrap, releases: tuple[Release, Release]
) -> None:
    one, two = releases
    params = products(site, one, two, includeUnchanged=True)
    content_type, body = api.raw("getProductsComparisonReport", **params)
    assert content_type == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    header, *cells = [
        ["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert header == HEADER
    rows = api.ok("getProductsComparisonReport", **params, format="json")["comparison"]
    assert cells == [
        [
            r["library"],
            r["groupId"],
            r["type"],
            ", ".join(r["sourceVersions"]),
            ", ".join(r["targetVersions"]),
            r["change"],
            ", ".join(r["sourceLicenses"]),
            ", ".join(r["targetLicenses"]),
            r["sourceOpenSecurityAlerts"],
            r["targetOpenSecurityAlerts"],
        ]
        for r in rows
    ]
    assert [c[0] for c in cells] == ["django", "flask", "idna", "requests", "six"]
    _code, message = api.error("getProductsComparisonReport", **params, format="pdf")
    assert "format" in message and "xlsx, json" in message


def test_a_product_holds_every_version_of_its_projects(api: Api, site: Bootstrap) -> None:
    """Across a product's projects a package may be held in several versions: it is
    CHANGED when they differ from the other side's, and every version is listed."""
    one = release(api, site.org_token, "One", app=[component("idna", "3.4")])
    two = release(
        api,
        site.org_token,
        "Two",
        app=[component("idna", "3.4")],
        worker=[component("idna", "3.10")],
    )
    rows = api.ok("getProductsComparisonReport", **products(site, one, two, format="json"))
    assert summary(rows["comparison"]) == [("idna", ["3.4"], ["3.4", "3.10"], "CHANGED")]


def test_projects_comparison(api: Api, site: Bootstrap, releases: tuple[Release, Release]) -> None:
    one, two = releases
    params = {
        "orgToken": site.org_token,
        "sourceProjectToken": one.projects["app"],
        "targetProjectToken": two.projects["app"],
    }
    rows = api.ok("getProjectsComparisonReport", **params, format="json")["comparison"]
    assert summary(rows) == EXPECTED
    content_type, body = api.raw("getProjectsComparisonReport", **params)
    assert content_type == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    listed = [r[0] for r in sheet.iter_rows(values_only=True)]
    assert listed == ["Library", "django", "flask", "requests", "six"]
    # a project token is no product token, nor the reverse
    code, message = api.error(
        "getProductsComparisonReport",
        orgToken=site.org_token,
        sourceProductToken=one.projects["app"],
        targetProductToken=two.product,
    )
    assert (code, message) == (3000, "Invalid sourceProductToken: no such token")
    code, message = api.error(
        "getProjectsComparisonReport", **{**params, "targetProjectToken": two.product}
    )
    assert (code, message) == (3000, "Invalid targetProjectToken: no such token")


def test_missing_and_unknown_tokens_are_named(
    api: Api, site: Bootstrap, releases: tuple[Release, Release]
) -> None:
    one, two = releases
    org = {"orgToken": site.org_token}
    code, message = api.error("getProductsComparisonReport", **org, targetProductToken=two.product)
    assert code == 3010 and "sourceProductToken" in message
    code, message = api.error(
        "getProductsComparisonReport", **org, sourceProductToken=one.product, targetProductToken=""
    )
    assert code == 3010 and "targetProductToken" in message
    code, message = api.error(
        "getProductsComparisonReport",
        **org,
        sourceProductToken=one.product,
        targetProductToken="f" * 36,
    )
    assert (code, message) == (3000, "Invalid targetProductToken: no such token")
    code, message = api.error(
        "getProjectsComparisonReport", **org, sourceProjectToken=one.projects["app"]
    )
    assert code == 3010 and "targetProjectToken" in message


def test_tokens_of_another_organization_are_refused(
    api: Api, site: Bootstrap, database: Database, releases: tuple[Release, Release]
) -> None:
    one, two = releases
    other = admin.create_organization(database, "Other Org", admin_email="other@example.com")
    assert other.user_key is not None
    theirs = Api(api.client, other.user_key)
    foreign = release(theirs, other.org_token, "Theirs", app=RELEASE_2)
    # our organization, one of their products
    code, message = api.error(
        "getProductsComparisonReport", **products(site, one, foreign, format="json")
    )
    assert code == 3000
    assert message == "targetProductToken does not belong to the organization named by the request"
    code, message = api.error(
        "getProjectsComparisonReport",
        orgToken=site.org_token,
        sourceProjectToken=foreign.projects["app"],
        targetProjectToken=two.projects["app"],
    )
    assert code == 3000 and message.startswith("sourceProjectToken does not belong")
    # their organization, our products: nothing of ours is read for them, and our
    # tokens answer as made-up ones would (issue 14: no token oracle)
    ours = theirs.error(
        "getProductsComparisonReport",
        orgToken=other.org_token,
        sourceProductToken=one.product,
        targetProductToken=two.product,
        format="json",
    )
    made_up = theirs.error(
        "getProductsComparisonReport",
        orgToken=other.org_token,
        sourceProductToken="M" * 36,
        targetProductToken=two.product,
        format="json",
    )
    assert ours == made_up == (3000, "Invalid sourceProductToken: no such token")
    # nor may they ask in our organization's name, which they cannot see either
    ours = theirs.error("getProductsComparisonReport", **products(site, one, two, format="json"))
    made_up = theirs.error(
        "getProductsComparisonReport",
        **{**products(site, one, two, format="json"), "orgToken": "N" * 36},
    )
    assert ours == made_up == (3000, "Invalid orgToken: no such token")


def test_product_roles_cannot_compare_but_organization_readers_can(
    api: Api, site: Bootstrap, database: Database, releases: tuple[Release, Release]
) -> None:
    """An organization request: a product administrator is refused, even about their own
    product, as for every organization request outside the overview's exceptions; the
    organization's read-only users may compare."""
    one, two = releases
    keys = {}
    for email in ("padmin@example.com", "reader@example.com"):
        api.ok("createUser", orgToken=site.org_token, addedUser={"name": "x", "email": email})
        keys[email] = admin.issue_user_key(database, email, site.org_token)
    api.ok(
        "setProductAssignments",
        productToken=one.product,
        productAdmins={"userAssignments": [{"email": "padmin@example.com"}]},
    )
    api.ok(
        "setOrganizationAssignments",
        orgToken=site.org_token,
        readOnlyUsers={"userAssignments": [{"email": "reader@example.com"}]},
    )
    product_admin = Api(api.client, keys["padmin@example.com"])
    for target in (two, one):
        code, _message = product_admin.error(
            "getProductsComparisonReport", **products(site, one, target, format="json")
        )
        assert code == 5001
    reader = Api(api.client, keys["reader@example.com"])
    rows = reader.ok("getProductsComparisonReport", **products(site, one, two, format="json"))
    assert summary(rows["comparison"]) == EXPECTED


@pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")
def test_open_security_alerts_are_counted_per_side(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY, IOTDB_ADVISORY)
    old = [component("django", "3.2.18"), component("apache-iotdb", "1.2.0")]
    new = [component("django", "3.2.19"), component("apache-iotdb", "1.2.0")]
    one = release(api, site.org_token, "Old", app=old, tool=old)
    two = release(api, site.org_token, "New", app=new)
    params = products(site, one, two, format="json", includeUnchanged=True)
    rows = api.ok("getProductsComparisonReport", **params)["comparison"]
    counts = {
        r["library"]: (r["change"], r["sourceOpenSecurityAlerts"], r["targetOpenSecurityAlerts"])
        for r in rows
    }
    # one alert per project holding the vulnerable version: two in Old, one in New
    assert counts == {"apache-iotdb": ("UNCHANGED", 2, 1), "django": ("UPGRADED", 2, 0)}
    # an ignored alert is not open
    alerts = api.ok(
        "getProjectAlertsByType",
        projectToken=two.projects["app"],
        alertType="SECURITY_VULNERABILITY",
    )["alerts"]
    assert [a["vulnerability"]["name"] for a in alerts] == [IOTDB_CVE]
    assert DJANGO_CVE not in {a["vulnerability"]["name"] for a in alerts}
    api.ok(
        "setAlertsStatus",
        orgToken=site.org_token,
        alertUuids=[alerts[0]["alertUuid"]],
        status="Ignored",
    )
    rows = api.ok("getProductsComparisonReport", **params)["comparison"]
    iotdb = next(r for r in rows if r["library"] == "apache-iotdb")
    assert (iotdb["sourceOpenSecurityAlerts"], iotdb["targetOpenSecurityAlerts"]) == (2, 0)

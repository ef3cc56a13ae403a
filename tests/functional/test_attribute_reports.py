"""The Attributes report (custom attribute values) and the synchronous Members report:
asynchronous (generate → poll → download → unzip → parse each format) and synchronous
(xlsx by default, read with openpyxl), at organization and product scope."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
import orjson
import pytest
from starlette.testclient import TestClient

from depvault import admin, attribute_admin
from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_async_reports import download, rows_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ("Level", "Product", "Project", "Attribute", "Value", "Last Modified")


@dataclass(frozen=True)
class Org:
    """Products A (projects a1, a2) and B (project b1) with values at every level, and
    another organization with values of its own."""

    api: Api
    site: Bootstrap
    products: dict[str, str]
    other_org: str


@pytest.fixture
def org(api: Api, site: Bootstrap, database: Database) -> Org:
    token = site.org_token
    products = {}
    for product, projects in (("A", ("a1", "a2")), ("B", ("b1",))):
        products[product] = api.ok("createProduct", orgToken=token, productName=product)[
            "productToken"
        ]
        for project in projects:
            api.ok("createProject", productToken=products[product], projectName=project)
    for name in ("team", "cost center"):
        attribute_admin.define_attribute(database, token, name)
    values: list[tuple[str, str, dict[str, str]]] = [
        ("team", "platform", {}),
        ("cost center", "CC-1", {}),
        ("team", "alpha", {"product": "A"}),
        ("team", "bravo", {"product": "B"}),
        ("team", "a2-team", {"product": "A", "project": "a2"}),
        ("cost center", "CC-7", {"product": "A", "project": "a1"}),
        ("team", "b1-team", {"product": "B", "project": "b1"}),
    ]
    for name, value, where in values:
        attribute_admin.set_attribute_value(database, token, name, value, **where)
    other = admin.create_organization(database, "Other", admin_email="other@example.com")
    other_api = Api(api.client, other.user_key or "")
    other_product = other_api.ok("createProduct", orgToken=other.org_token, productName="A")
    other_api.ok("createProject", productToken=other_product["productToken"], projectName="a1")
    attribute_admin.define_attribute(database, "Other", "team")
    attribute_admin.set_attribute_value(database, "Other", "team", "elsewhere")
    attribute_admin.set_attribute_value(
        database, "Other", "team", "elsewhere", product="A", project="a1"
    )
    return Org(api, site, products, other.org_token)


ORG_ROWS = [
    ("Organization", "", "", "cost center", "CC-1"),
    ("Organization", "", "", "team", "platform"),
    ("Product", "A", "", "team", "alpha"),
    ("Product", "B", "", "team", "bravo"),
    ("Project", "A", "a1", "cost center", "CC-7"),
    ("Project", "A", "a2", "team", "a2-team"),
    ("Project", "B", "b1", "team", "b1-team"),
]
PRODUCT_A_ROWS = [row for row in ORG_ROWS if row[1] == "A"]


def _without_time(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows without their Last Modified cell (checked to be a timestamp)."""
    for row in rows:
        assert len(str(row[5])) == len("2024-01-01 00:00:00"), row
    return [tuple(row[:5]) for row in rows]


def _generate(org: Org, level: str, fmt: str) -> bytes:
    scope, request, report = {
        "org": ({"orgToken": org.site.org_token}, "generateOrganizationReportAsync", "Org"),
        "A": ({"productToken": org.products["A"]}, "generateProductReportAsync", "Product"),
    }[level]
    status = org.api.ok(request, **scope, reportType=f"{report}AttributesReport", format=fmt)
    [(member, data)] = download(org.api, org.site, status["asyncProcessStatus"]["uuid"]).items()
    assert member.startswith(f"{report}AttributesReport-") and member.endswith(f".{fmt}")
    return data


def test_organization_report_lists_every_level_of_its_own_only(org: Org) -> None:
    document = orjson.loads(_generate(org, "org", "json"))
    rows = document["attributes"]
    assert set(rows[0]) == {"level", "product", "project", "attribute", "value", "lastModified"}
    assert _without_time([list(r.values()) for r in rows]) == ORG_ROWS
    assert "elsewhere" not in orjson.dumps(document).decode()


def test_product_report_lists_the_product_and_its_projects(org: Org) -> None:
    rows = orjson.loads(_generate(org, "A", "json"))["attributes"]
    assert _without_time([list(r.values()) for r in rows]) == PRODUCT_A_ROWS


@pytest.mark.parametrize("fmt", ["xlsx", "xml", "pdf"])
def test_attributes_report_in_other_formats(org: Org, fmt: str) -> None:
    for level, expected in (("org", ORG_ROWS), ("A", PRODUCT_A_ROWS)):
        rows = rows_of(fmt, _generate(org, level, fmt), "attributes")
        if fmt == "pdf":
            text = "\n".join(r[0] for r in rows)
            assert all(row[4] in text for row in expected) and "Page 1" in text
            assert "elsewhere" not in text and ("bravo" in text) == (level == "org")
        else:
            assert _without_time(rows) == expected


def _sheet(body: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    return [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]


def test_synchronous_attributes_reports(org: Org) -> None:
    content_type, body = org.api.raw("getOrganizationAttributesReport", orgToken=org.site.org_token)
    assert content_type == XLSX  # no format: xlsx, as the catalog documents
    header, *rows = _sheet(body)
    assert header == HEADER and _without_time(rows) == ORG_ROWS
    content_type, body = org.api.raw("getProductAttributesReport", productToken=org.products["A"])
    assert content_type == XLSX and _without_time(_sheet(body)[1:]) == PRODUCT_A_ROWS
    answer = org.api.ok("getProductAttributesReport", productToken=org.products["B"], format="json")
    assert [(r["level"], r["value"]) for r in answer["attributes"]] == [
        ("Product", "bravo"),
        ("Project", "b1-team"),
    ]
    _code, message = org.api.error(
        "getProductAttributesReport", productToken=org.products["A"], format="csv"
    )
    assert "xlsx, json, xml, pdf" in message


def _product_admin(org: Org, database: Database, product: str) -> Api:
    email = f"admin-{product.lower()}@example.com"
    org.api.ok(
        "createUser", orgToken=org.site.org_token, addedUser={"name": product, "email": email}
    )
    org.api.ok(
        "setProductAssignments",
        productToken=org.products[product],
        productAdmins={"userAssignments": [{"email": email}], "groupAssignments": None},
    )
    return Api(org.api.client, admin.issue_user_key(database, email, org.site.org_token))


def test_a_product_admin_sees_only_their_product(org: Org, database: Database) -> None:
    product_admin = _product_admin(org, database, "A")
    answer = product_admin.ok(
        "getProductAttributesReport", productToken=org.products["A"], format="json"
    )
    assert _without_time([list(r.values()) for r in answer["attributes"]]) == PRODUCT_A_ROWS
    # product B does not exist for A's administrator (issue 14); the organization does
    code, message = product_admin.error(
        "getProductAttributesReport", productToken=org.products["B"], format="json"
    )
    assert (code, message) == (3000, "Invalid productToken: no such token")
    code, _message = product_admin.error(
        "getOrganizationAttributesReport", orgToken=org.site.org_token, format="json"
    )
    assert code == 5001


def test_an_organization_without_values_has_an_empty_report(
    app_client: TestClient, database: Database, org: Org
) -> None:
    empty = admin.create_organization(database, "Empty", admin_email="empty@example.com")
    assert empty.user_key is not None
    api = Api(app_client, empty.user_key)
    answer = api.ok("getOrganizationAttributesReport", orgToken=empty.org_token, format="json")
    assert answer == {"attributes": []}


def test_synchronous_members_reports(org: Org, database: Database) -> None:
    _product_admin(org, database, "A")
    content_type, body = org.api.raw("getOrganizationMembersReport", orgToken=org.site.org_token)
    assert content_type == XLSX
    header, *rows = _sheet(body)
    assert header[:2] == ("Name", "Email")
    assert {row[1] for row in rows} == {"admin@depvault.local", "admin-a@example.com"}
    answer = org.api.ok("getProductMembersReport", productToken=org.products["A"], format="json")
    assert [(m["email"], m["roles"]) for m in answer["members"]] == [
        ("admin-a@example.com", "A: productAdmins")
    ]
    projects = org.api.ok("getAllProjects", productToken=org.products["A"])["projects"]
    content_type, body = org.api.raw(
        "getProjectMembersReport", projectToken=projects[0]["projectToken"], format="xml"
    )
    assert content_type == "application/xml" and b"admin-a@example.com" in body
    assert org.api.ok("getProductMembersReport", productToken=org.products["B"], format="json") == {
        "members": []
    }

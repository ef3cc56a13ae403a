"""The Risk report through HTTP: ``get{Organization,Product,Project}RiskReport`` (PDF)
and the asynchronous ``RiskReport`` (a ZIP holding the PDF), read back with pypdf.

The portfolio is small and fully known, so every figure of the PDF is checked against
the number it must be: real PyPI advisories give security alerts of each band (iotdb
high, django medium, keylime low), and licenses of each category are declared.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from depvault import admin
from depvault.admin import Bootstrap
from depvault.reports.risk import report as risk
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_alerts import (
    DJANGO_ADVISORY,
    DJANGO_CVE,
    IOTDB_ADVISORY,
    PYPI,
    knowledge,
)
from tests.functional.test_async_reports import download

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")

PDF = "application/pdf"
# PYSEC-2023-100 (CVE-2023-36053): Django 3.2.18 affected too, fixed 3.2.20; no severity.
# PYSEC-2023-128 (CVE-2023-3674): keylime 7.0.0 affected, fixed 7.2.5; CVSS 3 2.8 (low).
DJANGO_2_ADVISORY, KEYLIME_ADVISORY = "PYSEC-2023-100", "PYSEC-2023-128"


def component(name: str, version: str, license_id: str | None) -> dict[str, Any]:
    """A PyPI CycloneDX component declaring ``license_id`` (none when None)."""
    found: dict[str, Any] = {
        "type": "library",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{name}@{version}",
    }
    if license_id is not None:
        found["licenses"] = [{"license": {"id": license_id}}]
    return found


DJANGO = component("django", "3.2.18", "BSD-3-Clause")  # two medium (unscored: default band)
IOTDB = component("apache-iotdb", "1.2.0", "Apache-2.0")  # high (critical, 9.8)
KEYLIME = component("keylime", "7.0.0", "Apache-2.0")  # low (2.8)
REQUESTS = component("requests", "2.31.0", "Apache-2.0")
OLD_REQUESTS = component("requests", "2.30.0", "Apache-2.0")
CHARDET = component("chardet", "5.2.0", "LGPL-2.1-only")  # weak copyleft
PYQT = component("pyqt5", "5.15.9", "GPL-3.0-only")  # strong copyleft
SIX = component("six", "1.16.0", None)  # no license

# product → project → components (None: a project without inventory). Products "Zeta"
# and "Empty" have no project, projects "notes" and "docs" no library: each pair is
# created in that order, so that listing them by name is not listing them by id.
PORTFOLIO: dict[str, dict[str, tuple[dict[str, Any], ...] | None]] = {
    "Shop": {
        "web": (DJANGO, IOTDB, KEYLIME, REQUESTS, CHARDET, PYQT),
        "api": (DJANGO, REQUESTS, OLD_REQUESTS),
    },
    "Tools": {"cli": (IOTDB, SIX), "notes": None, "docs": None},
    "Zeta": {},
    "Empty": {},
}


@dataclass(frozen=True)
class Org:
    """The portfolio's tokens; api's CVE-2023-31047 alert (django) is ignored."""

    api: Api
    site: Bootstrap
    products: dict[str, str]
    projects: dict[str, str]


@pytest.fixture
def org(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> Org:
    knowledge(
        database, tmp_path, DJANGO_ADVISORY, DJANGO_2_ADVISORY, IOTDB_ADVISORY, KEYLIME_ADVISORY
    )
    products, projects = {}, {}
    for product, members in PORTFOLIO.items():
        token = api.ok("createProduct", orgToken=site.org_token, productName=product)
        products[product] = token["productToken"]
        for project, components in members.items():
            if components is None:
                created = api.ok(
                    "createProject", productToken=products[product], projectName=project
                )
                projects[project] = created["projectToken"]
                continue
            document = {
                "bomFormat": "CycloneDX",
                "specVersion": "1.4",
                "version": 1,
                "components": list(components),
            }
            answer = api.ok(
                "importProjectSbom",
                productToken=products[product],
                projectName=project,
                sbom=document,
            )
            state = api.ok(
                "getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"]
            )
            assert state["requestState"] == "FINISHED", state
            projects[project] = answer["projectToken"]
    alerts = api.ok(
        "getProjectAlertsByType", projectToken=projects["api"], alertType="SECURITY_VULNERABILITY"
    )["alerts"]
    [django] = [a["alertUuid"] for a in alerts if a["vulnerability"]["name"] == DJANGO_CVE]
    api.ok("ignoreAlerts", orgToken=site.org_token, alertUuids=[django], comments="not used")
    return Org(api, site, products, projects)


def pdf_text(body: bytes) -> str:
    """The text of a PDF, one line per table row, spaces collapsed."""
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text(extraction_mode="layout") for page in reader.pages)
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines())


def risk_pdf(api: Api, request: str, **scope: str) -> str:
    content_type, body = api.raw(request, **scope)
    assert content_type == PDF
    assert body.startswith(b"%PDF-")
    return pdf_text(body)


def rows_after(text: str, header: str, count: int) -> list[str]:
    """The ``count`` non-empty lines after the line ``header`` (a table's rows)."""
    lines = [line for line in text.splitlines() if line]
    assert header in lines, f"{header!r} not in:\n{text}"
    start = lines.index(header) + 1
    return lines[start : start + count]


def figures(text: str) -> dict[str, str]:
    """The Summary table: figure → count."""
    rows = rows_after(text, "Figure Count", 4)
    return {label: count for label, count in (row.rsplit(" ", 1) for row in rows)}


def ranked(text: str, columns: str, count: int) -> list[str]:
    """The rows of a "… by risk" table whose header starts with ``columns`` (its
    "New major" and "New minor" headers wrap onto a line of their own)."""
    rows = rows_after(text, f"{columns} High Medium Low New New Multiple", count + 1)
    assert rows[0] == "major minor"
    return rows[1:]


SEVERITY = "Severity Open alerts Libraries"
TOP = "Library Severity Alerts Vulnerabilities Projects Top fix"
LICENSES = "License category Libraries Instances"
OUTDATED = "Alert Open alerts Libraries"
IOTDB_ROW = "apache-iotdb-1.2.0 High 2 1 2 Upgrade to version 1.3.0"


def test_the_organization_report_states_the_portfolio_figures(org: Org) -> None:
    text = risk_pdf(org.api, "getOrganizationRiskReport", orgToken=org.site.org_token)
    assert "Organization: My Organization" in text
    assert re.search(r"^Generated: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT$", text, re.M)
    assert figures(text) == {
        "Products": "4",  # "Zeta" and "Empty" too, though they have no project
        "Projects": "5",
        "Libraries (distinct)": "8",
        "Library instances": "11",
    }
    # open alerts only: api's CVE-2023-31047 alert is ignored
    assert rows_after(text, SEVERITY, 4) == ["High 2 1", "Medium 3 1", "Low 1 1", "Total 6 3"]
    assert "Vulnerable libraries: 3 of 8." in text
    assert "Most vulnerable libraries (top 3 of 3)" in text
    assert rows_after(text, TOP, 3) == [
        IOTDB_ROW,  # the most severe first (critical, counted high), though with fewer alerts
        "django-3.2.18 Medium 3 2 2 Upgrade to version 3.2.20",  # 3.2.19 fixes one only
        "keylime-7.0.0 Low 1 1 1 Upgrade to version 7.2.5",
    ]
    assert rows_after(text, LICENSES, 4) == [
        "strong-copyleft 1 1",
        "weak-copyleft 1 1",
        "permissive 5 8",  # django twice, iotdb twice, requests 2.31.0 twice, ...
        "No license 1 1",
    ]
    assert "Libraries without a license: 1 of 8." in text
    assert rows_after(text, "License Name Category Copyleft Libraries", 2) == [
        "GPL-3.0-only GNU General Public License v3.0 only strong-copyleft FULL 1",
        "LGPL-2.1-only GNU Lesser General Public License v2.1 weak-copyleft PARTIAL 1",
    ]
    assert rows_after(text, OUTDATED, 3) == [
        "New major version 2 1",  # django 3.2.18 (4.x fixes the advisory) in web and api
        "New minor version 4 3",  # iotdb twice, keylime, requests 2.30.0
        "Multiple library versions 2 2",  # requests 2.30.0 and 2.31.0 in api
    ]
    # ranked by high, medium, low, new major, new minor, multiple: not by name
    assert "Products by risk (top 4 of 4)" in text
    assert ranked(text, "Product Projects Instances", 4) == [
        "Shop 2 9 1 3 1 2 3 2",
        "Tools 3 2 1 0 0 0 1 0",
        "Empty 0 0 0 0 0 0 0 0",  # without alerts: by name
        "Zeta 0 0 0 0 0 0 0 0",
    ]
    assert "Projects by risk (top 5 of 5)" in text
    assert ranked(text, "Project Product Instances", 5) == [
        "web Shop 6 1 2 1 1 2 0",
        "cli Tools 2 1 0 0 0 1 0",
        "api Shop 3 0 1 0 1 1 2",
        "docs Tools 0 0 0 0 0 0 0",  # without alerts: by name
        "notes Tools 0 0 0 0 0 0 0",
    ]


def test_the_outdated_figures_are_the_open_alerts_the_api_lists(org: Org) -> None:
    text = risk_pdf(org.api, "getOrganizationRiskReport", orgToken=org.site.org_token)
    listed = []
    for alert_type, label in (
        ("NEW_MAJOR_VERSION", "New major version"),
        ("NEW_MINOR_VERSION", "New minor version"),
        ("MULTIPLE_LIBRARY_VERSIONS", "Multiple library versions"),
    ):
        alerts = org.api.ok(
            "getOrganizationAlertsByType", orgToken=org.site.org_token, alertType=alert_type
        )["alerts"]
        libraries = {alert["library"]["keyUuid"] for alert in alerts}
        listed.append(f"{label} {len(alerts)} {len(libraries)}")
    assert rows_after(text, OUTDATED, 3) == listed


def test_product_and_project_scopes(org: Org) -> None:
    shop = risk_pdf(org.api, "getProductRiskReport", productToken=org.products["Shop"])
    assert "Product: Shop" in shop
    assert figures(shop) == {
        "Products": "1",
        "Projects": "2",
        "Libraries (distinct)": "7",
        "Library instances": "9",
    }
    assert rows_after(shop, SEVERITY, 4) == ["High 1 1", "Medium 3 1", "Low 1 1", "Total 5 3"]
    assert rows_after(shop, TOP, 1) == ["apache-iotdb-1.2.0 High 1 1 1 Upgrade to version 1.3.0"]
    assert "Products by risk" not in shop
    assert "Projects by risk (top 2 of 2)" in shop
    assert ranked(shop, "Project Instances", 2) == [
        "web 6 1 2 1 1 2 0",
        "api 3 0 1 0 1 1 2",
    ]

    cli = risk_pdf(org.api, "getProjectRiskReport", projectToken=org.projects["cli"])
    assert "Project: cli" in cli
    assert figures(cli) == {
        "Products": "1",
        "Projects": "1",
        "Libraries (distinct)": "2",
        "Library instances": "2",
    }
    assert rows_after(cli, SEVERITY, 4) == ["High 1 1", "Medium 0 0", "Low 0 0", "Total 1 1"]
    assert rows_after(cli, LICENSES, 2) == ["permissive 1 1", "No license 1 1"]
    assert "Licenses beyond attribution" not in cli
    assert rows_after(cli, OUTDATED, 3) == [
        "New major version 0 0",
        "New minor version 1 1",
        "Multiple library versions 0 0",
    ]
    assert "by risk" not in cli


def test_long_lists_are_cut_to_their_top_entries(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(risk, "TOP_SCOPES", 2)
    monkeypatch.setattr(risk, "TOP_LIBRARIES", 1)
    monkeypatch.setattr(risk, "TOP_LICENSES", 1)
    text = risk_pdf(org.api, "getOrganizationRiskReport", orgToken=org.site.org_token)
    assert "Most vulnerable libraries (top 1 of 3)" in text
    assert rows_after(text, TOP, 2) == [IOTDB_ROW, "Licenses"]
    assert "Licenses beyond attribution (top 1 of 2)" in text
    assert "Products by risk (top 2 of 4)" in text
    assert "Empty 0 0 0 0 0 0 0 0" not in text
    assert "Projects by risk (top 2 of 5)" in text
    assert "api Shop 3 0 1 0 1 1 2" not in text


def test_a_scope_of_another_organization_is_refused(org: Org, database: Database) -> None:
    other = admin.create_organization(database, "Other", admin_email="o@example.com")
    outsider = Api(org.api.client, other.user_key or "")
    product = outsider.ok("createProduct", orgToken=other.org_token, productName="Theirs")
    project = outsider.ok(
        "createProject", productToken=product["productToken"], projectName="theirs"
    )
    for request, scope in (
        ("getOrganizationRiskReport", {"orgToken": other.org_token}),
        ("getProductRiskReport", {"productToken": product["productToken"]}),
        ("getProjectRiskReport", {"projectToken": project["projectToken"]}),
    ):
        code, message = org.api.error(request, **scope)  # an envelope, not their figures
        assert code == 5001 and request in message
    # the outsider cannot see our scopes: our tokens answer as made-up ones (issue 14)
    for request, field, token in (
        ("getOrganizationRiskReport", "orgToken", org.site.org_token),
        ("getProjectRiskReport", "projectToken", org.projects["web"]),
    ):
        answer = outsider.error(request, **{field: token})
        assert answer == outsider.error(request, **{field: "M" * 36})
        assert answer == (3000, f"Invalid {field}: no such token")


def test_an_empty_organization_still_gets_a_valid_pdf(org: Org, database: Database) -> None:
    # beside a full organization, whose figures must not leak into this one's
    # named by the administration CLI, which takes "<", ">" and "&" (the API refuses them)
    name = "Empty <b>Ω</b> & Co"
    empty = admin.create_organization(database, name, admin_email="e@example.com")
    outsider = Api(org.api.client, empty.user_key or "")
    text = risk_pdf(outsider, "getOrganizationRiskReport", orgToken=empty.org_token)
    # shown as written, but what Helvetica cannot show becomes "?"
    assert "Organization: Empty <b>?</b> & Co" in text
    assert figures(text) == {
        "Products": "0",
        "Projects": "0",
        "Libraries (distinct)": "0",
        "Library instances": "0",
    }
    assert rows_after(text, SEVERITY, 4) == ["High 0 0", "Medium 0 0", "Low 0 0", "Total 0 0"]
    assert "Vulnerable libraries: 0 of 0." in text
    assert "Most vulnerable libraries" not in text
    assert rows_after(text, LICENSES, 1) == ["No license 0 0"]
    assert rows_after(text, OUTDATED, 3) == [
        "New major version 0 0",
        "New minor version 0 0",
        "Multiple library versions 0 0",
    ]
    assert "No products." in text and "No projects." in text


def test_the_asynchronous_risk_report_is_a_zip_holding_the_pdf(org: Org) -> None:
    scope = {"orgToken": org.site.org_token}
    request = "generateOrganizationReportAsync"
    status = org.api.ok(request, **scope, reportType="RiskReport", format="pdf")
    assert status["asyncProcessStatus"]["processType"] == "RISK_REPORT"
    [(name, body)] = download(org.api, org.site, status["asyncProcessStatus"]["uuid"]).items()
    assert re.fullmatch(r"RiskReport-My_Organization-\d+\.pdf", name)
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert "Organization: My Organization" in text
    assert figures(text)["Library instances"] == "11"
    assert rows_after(text, SEVERITY, 4) == ["High 2 1", "Medium 3 1", "Low 1 1", "Total 6 3"]
    assert rows_after(text, TOP, 1) == [IOTDB_ROW]
    _code, message = org.api.error(request, **scope, reportType="RiskReport", format="json")
    assert "RiskReport is offered as pdf" in message
    # the product and project levels offer it too, about their own scope
    for request, scope, noun, name in (
        ("generateProductReportAsync", {"productToken": org.products["Shop"]}, "Product", "Shop"),
        ("generateProjectReportAsync", {"projectToken": org.projects["cli"]}, "Project", "cli"),
    ):
        status = org.api.ok(request, **scope, reportType="RiskReport", format="pdf")
        [body] = download(org.api, org.site, status["asyncProcessStatus"]["uuid"]).values()
        text = pdf_text(body)
        assert f"{noun}: {name}" in text
        assert "Organization: My Organization" not in text

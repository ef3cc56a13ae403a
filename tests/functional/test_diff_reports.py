"""The Diff reports: every inventory update records what it changed, and the product
and project Diff reports list that history, an upgrade as one UPDATED row."""

from __future__ import annotations

import json
from typing import Any

from depvault.admin import Bootstrap
from tests.conftest import Api
from tests.functional.test_async_reports import download


def sbom(*packages: tuple[str, str]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {"type": "library", "name": n, "version": v, "purl": f"pkg:pypi/{n}@{v}"}
            for n, v in packages
        ],
    }


def changes(
    api: Api, site: Bootstrap, request: str, scope: dict[str, str], **flt: str
) -> list[Any]:
    kind = "ProjectDiffReport" if "projectToken" in scope else "ProductDiffReport"
    params: dict[str, Any] = {"reportType": kind, "format": "json", **scope}
    if flt:
        params["filter"] = flt
    status = api.ok(request, **params)
    [body] = download(api, site, status["asyncProcessStatus"]["uuid"]).values()
    rows: list[Any] = json.loads(body)["changes"]
    return [
        (r["project"], r["change"], r["library"], r["fromVersion"], r["toVersion"]) for r in rows
    ]


def test_the_diff_reports_list_each_update_s_changes(api: Api, site: Bootstrap) -> None:
    product = {
        "productToken": api.ok("createProduct", orgToken=site.org_token, productName="P")[
            "productToken"
        ]
    }

    def scan(project: str, *packages: tuple[str, str]) -> None:
        api.ok("importProjectSbom", projectName=project, sbom=sbom(*packages), **product)

    scan("app", ("alpha", "1.0"), ("beta", "2.0"))
    scan("app", ("alpha", "1.1"), ("gamma", "3.0"))
    scan("app", ("alpha", "1.1"), ("gamma", "3.0"))  # nothing changes: nothing recorded
    scan("tool", ("beta", "2.0"))
    projects = api.ok("getAllProjects", **product)["projects"]
    app = {"projectToken": next(p["projectToken"] for p in projects if p["projectName"] == "app")}

    assert changes(api, site, "generateProjectReportAsync", app) == [
        ("app", "UPDATED", "alpha-1.1", "1.0", "1.1"),
        ("app", "REMOVED", "beta-2.0", "2.0", ""),
        ("app", "ADDED", "gamma-3.0", "", "3.0"),
        ("app", "ADDED", "alpha-1.0", "", "1.0"),
        ("app", "ADDED", "beta-2.0", "", "2.0"),
    ]
    product_rows = changes(api, site, "generateProductReportAsync", product)
    assert ("tool", "ADDED", "beta-2.0", "", "2.0") in product_rows
    assert len(product_rows) == 6

    assert changes(api, site, "generateProjectReportAsync", app, fromDate="2999-01-01") == []
    assert len(changes(api, site, "generateProjectReportAsync", app, toDate="2999-01-01")) == 5
    _code, message = api.error(
        "generateProjectReportAsync",
        reportType="ProjectDiffReport",
        format="json",
        filter={"fromDate": "yesterday"},
        **app,
    )
    assert "fromDate" in message or "from_date" in message, message

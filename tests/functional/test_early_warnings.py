"""Early warnings: the vulnerabilities of a scope known before a CVE is assigned (OSV
advisories without a CVE alias, type WS), as vulnerability rows and as security
alerts; the CVE-named ones are left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_alerts import (
    DJANGO_ADVISORY,
    DJANGO_CVE,
    PYPI,
    knowledge,
    pypi,
    sbom,
)
from tests.functional.test_async_reports import download

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")
# PYSEC-2023-1: adyen introduced 2.2.0, fixed 7.1.0, no CVE alias (type WS).
EARLY = "PYSEC-2023-1"


def rows(api: Api, site: Bootstrap, scope: dict[str, str], report: str, **flt: Any) -> Any:
    request = (
        "generateProjectReportAsync"
        if "projectToken" in scope
        else "generateOrganizationReportAsync"
    )
    params: dict[str, Any] = {"reportType": report, "format": "json", **scope}
    if flt:
        params["filter"] = flt
    status = api.ok(request, **params)
    [body] = download(api, site, status["asyncProcessStatus"]["uuid"]).values()
    return json.loads(body)


def test_early_warnings_are_the_vulnerabilities_without_a_cve(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY, EARLY)
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="app",
        sbom=sbom(pypi("django", "3.2.18"), pypi("adyen", "6.0.0"), pypi("adyen-x", "1.0")),
    )
    project = {
        "projectToken": api.ok("getAllProjects", productToken=product)["projects"][0][
            "projectToken"
        ]
    }
    everything = rows(api, site, project, "ProjectVulnerabilityReport")["vulnerabilities"]
    assert {v["name"] for v in everything} == {DJANGO_CVE, EARLY}

    early = rows(api, site, project, "ProjectEarlyWarningsReport")["vulnerabilities"]
    assert [(v["name"], v["type"], v["library"]["version"]) for v in early] == [
        (EARLY, "WS", "6.0.0")
    ]
    org = rows(api, site, {"orgToken": site.org_token}, "OrgEarlyWarningsReport")
    assert [v["name"] for v in org["vulnerabilities"]] == [EARLY]

    alerts = rows(api, site, project, "ProjectEarlyWarningsAlertReport")["alerts"]
    assert [(a["alertType"], a["vulnerability"], a["status"]) for a in alerts] == [
        ("SECURITY_VULNERABILITY", EARLY, "Active")
    ]
    ignored = rows(api, site, project, "ProjectEarlyWarningsAlertReport", status="Ignored")
    assert ignored["alerts"] == []

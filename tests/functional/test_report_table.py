"""The whole report table, walked: every asynchronous report type of the catalog (75)
in every format it offers, and every synchronous report request in every format, answers
a file that opens (client-compat.md: bulk-report tools request them all in a loop and
stop at the first error). The reports of data depvault does not hold answer their
headers and no rows. One backend for the walk (the engine is the same SQL on both;
the reports' contents are covered per backend by their own tests), a two-library
project, so it stays quick."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import orjson
import pytest
import yaml
from lxml import etree
from pypdf import PdfReader

from depvault.admin import Bootstrap
from depvault.api.handlers.reports import sync as report_requests
from depvault.api.handlers.reports.sync import SyncReport
from depvault.domain.access import Level
from depvault.reports import catalog
from depvault.reports.catalog import REPORT_TYPES, SBOM_FORMATS, ReportSpec
from tests.conftest import Api
from tests.functional.test_async_reports import download

SMALL_SBOM: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
    "components": [
        {
            "type": "library",
            "bom-ref": "a",
            "name": "alpha",
            "version": "1.0.0",
            "purl": "pkg:pypi/alpha@1.0.0",
            "licenses": [{"expression": "MIT OR Apache-2.0"}],
        },
        {
            "type": "library",
            "bom-ref": "b",
            "name": "beta",
            "version": "2.0",
            "purl": "pkg:pypi/beta@2.0",
        },
    ],
    "dependencies": [{"ref": "app", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["b"]}],
}
GENERATE = {
    Level.ORG: "generateOrganizationReportAsync",
    Level.PRODUCT: "generateProductReportAsync",
    Level.PROJECT: "generateProjectReportAsync",
}


def scopes(api: Api, site: Bootstrap) -> dict[Level, dict[str, str]]:
    """The organization, product "P" and its project "app" (``SMALL_SBOM``)."""
    org = {"orgToken": site.org_token}
    product = api.ok("createProduct", productName="P", **org)["productToken"]
    answer = api.ok("importProjectSbom", productToken=product, projectName="app", sbom=SMALL_SBOM)
    return {
        Level.ORG: org,
        Level.PRODUCT: {"productToken": product},
        Level.PROJECT: {"projectToken": answer["projectToken"]},
    }


def opened(fmt: str, data: bytes) -> Any:
    """The file read by the library of its format (fails when it does not open)."""
    if fmt == "json":
        return orjson.loads(data)
    if fmt == "xml":
        return etree.fromstring(data)
    if fmt == "xlsx":
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    if fmt == "pdf":
        reader = PdfReader(io.BytesIO(data))
        assert reader.pages
        return "\n".join(page.extract_text() for page in reader.pages)
    if fmt == "yaml":
        document = yaml.safe_load(data)
        assert isinstance(document, dict)
        return document
    if fmt == "tv":
        assert data.startswith(b"SPDXVersion: SPDX-2.")
        return data.decode()
    assert fmt in ("txt", "html"), fmt
    return data.decode()


def assert_empty(spec: ReportSpec, fmt: str, document: Any) -> None:
    """The report's headers and no rows."""
    titles = [column.title for column in spec.columns]
    if fmt == "json":
        assert document[spec.root] == []
    elif fmt == "xml":
        assert [e for e in document if e.tag != "metadata"] == []
    elif fmt == "xlsx":
        rows = list(document.active.iter_rows(values_only=True))
        assert rows == [tuple(titles)]
    else:
        assert spec.title in document and titles[0] in document


def offered(spec: ReportSpec) -> list[tuple[dict[str, Any], str]]:
    """(options, format) of everything the report offers."""
    if spec.formats_for is None:
        return [({}, fmt) for fmt in spec.formats]
    return [({"standard": s}, fmt) for s, formats in SBOM_FORMATS.items() for fmt in formats]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_report_type_in_every_format_it_offers(api: Api, site: Bootstrap) -> None:
    where = scopes(api, site)
    walked = 0
    for (level, name), kind in sorted(REPORT_TYPES.items(), key=lambda i: (i[0][0], i[0][1])):
        for n, (options, fmt) in enumerate(offered(kind.spec)):
            # ws-sdk's spelling of organization reports, every other request
            asked = "Organization" + name[3:] if name.startswith("Org") and n % 2 else name
            status = api.ok(
                GENERATE[level], **where[level], reportType=asked, format=fmt, **options
            )["asyncProcessStatus"]
            assert status["processType"] == kind.process_type
            [data] = download(api, site, status["uuid"]).values()
            document = opened(fmt, data)
            if kind.spec.always_empty:
                assert_empty(kind.spec, fmt, document)
            walked += 1
    assert len(REPORT_TYPES) == 75
    assert walked > 75 * 3


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_synchronous_report_in_every_format(api: Api, site: Bootstrap) -> None:
    where = scopes(api, site)
    requests = [rt for rt in report_requests.REQUEST_TYPES if rt.params is SyncReport]
    assert len(requests) >= 30
    for request in requests:
        answered = []
        for fmt in ("xlsx", "json", "xml", "pdf"):
            answer = api.client.post(
                "/api/v1.3",
                json={
                    "requestType": request.name,
                    "userKey": api.user_key,
                    **where[request.level],
                    "format": fmt,
                },
            )
            if answer.headers["content-type"].startswith("application/json"):
                body = answer.json()
                if "errorCode" in body:  # a format the report does not offer
                    assert "is offered as" in body["errorMessage"], (request.name, body)
                    continue
                assert fmt == "json"
                document = body
            else:
                document = opened(fmt, answer.content)
            answered.append(fmt)
            if "Bugs" in request.name:
                assert_empty(catalog.BUGS, fmt, document)
            elif "VulnerabilityReportRequest" in request.name:  # container, cluster
                assert_empty(catalog.CONTAINER_VULNERABILITY, fmt, document)
        assert answered[0] == "xlsx" and "json" in answered, (request.name, answered)


def test_effective_usage_analysis_answers_its_shape_with_no_products(
    api: Api, site: Bootstrap
) -> None:
    answer = api.ok("getOrganizationEffectiveUsageAnalysis", orgToken=site.org_token)
    assert set(answer) == {"analysisReportDateTime", "orgName", "products"}
    assert answer["products"] == [] and answer["orgName"]
    assert len(answer["analysisReportDateTime"]) == len("2024-01-01 00:00:00")


def test_a_request_without_format_gets_xlsx_where_offered(api: Api, site: Bootstrap) -> None:
    where = scopes(api, site)
    project = where[Level.PROJECT]
    for report, options, suffix in (
        ("ProjectInventoryReport", {}, ".xlsx"),
        ("ProjectBugsReport", {}, ".xlsx"),
        ("ProjectSBOMReport", {"standard": "SPDX"}, ".xlsx"),
        ("ProjectSBOMReport", {"standard": "CycloneDX"}, ".json"),  # no xlsx: its first
        ("AttributionReport", {}, ".json"),
        ("RiskReport", {}, ".pdf"),
    ):
        status = api.ok("generateProjectReportAsync", **project, reportType=report, **options)[
            "asyncProcessStatus"
        ]
        [member] = download(api, site, status["uuid"])
        assert member.endswith(suffix), (report, member)


def test_organization_is_a_spelling_of_the_org_prefix(api: Api, site: Bootstrap) -> None:
    org = {"orgToken": site.org_token}
    for spelled in ("OrganizationInventoryReport", "OrgInventoryReport"):
        status = api.ok(
            "generateOrganizationReportAsync", **org, reportType=spelled, format="json"
        )["asyncProcessStatus"]
        assert status["processType"] == "ORG_INVENTORY_REPORT"
        [data] = download(api, site, status["uuid"]).values()
        assert orjson.loads(data)["libraries"] == []
    # only the prefix: a name without the organization's report behind it stays refused
    for wrong in ("OrganizationRiskReport", "OrganizationSBOMReport", "OrganizationFooReport"):
        _code, message = api.error(
            "generateOrganizationReportAsync", **org, reportType=wrong, format="json"
        )
        assert "'reportType'" in message and "OrgInventoryReport" in message, message

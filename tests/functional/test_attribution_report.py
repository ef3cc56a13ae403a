"""The Attribution report through HTTP: ``getProjectAttributionReport``,
``getProductAttributionReport`` (JSON, TXT, HTML) and the asynchronous
``ProductAttributionReport`` / ``AttributionReport`` (JSON, TXT, HTML).

The LICENSES JSON is held to what mend-sbom-export-cli reads (``detail`` → lists of
``{library, licenses: [{license, licenseText}]}``, joined to the CycloneDX export by
component name and license id), with the ScanCode texts depvault ships."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from depvault import attribute_admin
from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.licensing.licenses import normalize_license
from depvault.domain.licensing.texts import license_text
from depvault.reports.attribution.report import GENERIC, GENERIC_TEXT
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_async_reports import download

MIT_TEXT = license_text("MIT")
APACHE_TEXT = license_text("Apache-2.0")
BSD_TEXT = license_text("BSD-3-Clause")
ACME = normalize_license("Acme Proprietary License v1").expression  # a LicenseRef, no text


def library(name: str, version: str, *licenses: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A CycloneDX component of npm (its purl makes one catalog library per version)."""
    component = {
        "type": "library",
        "name": name,
        "version": version,
        "purl": f"pkg:npm/{name}@{version}",
        "licenses": list(licenses),
    }
    return component | more


def sbom(*components: dict[str, Any]) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components}


MIT, APACHE, BSD = ({"license": {"id": i}} for i in ("MIT", "Apache-2.0", "BSD-3-Clause"))
APP = sbom(
    library("alpha", "1.0.0", MIT, copyright="Copyright 2020 Example Corp"),
    library("beta", "2.0.0", APACHE),
    library("delta", "4.0"),  # no license
    library("gamma", "3.0.0", {"license": {"name": "Acme Proprietary License v1"}}),
)
TOOL = sbom(
    library("alpha", "1.0.0", MIT, copyright="Copyright 2020 Example Corp"),  # shared
    library("alpha", "1.1.0", MIT, copyright="Copyright 2021 Example Corp"),
    library("epsilon", "5.0", BSD),
)


@dataclasses.dataclass
class Legal:
    """Product "Legal": projects "app" (``APP``) and "tool" (``TOOL``)."""

    api: Api
    site: Bootstrap
    product: str
    projects: dict[str, str]

    def project(self, name: str, document: dict[str, Any]) -> str:
        answer = self.api.ok(
            "importProjectSbom", productToken=self.product, projectName=name, sbom=document
        )
        state = self.api.ok(
            "getRequestState", orgToken=self.site.org_token, requestToken=answer["requestToken"]
        )
        assert state["requestState"] == "FINISHED", state
        token: str = answer["projectToken"]
        self.projects[name] = token
        return token

    def report(self, level: str = "project", scope: str = "app", **options: Any) -> Any:
        """The JSON answer of the report of product "Legal" or of one of its projects."""
        if level == "product":
            return self.api.ok("getProductAttributionReport", productToken=self.product, **options)
        return self.api.ok(
            "getProjectAttributionReport", projectToken=self.projects[scope], **options
        )

    def file(self, fmt: str, scope: str = "app", **options: Any) -> tuple[str, str]:
        """A project's TXT or HTML report: (content type, text)."""
        content_type, body = self.api.raw(
            "getProjectAttributionReport",
            projectToken=self.projects[scope],
            exportFormat=fmt,
            **options,
        )
        return content_type, body.decode("utf-8")


@pytest.fixture
def legal(api: Api, site: Bootstrap) -> Legal:
    product = api.ok("createProduct", orgToken=site.org_token, productName="Legal")
    legal = Legal(api, site, product["productToken"], {})
    legal.project("app", APP)
    legal.project("tool", TOOL)
    return legal


def licensed(license_id: str, text: str | None) -> dict[str, Any]:
    return {"license": license_id, "licenseText": text}


def in_app(name: str, version: str, *licenses: dict[str, Any]) -> dict[str, Any]:
    """A ``detail`` entry of project "app", versions included."""
    return {"library": name, "version": version, "project": "app", "licenses": list(licenses)}


# --- JSON ---------------------------------------------------------------------------------


def test_licenses_json_is_what_mend_sbom_export_cli_reads(legal: Legal, site: Bootstrap) -> None:
    # the client's own request (mend_sbom_export_cli.get_lic_list)
    answer = legal.report(
        reportingAggregationMode="BY_PROJECT", reportingScope="LICENSES", exportFormat="JSON"
    )
    assert set(answer) == {"detail", "licenses"}
    assert MIT_TEXT and "Permission is hereby granted" in MIT_TEXT
    assert APACHE_TEXT and "Apache License" in APACHE_TEXT
    assert answer["detail"] == {
        "": [in_app("delta", "4.0")],
        "Apache-2.0": [in_app("beta", "2.0.0", licensed("Apache-2.0", APACHE_TEXT))],
        "MIT": [in_app("alpha", "1.0.0", licensed("MIT", MIT_TEXT))],
        ACME: [in_app("gamma", "3.0.0", licensed(ACME, None))],
    }
    assert {use["license"]: use["name"] for use in answer["licenses"]} == {
        "Apache-2.0": "Apache License 2.0",
        "MIT": "MIT License",
        ACME: ACME,  # unknown to the SPDX list: named by its id
    }
    # the client joins each (library, license) to the CycloneDX export's components
    status = legal.api.ok(
        "generateProjectReportAsync",
        projectToken=legal.projects["app"],
        reportType="ProjectSBOMReport",
        standard="CycloneDX",
        format="json",
    )["asyncProcessStatus"]
    [(_, data)] = download(legal.api, site, status["uuid"]).items()
    exported = {
        (c["name"], license_["license"].get("id") or license_["license"].get("name"))
        for c in orjson.loads(data)["components"]
        for license_ in c.get("licenses", [])
    }
    read = {
        (entry["library"], license_["license"])
        for entries in answer["detail"].values()
        for entry in entries
        for license_ in entry["licenses"]
    }
    assert read == exported


def test_by_component_lists_a_library_once_by_project_once_per_project(legal: Legal) -> None:
    scope = {"reportingScope": "PRIMARY_ATTRIBUTES"}
    by_component = legal.report("product", reportingAggregationMode="BY_COMPONENT", **scope)
    assert by_component == {
        "libraries": [
            # in both projects, listed once; two versions of a name are told apart, as
            # the SPDX package ids SPDXRef-PACKAGE-<library> are
            {"library": "alpha-1.0.0", "version": "1.0.0"},
            {"library": "alpha-1.1.0", "version": "1.1.0"},
            {"library": "beta", "version": "2.0.0"},
            {"library": "delta", "version": "4.0"},
            {"library": "epsilon", "version": "5.0"},
            {"library": "gamma", "version": "3.0.0"},
        ]
    }
    # the product's SPDX export: one package per library, SPDXRef-PACKAGE-<library>
    status = legal.api.ok(
        "generateProductReportAsync",
        productToken=legal.product,
        reportType="ProductSBOMReport",
        standard="SPDX",
        format="json",
    )["asyncProcessStatus"]
    [data] = download(legal.api, legal.site, status["uuid"]).values()
    spdx_ids = {
        p["SPDXID"] for p in orjson.loads(data)["packages"] if p["name"] not in ("app", "tool")
    }
    assert spdx_ids == {f"SPDXRef-PACKAGE-{e['library']}" for e in by_component["libraries"]}
    by_project = legal.report("product", reportingAggregationMode="by_project", **scope)
    assert [
        (e["project"], e["library"].removesuffix(f"-{e['version']}"), e["version"])
        for e in by_project["libraries"]
    ] == [
        ("app", "alpha", "1.0.0"),
        ("app", "beta", "2.0.0"),
        ("app", "delta", "4.0"),
        ("app", "gamma", "3.0.0"),
        ("tool", "alpha", "1.0.0"),
        ("tool", "alpha", "1.1.0"),
        ("tool", "epsilon", "5.0"),
    ]
    detail = legal.report(
        "product", reportingAggregationMode="BY_PROJECT", reportingScope="LICENSES"
    )
    assert [(e["project"], e["version"]) for e in detail["detail"]["MIT"]] == [
        ("app", "1.0.0"),
        ("tool", "1.0.0"),
        ("tool", "1.1.0"),
    ]


def test_include_versions_false_merges_the_versions_of_a_name(legal: Legal) -> None:
    options = {"reportingAggregationMode": "BY_COMPONENT", "reportingScope": "SUMMARY,LICENSES"}
    with_versions = legal.report("product", **options, includeVersions="True")
    assert [e["version"] for e in with_versions["detail"]["MIT"]] == ["1.0.0", "1.1.0"]
    assert with_versions["summary"]["libraries"] == 6
    answer = legal.report("product", **options, includeVersions="false")
    assert answer["detail"]["MIT"] == [
        {"library": "alpha", "licenses": [licensed("MIT", MIT_TEXT)]}
    ]
    assert answer["summary"] == {
        "projects": 2,
        "libraries": 5,
        "licenses": 4,
        "librariesWithoutLicense": 1,
        "byLicense": {"Apache-2.0": 1, "BSD-3-Clause": 1, "MIT": 1, ACME: 1},
    }
    copyrights = legal.report(
        "product",
        reportingAggregationMode="BY_COMPONENT",
        reportingScope="COPYRIGHTS",
        includeVersions=False,
    )
    alpha = next(e for e in copyrights["libraries"] if e["library"] == "alpha")
    assert alpha == {
        "library": "alpha",
        "copyrights": ["Copyright 2020 Example Corp", "Copyright 2021 Example Corp"],
    }


def test_missing_license_display_option(legal: Legal) -> None:
    blank = legal.report(reportingScope="LICENSES", missingLicenseDisplayOption="BLANK")
    assert blank["detail"][""] == [
        {"library": "delta", "version": "4.0", "project": "app", "licenses": []}
    ]
    assert GENERIC not in blank["detail"]
    generic = legal.report(reportingScope="LICENSES", missingLicenseDisplayOption="generic_license")
    assert "" not in generic["detail"]
    assert generic["detail"][GENERIC] == [
        {
            "library": "delta",
            "version": "4.0",
            "project": "app",
            "licenses": [licensed(GENERIC, GENERIC_TEXT)],
        }
    ]
    _type, text = legal.file("TXT", reportingScope="LICENSES", missingLicenseDisplayOption="BLANK")
    assert "Libraries without a license" in text and GENERIC_TEXT not in text
    _type, text = legal.file(
        "TXT", reportingScope="LICENSES", missingLicenseDisplayOption="GENERIC_LICENSE"
    )
    assert f"{GENERIC}\r\n" in text and GENERIC_TEXT in text


def test_appendix_holds_each_text_once(legal: Legal) -> None:
    answer = legal.report(
        "product",
        reportingScope="LICENSES",
        reportingAggregationMode="BY_COMPONENT",
        licenseReferenceTextPlacement="APPENDIX_SECTION",
    )
    mit = answer["detail"]["MIT"]
    assert [license_["licenseText"] for e in mit for license_ in e["licenses"]] == [None, None]
    texts = {use["license"]: use["licenseText"] for use in answer["licenses"]}
    assert texts == {
        "Apache-2.0": APACHE_TEXT,
        "BSD-3-Clause": BSD_TEXT,
        "MIT": MIT_TEXT,
        ACME: None,
    }
    first_line = "Permission is hereby granted, free of charge, to any person obtaining"
    _type, text = legal.file("TXT", "tool", licenseReferenceTextPlacement="APPENDIX_SECTION")
    assert text.count(first_line) == 1
    assert text.index("APPENDIX: LICENSE TEXTS") < text.index(first_line)
    _type, inline = legal.file("TXT", "tool")
    assert inline.count(first_line) == 1 and "APPENDIX" not in inline


NOTICE = "Alpha includes software\nby Example Corp."


def test_summary_copyrights_and_notices(legal: Legal, site: Bootstrap) -> None:
    libraries = legal.api.ok("getProjectLicenses", projectToken=legal.projects["app"])
    alpha = next(lib["keyUuid"] for lib in libraries["libraries"] if lib["name"] == "alpha")
    legal.api.ok(
        "setLibraryNotice",
        orgToken=site.org_token,
        libraryUUID=alpha,
        text=NOTICE,
        reference="NOTICE.txt",
    )
    answer = legal.report(reportingScope="SUMMARY, COPYRIGHTS, NOTICES", includeVersions="False")
    assert answer == {
        "summary": {
            "projects": 1,
            "libraries": 4,
            "licenses": 3,
            "librariesWithoutLicense": 1,
            "byLicense": {"Apache-2.0": 1, "MIT": 1, ACME: 1},
        },
        "libraries": [
            {
                "library": "alpha",
                "project": "app",
                "copyrights": ["Copyright 2020 Example Corp"],
                "notices": [{"text": NOTICE, "reference": "NOTICE.txt"}],
            },
            {"library": "beta", "project": "app", "copyrights": [], "notices": []},
            {"library": "delta", "project": "app", "copyrights": [], "notices": []},
            {"library": "gamma", "project": "app", "copyrights": [], "notices": []},
        ],
    }
    _type, text = legal.file("txt", reportingScope="NOTICES")
    assert "Alpha includes software\r\n" in text and "Reference: NOTICE.txt" in text
    assert "Copyright 2020" not in text  # COPYRIGHTS not asked for


def test_defaults_and_the_custom_attribute(
    legal: Legal, site: Bootstrap, database: Database
) -> None:
    answer = legal.report()  # every option missing: BY_PROJECT, every scope, JSON
    assert set(answer) == {"summary", "libraries", "detail", "licenses"}
    assert answer["libraries"][0] == {
        "library": "alpha",
        "version": "1.0.0",
        "project": "app",
        "copyrights": ["Copyright 2020 Example Corp"],
        "notices": [],
    }
    assert answer["detail"]["MIT"][0]["licenses"] == [licensed("MIT", MIT_TEXT)]
    attribute_admin.define_attribute(database, site.org_token, "team")
    attribute_admin.set_attribute_value(
        database, site.org_token, "team", "open source office", product="Legal"
    )
    titled = legal.report(
        "product",
        reportingScope="SUMMARY",
        customAttribute="team",
        reportTitle="Third-party notices",
        reportHeader="Head",
        reportFooter="Foot",
    )
    assert titled["customAttribute"] == {"name": "team", "value": "open source office"}
    assert (titled["reportTitle"], titled["reportHeader"], titled["reportFooter"]) == (
        "Third-party notices",
        "Head",
        "Foot",
    )
    project = legal.report(reportingScope="SUMMARY", customAttribute="team")
    assert project == {
        "customAttribute": {"name": "team", "value": None},
        "summary": project["summary"],
    }


# --- TXT and HTML -------------------------------------------------------------------------


def test_text_file_with_title_header_and_footer(legal: Legal) -> None:
    content_type, text = legal.file(
        "txt",
        reportTitle="Shop notices",
        reportHeader="Prepared by Legal\nfor release 2.0",
        reportFooter="End of notices",
    )
    assert content_type == "text/plain; charset=utf-8"
    lines = text.split("\r\n")
    assert lines[:2] == ["Shop notices", "============"]
    assert "Report of app" in lines and "Prepared by Legal" in lines
    assert "for release 2.0" in lines
    assert [line for line in lines if line][-1] == "End of notices"
    assert "  alpha 1.0.0" in lines and "      Copyright 2020 Example Corp" in lines
    assert "  beta 2.0.0 (project app)" in lines  # under Apache-2.0
    assert "MIT License (MIT)" in lines
    assert text.count(MIT_TEXT.splitlines()[0]) == 1 and APACHE_TEXT.splitlines()[-1] in text
    _type, plain = legal.file("TXT", includeVersions="False")
    assert "  alpha" in plain.split("\r\n") and "alpha 1.0.0" not in plain
    untitled = legal.file("TXT")[1].split("\r\n")
    assert untitled[0] == "Attribution Report: app"


class Tags(HTMLParser):
    """The elements of a page, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_every_value(legal: Legal, site: Bootstrap) -> None:
    evil = "<script>alert(1)</script>"
    legal.project(
        "web",
        sbom(
            {
                "type": "library",
                "name": evil,
                "version": '1.0"><img src=x onerror=alert(2)>',
                "licenses": [MIT],
                "copyright": "<b>Evil & Co</b>",
            }
        ),
    )
    libraries = legal.api.ok("getProjectLicenses", projectToken=legal.projects["web"])["libraries"]
    legal.api.ok(
        "setLibraryNotice",
        orgToken=site.org_token,
        libraryUUID=libraries[0]["keyUuid"],
        text="<iframe src=https://example.com></iframe>",
    )
    content_type, page = legal.file(
        "HTML", "web", reportTitle="Notices of \"Web\" '2'", reportFooter="Footer: 'quoted'"
    )
    assert content_type == "text/html; charset=utf-8"
    parser = Tags()
    parser.feed(page)
    assert parser.tags <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "li",
        "div",
        "pre",
    }
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in page and "&lt;iframe" in page
    assert "&quot;Web&quot; &#x27;2&#x27;" in page and "Footer: &#x27;quoted&#x27;" in page
    text = "".join(parser.text)
    assert evil in text and '1.0"><img src=x onerror=alert(2)>' in text
    assert MIT_TEXT.splitlines()[0] in text


# --- refusals -------------------------------------------------------------------------------


SCOPES = "SUMMARY, LICENSES, COPYRIGHTS, NOTICES or PRIMARY_ATTRIBUTES"


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("reportingAggregationMode", "BY_LIBRARY", "BY_COMPONENT or BY_PROJECT"),
        ("exportFormat", "PDF", "TXT, HTML or JSON"),
        ("reportingScope", "EVERYTHING", SCOPES),
        ("reportingScope", "LICENSES, LEGAL", SCOPES),
        ("missingLicenseDisplayOption", "HIDE", "BLANK or GENERIC_LICENSE"),
        ("licenseReferenceTextPlacement", "FOOTNOTE", "LICENSE_SECTION or APPENDIX_SECTION"),
        ("includeVersions", "maybe", "True or False"),
        ("includeVersions", 3, "True or False"),
    ],
)
def test_a_wrong_option_is_refused_naming_the_accepted_values(
    legal: Legal, parameter: str, value: Any, accepted: str
) -> None:
    for request, scope in (
        ("getProjectAttributionReport", {"projectToken": legal.projects["app"]}),
        ("getProductAttributionReport", {"productToken": legal.product}),
    ):
        _code, message = legal.api.error(request, **scope, **{parameter: value})
        assert parameter in message and accepted in message, message


def test_a_token_of_another_scope_is_refused(legal: Legal) -> None:
    _code, message = legal.api.error("getProjectAttributionReport", productToken=legal.product)
    assert "projectToken" in message
    _code, message = legal.api.error(
        "getProductAttributionReport", projectToken=legal.projects["app"]
    )
    assert "productToken" in message


def test_a_large_report_points_to_the_asynchronous_one(
    config: Config, database: Database, site: Bootstrap, legal: Legal
) -> None:
    small = dataclasses.replace(config, sync_report_max_rows=3)
    with TestClient(create_app(small, database, migrate=False, inline_jobs=True)) as client:
        api = Api(client, site.user_key)
        _code, message = api.error("getProductAttributionReport", productToken=legal.product)
        assert "generateProductReportAsync" in message and "ProductAttributionReport" in message
        _code, message = api.error(
            "getProjectAttributionReport", projectToken=legal.projects["app"], exportFormat="HTML"
        )
        assert "generateProjectReportAsync" in message and "reportType AttributionReport" in message
        tool = api.ok(
            "getProjectAttributionReport",
            projectToken=legal.projects["tool"],
            reportingScope="LICENSES",
        )
        assert len(tool["detail"]["MIT"]) == 2  # 3 rows, at the limit: answered


# --- asynchronous -------------------------------------------------------------------------


def test_the_asynchronous_reports_are_the_synchronous_json(legal: Legal, site: Bootstrap) -> None:
    options = {"reportingScope": "licenses", "reportingAggregationMode": "BY_COMPONENT"}
    status = legal.api.ok(
        "generateProductReportAsync",
        productToken=legal.product,
        reportType="ProductAttributionReport",
        format="json",
        filter=options,
    )["asyncProcessStatus"]
    assert status["processType"] == "PRODUCT_ATTRIBUTION_REPORT"
    [(member, data)] = download(legal.api, site, status["uuid"]).items()
    assert member.startswith("ProductAttributionReport-Legal-") and member.endswith(".json")
    assert orjson.loads(data) == legal.report("product", **options)
    project = {"projectToken": legal.projects["tool"]}
    status = legal.api.ok(
        "generateProjectReportAsync",
        **project,
        reportType="AttributionReport",
        format="json",
        filter={"includeVersions": "false", "reportingScope": "PRIMARY_ATTRIBUTES"},
    )["asyncProcessStatus"]
    [(_, data)] = download(legal.api, site, status["uuid"]).items()
    assert orjson.loads(data) == {
        "libraries": [
            {"library": "alpha", "project": "tool"},
            {"library": "epsilon", "project": "tool"},
        ]
    }
    request = "generateProductReportAsync"
    scope = {"productToken": legal.product, "reportType": "ProductAttributionReport"}
    for fmt in ("xlsx", "xml", "pdf"):
        _code, message = legal.api.error(request, **scope, format=fmt)
        assert message.endswith("ProductAttributionReport is offered as json, txt, html")
    _code, message = legal.api.error(
        request, **scope, format="json", filter={"reportingAggregationMode": "BY_LIBRARY"}
    )
    assert "filter.reportingAggregationMode" in message and "BY_COMPONENT or BY_PROJECT" in message


@pytest.mark.parametrize("fmt", ["txt", "html"])
def test_the_asynchronous_documents_are_the_synchronous_files(
    legal: Legal, site: Bootstrap, fmt: str
) -> None:
    options = {"reportingScope": "SUMMARY, LICENSES, COPYRIGHTS", "reportTitle": "Notices"}
    for request, scope, report, name in (
        ("Product", {"productToken": legal.product}, "ProductAttributionReport", "Legal"),
        ("Project", {"projectToken": legal.projects["tool"]}, "AttributionReport", "tool"),
    ):
        status = legal.api.ok(
            f"generate{request}ReportAsync",
            **scope,
            reportType=report,
            format=fmt.upper(),
            filter=options,
        )["asyncProcessStatus"]
        [(member, data)] = download(legal.api, site, status["uuid"]).items()
        assert member.startswith(f"{report}-{name}-") and member.endswith(f".{fmt}"), member
        _type, synchronous = legal.api.raw(
            f"get{request}AttributionReport", **scope, exportFormat=fmt, **options
        )
        assert data == synchronous  # the same writer, the same scope
        text = data.decode("utf-8")
        assert "Notices" in text and "Copyright 2021 Example Corp" in text
        assert ("epsilon" in text) and ("BSD-3-Clause" in text)
        if report == "ProductAttributionReport":
            assert "gamma" in text and ACME in text  # project "app"'s libraries too
        if fmt == "html":
            assert text.lstrip().lower().startswith("<!doctype html")
        else:
            assert "<" not in text.split("\r\n", 1)[0]  # plain text, not markup

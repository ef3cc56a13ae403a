"""The SPDX reader: the example documents of ``shared/data/sbom`` (facts read off the files
by hand), one document in all four syntaxes, the graph rules, and what it refuses."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from depvault.domain.inventory import Component, Inventory
from depvault.ingest.errors import SbomError, SbomSyntaxError, UnsafeXml, UnsupportedSbom
from depvault.ingest.spdx.reader import read_spdx, sniff_spdx
from tests.data_files import DATA

SBOMS = DATA / "sbom"
MAVEN = "examplemaven-0.0.1.spdx-2.3.json"
GO_MODULES = "example7-go-modules.spdx-2.2.json"
GO_LIB = "example6-lib.spdx-2.2.tv"


def shared(name: str) -> bytes:
    path = SBOMS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: DEPVAULT_SHARED_DATA names the shared/data folder")
    return path.read_bytes()


def by_ref(inventory: Inventory) -> dict[str, Component]:
    return {c.ref: c for c in inventory.components}


def depths(inventory: Inventory) -> dict[str, int]:
    """Each component's depth under the project, walking from the direct refs."""
    children: dict[str, list[str]] = {}
    for parent, child in inventory.edges:
        children.setdefault(parent, []).append(child)
    depth = dict.fromkeys(inventory.direct_refs(), 1)
    queue = deque(depth)
    while queue:
        ref = queue.popleft()
        for child in children.get(ref, []):
            if child not in depth:
                depth[child] = depth[ref] + 1
                queue.append(child)
    return depth


def as_yaml(document: dict[str, Any]) -> bytes:
    text: str = yaml.safe_dump(document, sort_keys=False)
    return text.encode()


def as_xml(document: dict[str, Any]) -> bytes:
    """SPDX XML as spdx-tools writes it: one element per field, lists as repeated ones."""
    root = etree.Element("Document")

    def fill(element: Any, fields: dict[str, Any]) -> None:
        for key, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                child = etree.SubElement(element, key)
                if isinstance(item, dict):
                    fill(child, item)
                else:
                    child.text = str(item).lower() if isinstance(item, bool) else str(item)

    fill(root, document)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def same_graph(a: Inventory, b: Inventory) -> bool:
    return dataclasses.replace(a, source_format="") == dataclasses.replace(b, source_format="")


def refused(data: bytes, syntax: str | None = None, kind: type[SbomError] = SbomError) -> str:
    with pytest.raises(kind) as caught:
        read_spdx(data, syntax)
    return caught.value.message


# --- the example documents ---------------------------------------------------------------

MAVEN_DEPENDENCIES = [
    "SPDXRef-junit",
    "SPDXRef-log4jslf4jbinding",
    "SPDXRef-log4jslf4jApi",
    "SPDXRef-log4jApi",
    "SPDXRef-log4jImpl",
]


def test_examplemaven_json() -> None:
    inventory = read_spdx(shared(MAVEN))
    # Six packages; SPDXRef-example is the one DESCRIBED: the project, not a component.
    # junit is TEST_DEPENDENCY_OF it, the four log4j/slf4j packages its DYNAMIC_LINKs;
    # its CONTAINS point at files and GENERATES/TEST_CASE_OF come from files.
    assert [c.ref for c in inventory.components] == MAVEN_DEPENDENCIES
    assert list(inventory.direct) == MAVEN_DEPENDENCIES
    assert inventory.edges == ()
    assert set(depths(inventory).values()) == {1}
    assert inventory.source_format == "SPDX 2.3 JSON"
    assert inventory.tool == "spdx-maven-plugin, Parlay"
    assert inventory.warnings == ()
    junit = by_ref(inventory)["SPDXRef-junit"]
    assert (junit.name, junit.version, junit.licenses) == ("JUnit", "3.8.1", ("CPL-1.0",))
    assert junit.references == (("homePage", "http://junit.org"),)
    assert junit.description is not None
    assert junit.description.startswith("JUnit is a regression testing framework")
    api = by_ref(inventory)["SPDXRef-log4jslf4jApi"]
    assert (api.name, api.version, api.licenses) == ("SLF4J API Module", None, ())
    assert api.references == (("homePage", "http://www.slf4j.org"),)
    for component in inventory.components:
        assert component.purl is None and component.group is None  # no externalRefs at all
        assert component.hashes == ()  # the one package checksum is the root's
        assert component.copyrights == ("UNSPECIFIED",)  # literally, not NOASSERTION
    others = [c for c in inventory.components if c.ref != "SPDXRef-junit"]
    assert all(c.licenses == () for c in others)  # declared and concluded NOASSERTION


def test_example7_go_modules_json() -> None:
    inventory = read_spdx(shared(GO_MODULES))
    # documentDescribes names all three packages and there are no relationships: a set
    # of packages without a root, so all three are the direct components.
    modules = ["SPDXRef-go-module-text", "SPDXRef-go-module-quote", "SPDXRef-go-module-sampler"]
    assert [c.ref for c in inventory.components] == modules
    assert list(inventory.direct) == modules
    assert inventory.edges == ()
    assert inventory.source_format == "SPDX 2.2 JSON"
    assert inventory.tool is None  # the only creator is a Person
    assert [(c.name, c.version, c.licenses, c.copyrights) for c in inventory.components] == [
        ("golang.org/x/text", None, (), ()),
        ("rsc.io/quote", None, (), ()),
        ("rsc.io/sampler", None, (), ()),
    ]
    assert by_ref(inventory)["SPDXRef-go-module-quote"].references == (
        ("downloadUrl", "git://rsc.io/quote@v1.5.2"),
    )


def test_example6_go_lib_tag_value() -> None:
    inventory = read_spdx(shared(GO_LIB))
    # Five packages; go-1.15 (SPDXRef-Package-godist) is DESCRIBED and CONTAINS the four
    # others. Its LicenseRef, checksum and homepage stay with it, outside the inventory.
    parts = [
        "SPDXRef-Package-go-compiler",
        "SPDXRef-Package-go.fmt",
        "SPDXRef-Package-go.reflect",
        "SPDXRef-Package-go.strconv",
    ]
    assert [c.ref for c in inventory.components] == parts
    assert list(inventory.direct) == parts
    assert inventory.edges == ()
    assert inventory.source_format == "SPDX 2.2 tag-value"
    assert inventory.tool is None
    assert {c.version for c in inventory.components} == {"1.15.4"}
    compiler = by_ref(inventory)["SPDXRef-Package-go-compiler"]
    assert (compiler.name, compiler.filename) == ("go", "go")
    assert compiler.hashes == (
        ("SHA-256", "4448b9e62b3c364a073808e22643985d9f49c4ad44aa11d8e4a17c49600a7c3a"),
    )
    assert all(c.hashes == () for c in inventory.components if c is not compiler)
    assert all(c.licenses == () and c.copyrights == () for c in inventory.components)
    assert all(c.references == () for c in inventory.components)


def test_sniffing() -> None:
    assert sniff_spdx(shared(MAVEN)) == "json"
    assert sniff_spdx(shared(GO_MODULES)) == "json"
    assert sniff_spdx(shared(GO_LIB)) == "tv"
    document = orjson.loads(shared(MAVEN))
    assert sniff_spdx(as_yaml(document)) == "yaml"
    assert sniff_spdx(as_xml(document)) == "xml"
    assert sniff_spdx(b"\xef\xbb\xbf# a comment\n\nSPDXVersion: SPDX-2.3\n") == "tv"
    assert sniff_spdx(b'{"bomFormat": "CycloneDX", "specVersion": "1.5"}') is None
    assert sniff_spdx(b"<bom xmlns='http://cyclonedx.org/schema/bom/1.5'/>") is None
    assert sniff_spdx(b"") is None
    assert "Not an SPDX document" in refused(b"name: not spdx\n", None, UnsupportedSbom)


# --- one document, four syntaxes -----------------------------------------------------------


def rich_document() -> dict[str, Any]:
    """An application with a three-level tree, every mapped field, and things to ignore."""

    def package(spdx_id: str, name: str, **fields: Any) -> dict[str, Any]:
        return {"SPDXID": spdx_id, "name": name, "downloadLocation": "NOASSERTION"} | fields

    def purl(locator: str, category: str = "PACKAGE-MANAGER") -> dict[str, str]:
        return {"referenceCategory": category, "referenceType": "purl", "referenceLocator": locator}

    def relation(source: str, kind: str, target: str) -> dict[str, str]:
        return {"spdxElementId": source, "relationshipType": kind, "relatedSpdxElement": target}

    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "app",
        "documentNamespace": "https://example.org/spdx/app-1.0.0",
        "creationInfo": {
            "created": "2024-01-01T00:00:00Z",
            "creators": ["Tool: syft-1.0", "Organization: Acme"],
        },
        "packages": [
            package("SPDXRef-app", "app", versionInfo="1.0.0", licenseDeclared="MIT"),
            package(
                "SPDXRef-log4j",
                "log4j-core",
                versionInfo="2.17.1",
                packageFileName="log4j-core-2.17.1.jar",
                summary="The Apache Log4j Implementation",
                downloadLocation="https://repo1.maven.org/log4j-core-2.17.1.jar",
                homepage="https://logging.apache.org/log4j/2.x/",
                licenseConcluded="NOASSERTION",
                licenseDeclared="Apache-2.0",
                copyrightText="Copyright 1999-2021 The Apache Software Foundation",
                checksums=[
                    {
                        "algorithm": "SHA1",
                        "checksumValue": "B68EF3D0E3C0A2E4D1B3A43B7D2F3E4A5B6C7D8E",
                    },
                    {"algorithm": "SHA256", "checksumValue": "AB" * 32},
                ],
                externalRefs=[
                    {
                        "referenceCategory": "SECURITY",
                        "referenceType": "cpe23Type",
                        "referenceLocator": "cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*",
                    },
                    purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1?type=jar"),
                ],
            ),
            package(
                "SPDXRef-log4j-api",
                "log4j-api",
                versionInfo="2.17.1",
                description="The Apache Log4j API",
                licenseDeclared="NOASSERTION",
                licenseConcluded="Apache-2.0 OR MIT",
                checksums=[
                    {"algorithm": "BLAKE2b-256", "checksumValue": "CD" * 32},
                    {"algorithm": "MD5", "checksumValue": "0123456789ABCDEF" * 2},
                ],
                externalRefs=[purl("pkg:maven/org.apache.logging.log4j/log4j-api@2.17.1")],
            ),
            package(
                "SPDXRef-express",
                "express",
                versionInfo="4.18.2",
                licenseDeclared="LicenseRef-custom",
                copyrightText="NONE",
                downloadLocation="NONE",
                externalRefs=[purl("pkg:npm/express@4.18.2", "PACKAGE_MANAGER")],
            ),
            package(
                "SPDXRef-types",
                "@types/node",
                versionInfo="20.1.0",
                downloadLocation="git+https://github.com/DefinitelyTyped/DefinitelyTyped.git",
                externalRefs=[purl("pkg:npm/%40types/node@20.1.0")],
            ),
            package("SPDXRef-deep", "undici-types", versionInfo="5.26.5"),
            package("SPDXRef-orphan", "orphan", versionInfo="0.1"),
        ],
        "files": [
            {
                "fileName": "./src/App.java",
                "SPDXID": "SPDXRef-file",
                "checksums": [{"algorithm": "SHA1", "checksumValue": "a" * 40}],
            }
        ],
        "relationships": [
            relation("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-app"),
            relation("SPDXRef-app", "DEPENDS_ON", "SPDXRef-log4j"),
            relation("SPDXRef-log4j-api", "DEPENDENCY_OF", "SPDXRef-log4j"),
            relation("SPDXRef-express", "RUNTIME_DEPENDENCY_OF", "SPDXRef-app"),
            relation("SPDXRef-types", "DEV_DEPENDENCY_OF", "SPDXRef-express"),
            relation("SPDXRef-deep", "CONTAINED_BY", "SPDXRef-types"),
            relation("SPDXRef-app", "CONTAINS", "SPDXRef-file"),
            relation("SPDXRef-log4j", "GENERATED_FROM", "SPDXRef-express"),
            relation("SPDXRef-log4j-api", "DEPENDS_ON", "NOASSERTION"),
        ],
    }


# The same document in tag-value (whose checksums spdx-tools only lexes in lower case).
RICH_TAG_VALUE = b"""\
SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: app
DocumentNamespace: https://example.org/spdx/app-1.0.0
Creator: Tool: syft-1.0
Creator: Organization: Acme
Created: 2024-01-01T00:00:00Z

PackageName: app
SPDXID: SPDXRef-app
PackageVersion: 1.0.0
PackageDownloadLocation: NOASSERTION
PackageLicenseDeclared: MIT

PackageName: log4j-core
SPDXID: SPDXRef-log4j
PackageVersion: 2.17.1
PackageFileName: log4j-core-2.17.1.jar
PackageSummary: <text>The Apache Log4j Implementation</text>
PackageDownloadLocation: https://repo1.maven.org/log4j-core-2.17.1.jar
PackageHomePage: https://logging.apache.org/log4j/2.x/
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: Apache-2.0
PackageCopyrightText: <text>Copyright 1999-2021 The Apache Software Foundation</text>
PackageChecksum: SHA1: b68ef3d0e3c0a2e4d1b3a43b7d2f3e4a5b6c7d8e
PackageChecksum: SHA256: abababababababababababababababababababababababababababababababab
ExternalRef: SECURITY cpe23Type cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*
ExternalRef: PACKAGE-MANAGER purl pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1?type=jar

PackageName: log4j-api
SPDXID: SPDXRef-log4j-api
PackageVersion: 2.17.1
PackageDescription: <text>The Apache Log4j API</text>
PackageDownloadLocation: NOASSERTION
PackageLicenseDeclared: NOASSERTION
PackageLicenseConcluded: Apache-2.0 OR MIT
PackageChecksum: BLAKE2b-256: cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd
PackageChecksum: MD5: 0123456789abcdef0123456789abcdef
ExternalRef: PACKAGE-MANAGER purl pkg:maven/org.apache.logging.log4j/log4j-api@2.17.1

PackageName: express
SPDXID: SPDXRef-express
PackageVersion: 4.18.2
PackageDownloadLocation: NONE
PackageLicenseDeclared: LicenseRef-custom
PackageCopyrightText: NONE
ExternalRef: PACKAGE-MANAGER purl pkg:npm/express@4.18.2

PackageName: @types/node
SPDXID: SPDXRef-types
PackageVersion: 20.1.0
PackageDownloadLocation: git+https://github.com/DefinitelyTyped/DefinitelyTyped.git
ExternalRef: PACKAGE-MANAGER purl pkg:npm/%40types/node@20.1.0

PackageName: undici-types
SPDXID: SPDXRef-deep
PackageVersion: 5.26.5
PackageDownloadLocation: NOASSERTION

PackageName: orphan
SPDXID: SPDXRef-orphan
PackageVersion: 0.1
PackageDownloadLocation: NOASSERTION

FileName: ./src/App.java
SPDXID: SPDXRef-file
FileChecksum: SHA1: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app
Relationship: SPDXRef-app DEPENDS_ON SPDXRef-log4j
Relationship: SPDXRef-log4j-api DEPENDENCY_OF SPDXRef-log4j
Relationship: SPDXRef-express RUNTIME_DEPENDENCY_OF SPDXRef-app
Relationship: SPDXRef-types DEV_DEPENDENCY_OF SPDXRef-express
Relationship: SPDXRef-deep CONTAINED_BY SPDXRef-types
Relationship: SPDXRef-app CONTAINS SPDXRef-file
Relationship: SPDXRef-log4j GENERATED_FROM SPDXRef-express
Relationship: SPDXRef-log4j-api DEPENDS_ON NOASSERTION
"""


def test_rich_document_facts() -> None:
    inventory = read_spdx(orjson.dumps(rich_document()))
    assert "SPDXRef-app" not in by_ref(inventory)
    assert inventory.direct == ("SPDXRef-log4j", "SPDXRef-express")
    assert inventory.edges == (
        ("SPDXRef-log4j", "SPDXRef-log4j-api"),
        ("SPDXRef-express", "SPDXRef-types"),
        ("SPDXRef-types", "SPDXRef-deep"),
    )
    assert depths(inventory) == {
        "SPDXRef-log4j": 1,
        "SPDXRef-express": 1,
        "SPDXRef-orphan": 1,  # in no relationship: hangs under the project
        "SPDXRef-log4j-api": 2,
        "SPDXRef-types": 2,
        "SPDXRef-deep": 3,
    }
    assert inventory.tool == "syft-1.0"
    components = by_ref(inventory)
    assert components["SPDXRef-log4j"] == Component(
        ref="SPDXRef-log4j",
        name="log4j-core",
        version="2.17.1",
        group="org.apache.logging.log4j",
        purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1?type=jar",
        filename="log4j-core-2.17.1.jar",
        description="The Apache Log4j Implementation",
        licenses=("Apache-2.0",),
        copyrights=("Copyright 1999-2021 The Apache Software Foundation",),
        hashes=(("SHA-1", "b68ef3d0e3c0a2e4d1b3a43b7d2f3e4a5b6c7d8e"), ("SHA-256", "ab" * 32)),
        references=(
            ("homePage", "https://logging.apache.org/log4j/2.x/"),
            ("downloadUrl", "https://repo1.maven.org/log4j-core-2.17.1.jar"),
        ),
    )
    api = components["SPDXRef-log4j-api"]
    assert api.licenses == ("Apache-2.0 OR MIT",)  # declared NOASSERTION: the concluded one
    assert api.hashes == (("BLAKE2B-256", "cd" * 32), ("MD5", "0123456789abcdef" * 2))
    assert api.sha1 is None and components["SPDXRef-log4j"].sha1 is not None
    express = components["SPDXRef-express"]
    assert (express.purl, express.group) == ("pkg:npm/express@4.18.2", None)
    assert (express.licenses, express.copyrights, express.references) == (
        ("LicenseRef-custom",),
        (),
        (),
    )
    types = components["SPDXRef-types"]
    assert types.group == "@types"
    assert types.references == (
        ("downloadUrl", "git+https://github.com/DefinitelyTyped/DefinitelyTyped.git"),
    )


@pytest.mark.parametrize(("syntax", "make"), [("YAML", as_yaml), ("XML", as_xml)])
@pytest.mark.parametrize("name", [MAVEN, GO_MODULES, "rich"])
def test_yaml_and_xml_read_as_the_json(name: str, syntax: str, make: Any) -> None:
    data = orjson.dumps(rich_document()) if name == "rich" else shared(name)
    from_json = read_spdx(data, "json")
    other = read_spdx(make(orjson.loads(data)))
    assert same_graph(other, from_json)
    assert other.source_format == from_json.source_format.replace("JSON", syntax)


def test_tag_value_reads_as_the_json() -> None:
    from_tv = read_spdx(RICH_TAG_VALUE)
    assert from_tv.source_format == "SPDX 2.3 tag-value"
    assert same_graph(from_tv, read_spdx(orjson.dumps(rich_document())))


def test_handwritten_xml_with_a_namespace_and_comments() -> None:
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<spdx:Document xmlns:spdx="https://spdx.org/spdxdocs">
  <spdx:spdxVersion>SPDX-2.2</spdx:spdxVersion>
  <spdx:SPDXID>SPDXRef-DOCUMENT</spdx:SPDXID>
  <spdx:dataLicense>CC0-1.0</spdx:dataLicense>
  <spdx:name>one</spdx:name>
  <spdx:documentNamespace>https://example.org/one</spdx:documentNamespace>
  <spdx:creationInfo>
    <spdx:created>2024-01-01T00:00:00Z</spdx:created>
    <spdx:creators>Tool: handmade</spdx:creators>
  </spdx:creationInfo>
  <spdx:documentDescribes>SPDXRef-root</spdx:documentDescribes>
  <spdx:packages>
    <spdx:SPDXID>SPDXRef-root</spdx:SPDXID><spdx:name>root</spdx:name>
    <spdx:downloadLocation>NOASSERTION</spdx:downloadLocation>
  </spdx:packages>
  <spdx:packages>
    <spdx:SPDXID>SPDXRef-lib</spdx:SPDXID><spdx:name>lib</spdx:name>
    <spdx:downloadLocation>NOASSERTION</spdx:downloadLocation>
    <spdx:filesAnalyzed>false</spdx:filesAnalyzed>
    <!-- a single checksum is still a list -->
    <spdx:checksums><spdx:algorithm>SHA1</spdx:algorithm>
      <spdx:checksumValue>DA39A3EE5E6B4B0D3255BFEF95601890AFD80709</spdx:checksumValue>
    </spdx:checksums>
  </spdx:packages>
  <spdx:relationships>
    <spdx:spdxElementId>SPDXRef-root</spdx:spdxElementId>
    <spdx:relationshipType>STATIC_LINK</spdx:relationshipType>
    <spdx:relatedSpdxElement>SPDXRef-lib</spdx:relatedSpdxElement>
  </spdx:relationships>
</spdx:Document>
"""
    inventory = read_spdx(xml)
    assert inventory.source_format == "SPDX 2.2 XML"
    assert inventory.tool == "handmade"
    assert [c.ref for c in inventory.components] == ["SPDXRef-lib"]
    assert inventory.direct == ("SPDXRef-lib",)
    assert inventory.components[0].sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709"


# --- graph rules --------------------------------------------------------------------------


def graph_document(
    refs: list[str], relations: list[tuple[str, str, str]], describes: list[str] | None = None
) -> bytes:
    document: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "packages": [{"SPDXID": r, "name": r.removeprefix("SPDXRef-")} for r in refs],
        "relationships": [
            {"spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b}
            for a, kind, b in relations
        ],
    }
    if describes is not None:
        document["documentDescribes"] = describes
    return orjson.dumps(document)


@pytest.mark.parametrize(
    "kind", ["DEPENDS_ON", "CONTAINS", "DYNAMIC_LINK", "STATIC_LINK", "HAS_PREREQUISITE"]
)
def test_forward_dependencies(kind: str) -> None:
    inventory = read_spdx(
        graph_document(["SPDXRef-a", "SPDXRef-b"], [("SPDXRef-a", kind, "SPDXRef-b")])
    )
    assert inventory.edges == (("SPDXRef-a", "SPDXRef-b"),)
    assert inventory.direct_refs() == ["SPDXRef-a"]


@pytest.mark.parametrize(
    "kind",
    [
        "DEPENDENCY_OF",
        "BUILD_DEPENDENCY_OF",
        "DEV_DEPENDENCY_OF",
        "OPTIONAL_DEPENDENCY_OF",
        "PROVIDED_DEPENDENCY_OF",
        "RUNTIME_DEPENDENCY_OF",
        "TEST_DEPENDENCY_OF",
        "CONTAINED_BY",
        "PREREQUISITE_FOR",
        "OPTIONAL_COMPONENT_OF",
        "PACKAGE_OF",
    ],
)
def test_reverse_dependencies(kind: str) -> None:
    inventory = read_spdx(
        graph_document(["SPDXRef-a", "SPDXRef-b"], [("SPDXRef-a", kind, "SPDXRef-b")])
    )
    assert inventory.edges == (("SPDXRef-b", "SPDXRef-a"),)


@pytest.mark.parametrize(
    "kind", ["GENERATES", "BUILD_TOOL_OF", "DESCENDANT_OF", "COPY_OF", "PATCH_FOR", "OTHER"]
)
def test_other_relationships_are_not_dependencies(kind: str) -> None:
    inventory = read_spdx(
        graph_document(["SPDXRef-a", "SPDXRef-b"], [("SPDXRef-a", kind, "SPDXRef-b")])
    )
    assert inventory.edges == ()
    assert inventory.direct_refs() == ["SPDXRef-a", "SPDXRef-b"]


def test_nothing_described_every_package_is_a_component() -> None:
    refs = ["SPDXRef-a", "SPDXRef-b", "SPDXRef-c", "SPDXRef-d"]
    inventory = read_spdx(
        graph_document(
            refs,
            [("SPDXRef-a", "DEPENDS_ON", "SPDXRef-b"), ("SPDXRef-d", "DEPENDENCY_OF", "SPDXRef-c")],
        )
    )
    assert [c.ref for c in inventory.components] == refs
    assert inventory.direct == ()
    assert inventory.direct_refs() == ["SPDXRef-a", "SPDXRef-c"]  # the orphans
    assert depths(inventory) == {"SPDXRef-a": 1, "SPDXRef-c": 1, "SPDXRef-b": 2, "SPDXRef-d": 2}


def test_described_by_marks_the_root_too() -> None:
    inventory = read_spdx(
        graph_document(
            ["SPDXRef-app", "SPDXRef-x"],
            [
                ("SPDXRef-app", "DESCRIBED_BY", "SPDXRef-DOCUMENT"),
                ("SPDXRef-app", "DEPENDS_ON", "SPDXRef-x"),
            ],
        )
    )
    assert [c.ref for c in inventory.components] == ["SPDXRef-x"]
    assert inventory.direct == ("SPDXRef-x",)


def test_several_described_packages_that_depend_on_each_other() -> None:
    # a and b described, a depends on b: a is the root, b its direct dependency.
    inventory = read_spdx(
        graph_document(
            ["SPDXRef-a", "SPDXRef-b", "SPDXRef-c"],
            [("SPDXRef-a", "DEPENDS_ON", "SPDXRef-b"), ("SPDXRef-b", "DEPENDS_ON", "SPDXRef-c")],
            describes=["SPDXRef-a", "SPDXRef-b"],
        )
    )
    assert [c.ref for c in inventory.components] == ["SPDXRef-b", "SPDXRef-c"]
    assert inventory.direct == ("SPDXRef-b",)
    assert inventory.edges == (("SPDXRef-b", "SPDXRef-c"),)


def test_several_described_packages_with_their_own_dependencies() -> None:
    inventory = read_spdx(
        graph_document(
            ["SPDXRef-a", "SPDXRef-b", "SPDXRef-x"],
            [("SPDXRef-a", "DEPENDS_ON", "SPDXRef-x"), ("SPDXRef-b", "DEPENDS_ON", "SPDXRef-x")],
            describes=["SPDXRef-a", "SPDXRef-b"],
        )
    )
    assert len(inventory.components) == 3
    assert inventory.direct == ("SPDXRef-a", "SPDXRef-b")
    assert depths(inventory) == {"SPDXRef-a": 1, "SPDXRef-b": 1, "SPDXRef-x": 2}


def test_described_cycle_and_unknown_elements() -> None:
    inventory = read_spdx(
        graph_document(
            ["SPDXRef-a", "SPDXRef-b", "SPDXRef-c"],
            [
                ("SPDXRef-a", "DEPENDS_ON", "SPDXRef-b"),
                ("SPDXRef-b", "DEPENDS_ON", "SPDXRef-a"),
                ("SPDXRef-b", "DEPENDS_ON", "SPDXRef-c"),
                ("SPDXRef-c", "DEPENDS_ON", "SPDXRef-c"),
                ("SPDXRef-c", "DEPENDS_ON", "DocumentRef-other:SPDXRef-x"),
                ("SPDXRef-c", "DEPENDS_ON", "NONE"),
            ],
            describes=["SPDXRef-a", "SPDXRef-b", "SPDXRef-unknown"],
        )
    )
    assert [c.ref for c in inventory.components] == ["SPDXRef-c"]
    assert inventory.direct == ("SPDXRef-c",)
    assert inventory.edges == ()


def test_invalid_purl_is_kept_with_a_warning() -> None:
    document = rich_document()
    document["packages"][1]["externalRefs"][1]["referenceLocator"] = "pkg:maven"
    inventory = read_spdx(orjson.dumps(document))
    log4j = by_ref(inventory)["SPDXRef-log4j"]
    assert (log4j.purl, log4j.group) == ("pkg:maven", None)
    assert len(inventory.warnings) == 1
    assert "SPDXRef-log4j" in inventory.warnings[0]
    assert "'pkg:maven'" in inventory.warnings[0]


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("syntax", "data", "kind", "expected"),
    [
        (
            "json",
            b'{"spdxVersion": "SPDX-2.3", "packages": [',
            SbomSyntaxError,
            "Malformed SPDX JSON",
        ),
        ("json", b"[1, 2]", UnsupportedSbom, "object at the top level, not list"),
        ("yaml", b"spdxVersion: SPDX-2.3\npackages: [\n", SbomSyntaxError, "Malformed SPDX YAML"),
        (
            "yaml",
            b"spdxVersion: SPDX-2.3\n---\nspdxVersion: SPDX-2.3\n",
            SbomSyntaxError,
            "Malformed",
        ),
        ("yaml", b"spdxVersion: \xff\n", SbomSyntaxError, "SPDX YAML is not UTF-8"),
        (
            "xml",
            b"<Document><spdxVersion>SPDX-2.3</Document>",
            SbomSyntaxError,
            "Malformed SPDX XML",
        ),
        (
            "xml",
            b"<bom><spdxVersion>SPDX-2.3</spdxVersion></bom>",
            UnsupportedSbom,
            "not <Document>",
        ),
        (
            "tv",
            b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nNonsense here\n",
            SbomError,
            "parsed",
        ),
        ("tv", b"DataLicense: CC0-1.0\n", UnsupportedSbom, "Unsupported spdxVersion None"),
        (
            "json",
            b'{"spdxVersion": "SPDX-2.3", "packages": {}}',
            SbomError,
            "packages must be a list",
        ),
        (
            "rdf",
            b"",
            UnsupportedSbom,
            "Unknown SPDX syntax 'rdf': expected one of json, yaml, xml, tv",
        ),
    ],
)
def test_malformed_documents(
    syntax: str, data: bytes, kind: type[SbomError], expected: str
) -> None:
    assert expected in refused(data, syntax, kind)


MAKERS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "json": orjson.dumps,
    "yaml": as_yaml,
    "xml": as_xml,
}


def spdx_tools_complete(document: dict[str, Any]) -> dict[str, Any]:
    """Fields spdx-tools requires, so that its messages are about the point of the test."""
    return {
        "dataLicense": "CC0-1.0",
        "name": "doc",
        "documentNamespace": "https://example.org/doc",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: t"]},
    } | document


@pytest.mark.parametrize("make", [orjson.dumps, as_yaml, as_xml], ids=["json", "yaml", "xml"])
@pytest.mark.parametrize(
    ("package", "expected"),
    [
        (
            {"name": "lonely", "downloadLocation": "NOASSERTION"},
            "packages[0] (name 'lonely') has no SPDXID",
        ),
        (
            {"SPDXID": "SPDXRef-x", "downloadLocation": "NOASSERTION"},
            "Package SPDXRef-x (packages[0]) has no name",
        ),
        ({"SPDXID": "", "name": "x", "downloadLocation": "NOASSERTION"}, "has no SPDXID"),
    ],
)
def test_package_without_identity(make: Any, package: dict[str, Any], expected: str) -> None:
    document = spdx_tools_complete(
        {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [package]}
    )
    assert expected in refused(make(document))


def test_tag_value_package_without_spdxid() -> None:
    data = RICH_TAG_VALUE.replace(b"SPDXID: SPDXRef-log4j-api\n", b"")
    message = refused(data)
    assert "Package" in message and "spdx_id" in message


@pytest.mark.parametrize("version", ["SPDX-2.1", "SPDX-3.0", "2.3", ""])
@pytest.mark.parametrize("syntax", ["json", "yaml", "xml", "tv"])
def test_unsupported_versions(syntax: str, version: str) -> None:
    if syntax == "tv":
        data = RICH_TAG_VALUE.replace(b"SPDX-2.3", version.encode(), 1)
    else:
        document = rich_document() | {"spdxVersion": version}
        data = MAKERS[syntax](document)
    message = refused(data, syntax, UnsupportedSbom)
    assert "Unsupported spdxVersion" in message
    assert "depvault reads SPDX-2.2 and SPDX-2.3" in message


def test_spdx_3_is_named() -> None:
    document = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}
    message = refused(orjson.dumps(document), "json", UnsupportedSbom)
    assert "SPDX 3 documents are not supported" in message
    assert "spdxVersion is missing" in refused(b'{"packages": []}', "json", UnsupportedSbom)


@pytest.mark.parametrize("make", [orjson.dumps, as_yaml, as_xml], ids=["json", "yaml", "xml"])
def test_wrong_field_types_and_values(make: Any) -> None:
    document = rich_document()
    document["packages"][1]["checksums"][0]["algorithm"] = "SHA0"
    message = refused(make(document))
    assert "SHA0" in message
    document = rich_document()
    document["relationships"][1]["relationshipType"] = "LIKES"
    assert "LIKES" in refused(make(document))
    document = rich_document()
    document["packages"].append(copy.deepcopy(document["packages"][1]))
    assert "Two packages have the SPDXID 'SPDXRef-log4j'" in refused(make(document))


def test_wrong_types_from_json_and_yaml() -> None:
    document = rich_document()
    document["packages"][1]["versionInfo"] = 2.17
    assert "Package SPDXRef-log4j: versionInfo must be a string, not float" in refused(
        orjson.dumps(document)
    )
    assert "cannot be parsed" in refused(as_yaml(document))
    document = rich_document()
    document["packages"][1]["externalRefs"] = {"referenceType": "purl"}
    assert "externalRefs must be a list of objects" in refused(orjson.dumps(document))
    assert "cannot be parsed" in refused(as_yaml(document))


def test_many_spdx_tools_messages_are_trimmed() -> None:
    document = spdx_tools_complete({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"})
    document["packages"] = [
        {
            "SPDXID": f"SPDXRef-{i}",
            "name": f"p{i}",
            "downloadLocation": "NOASSERTION",
            "builtDate": f"{i} " + "x" * 1000,
        }
        for i in range(12)
    ]
    message = refused(as_yaml(document))
    assert message.startswith("SPDX document cannot be parsed: ")
    assert "(and 7 more)" in message
    assert len(message) < 2000


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_xml_entities_are_refused_and_never_read(tmp_path: Path, encoding: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<!DOCTYPE Document [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>\n'
        "<Document><spdxVersion>SPDX-2.3</spdxVersion>"
        "<packages><SPDXID>SPDXRef-a</SPDXID><name>&leak;</name></packages></Document>"
    ).encode(encoding)
    message = refused(xml, "xml", UnsafeXml)
    assert "DOCTYPE is refused" in message
    assert "TOP-SECRET" not in message


def test_xml_billion_laughs_is_refused() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    xml = f"<!DOCTYPE Document [{entities}]><Document><name>&l9;</name></Document>"
    assert "DOCTYPE is refused" in refused(xml.encode(), "xml", UnsafeXml)


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    data = f'spdxVersion: SPDX-2.3\nx: !!python/object/apply:os.mkdir ["{marker}"]\n'.encode()
    assert "could not determine a constructor" in refused(data, "yaml")
    assert not marker.exists()
    assert "Malformed SPDX YAML" in refused(b"spdxVersion: !!python/object:builtins.dict {}\n")


def test_yaml_aliases_are_refused() -> None:
    data = b"spdxVersion: SPDX-2.3\na: &a [x, x, x]\nb: [*a, *a, *a]\n"
    assert "aliases is refused" in refused(data, "yaml")


@pytest.mark.parametrize(
    ("syntax", "data"),
    [
        ("json", b"[" * 100_000),
        ("json", b'{"spdxVersion": "SPDX-2.3", "x": ' + b"[" * 100_000),
        ("yaml", b"spdxVersion: SPDX-2.3\nx: " + b"[" * 100_000),
        ("yaml", b"".join(b" " * i + b"k:\n" for i in range(2000))),
        ("xml", b"<Document>" + b"<a>" * 100_000),
        ("xml", b"<Document>" + b"<a>" * 1_000 + b"</a>" * 1_000 + b"</Document>"),
    ],
)
def test_absurd_nesting_is_a_clean_error(syntax: str, data: bytes) -> None:
    refused(data, syntax)


SYNTAX_OR_SNIFF = st.sampled_from([None, "json", "yaml", "xml", "tv"])


@settings(deadline=None, max_examples=150)
@given(data=st.binary(max_size=400), syntax=SYNTAX_OR_SNIFF)
def test_arbitrary_bytes_raise_only_sbom_error(data: bytes, syntax: str | None) -> None:
    with contextlib.suppress(SbomError):
        read_spdx(data, syntax)


# Keys and text that XML can carry, so that as_xml never fails before read_spdx runs.
KEYS = st.sampled_from(
    [
        "algorithm",
        "checksumValue",
        "referenceCategory",
        "referenceType",
        "referenceLocator",
        "spdxElementId",
        "relationshipType",
        "relatedSpdxElement",
        "x",
    ]
)
TEXT = st.text(alphabet="abc SPDXRef-:/@1.", max_size=12) | st.sampled_from(
    ["SHA1", "purl", "PACKAGE-MANAGER", "DEPENDS_ON", "NOASSERTION", "SPDXRef-app", "pkg:npm/x@1"]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
PACKAGE_FIELDS = st.sampled_from(
    [
        "SPDXID",
        "name",
        "versionInfo",
        "checksums",
        "externalRefs",
        "licenseDeclared",
        "copyrightText",
        "homepage",
        "downloadLocation",
        "hasFiles",
        "filesAnalyzed",
    ]
)


@settings(deadline=None, max_examples=100)
@given(
    field_values=st.dictionaries(PACKAGE_FIELDS, JSON_VALUES, max_size=4),
    relationships=JSON_VALUES,
    make=st.sampled_from([orjson.dumps, as_yaml, as_xml]),
)
def test_nearly_valid_documents_raise_only_sbom_error(
    field_values: dict[str, Any], relationships: Any, make: Any
) -> None:
    document = rich_document()
    document["packages"][1].update(field_values)
    document["relationships"].append(relationships)
    with contextlib.suppress(SbomError):
        read_spdx(make(document))

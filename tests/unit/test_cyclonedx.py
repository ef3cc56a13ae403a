"""CycloneDX readers: the real SBOMs of ``shared/data/sbom`` (facts counted independently
with json/lxml), the mapping rules on small documents, the errors, XML safety, agreement
with cyclonedx-python-lib's validators, the time budget, and bytes that never crash."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from depvault.domain.inventory import Component, Inventory
from depvault.ingest.cyclonedx.reader import (
    read_cyclonedx_json,
    read_cyclonedx_xml,
    sniff_cyclonedx,
)
from depvault.ingest.errors import (
    SbomError,
    SbomSchemaError,
    SbomSyntaxError,
    UnsafeXml,
    UnsupportedSbom,
)
from tests.data_files import DATA

SBOM_DIR = DATA / "sbom"

KEYCLOAK = "keycloak-10.0.2.cdx.json"
JUICE_SHOP = "juice-shop-npm.cdx-1.4.json"
LARAVEL = "laravel-7.12.0.cdx-1.4.json"
DROPWIZARD = "dropwizard-1.3.15.cdx.xml"
NS12 = "{http://cyclonedx.org/schema/bom/1.2}"


def sbom(name: str) -> bytes:
    path = SBOM_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: DEPVAULT_SHARED_DATA names another data folder")
    return path.read_bytes()


def walk(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from walk(component.get("components", []))


def by_ref(inventory: Inventory) -> dict[str, Component]:
    return {c.ref: c for c in inventory.components}


def max_depth(direct: list[str], edges: set[tuple[str, str]]) -> int:
    """Depth of the tree hung from ``direct`` (1) along ``edges``, each node at its
    shallowest level (the graph may have cycles)."""
    children: dict[str, list[str]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    depth = dict.fromkeys(direct, 1)
    queue = deque(direct)
    while queue:
        node = queue.popleft()
        for child in children.get(node, ()):
            if child not in depth:
                depth[child] = depth[node] + 1
                queue.append(child)
    return max(depth.values())


# --- the real documents ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "top_level", "flattened", "source_format"),
    [
        (KEYCLOAK, 903, 903, "CycloneDX 1.2 JSON"),
        (JUICE_SHOP, 837, 1115, "CycloneDX 1.4 JSON"),
        (LARAVEL, 62, 62, "CycloneDX 1.4 JSON"),
    ],
)
def test_json_component_counts(
    name: str, top_level: int, flattened: int, source_format: str
) -> None:
    data = sbom(name)
    document = json.loads(data)
    assert len(document["components"]) == top_level
    assert len(list(walk(document["components"]))) == flattened
    inventory = read_cyclonedx_json(data)
    assert len(inventory.components) == flattened
    assert [c.ref for c in inventory.components] == [
        c["bom-ref"] for c in walk(document["components"])
    ]
    assert inventory.source_format == source_format
    assert inventory.warnings == ()


def test_xml_component_count() -> None:
    data = sbom(DROPWIZARD)
    root = etree.fromstring(data)
    elements = root.findall(f"{NS12}components/{NS12}component")
    assert len(elements) == len(list(root.iter(f"{NS12}component"))) - 1 == 167
    inventory = read_cyclonedx_xml(data)
    assert [c.ref for c in inventory.components] == [e.get("bom-ref") for e in elements]
    assert inventory.source_format == "CycloneDX 1.2 XML"
    assert inventory.tool == "CycloneDX Maven plugin 2.0.2"


def test_keycloak_maven_component() -> None:
    inventory = read_cyclonedx_json(sbom(KEYCLOAK))
    purl = "pkg:maven/org.bouncycastle/bcprov-jdk15on@1.62?type=jar"
    bcprov = by_ref(inventory)[purl]
    assert (bcprov.group, bcprov.name, bcprov.version) == (
        "org.bouncycastle",
        "bcprov-jdk15on",
        "1.62",
    )
    assert (bcprov.purl, bcprov.packaging, bcprov.classifier) == (purl, "jar", None)
    assert bcprov.licenses == ("Bouncy Castle Licence",)
    assert bcprov.sha1 == "633b6739ef8f07f2e71f8eebd1c6f25b17a4ec7d"
    assert [algorithm for algorithm, _ in bcprov.hashes] == [
        "MD5",
        "SHA-1",
        "SHA-256",
        "SHA-384",
        "SHA-512",
        "SHA3-256",
        "SHA3-384",
        "SHA3-512",
    ]
    assert bcprov.references == (
        ("issueUrl", "https://github.com/bcgit/bc-java/issues"),
        ("scmUrl", "https://github.com/bcgit/bc-java"),
    )
    assert inventory.tool == "CycloneDX Maven plugin 2.0.2"


def test_keycloak_graph_has_no_root_entry() -> None:
    """keycloak-parent (the root) has no dependencies entry: nothing is declared direct,
    and the components no edge reaches hang under the project."""
    data = sbom(KEYCLOAK)
    document = json.loads(data)
    pairs = {(d["ref"], c) for d in document["dependencies"] for c in d.get("dependsOn", [])}
    inventory = read_cyclonedx_json(data)
    assert inventory.direct == ()
    assert set(inventory.edges) == pairs
    reached = {child for _, child in pairs}
    orphans = [c["bom-ref"] for c in document["components"] if c["bom-ref"] not in reached]
    assert inventory.direct_refs() == orphans
    assert len(orphans) == 175


def test_juice_shop_graph() -> None:
    data = sbom(JUICE_SHOP)
    document = json.loads(data)
    root = document["metadata"]["component"]["bom-ref"]
    entries = {d["ref"]: d.get("dependsOn", []) for d in document["dependencies"]}
    direct = entries.pop(root)
    pairs = {(ref, child) for ref, children in entries.items() for child in children}
    inventory = read_cyclonedx_json(data)
    assert list(inventory.direct) == direct
    assert len(direct) == 71
    assert inventory.direct_refs() == direct  # every other component is reached by an edge
    # Every component has an entry, so nesting (npm's node_modules layout) adds no edge.
    assert set(inventory.edges) == pairs
    assert len(inventory.edges) == len(pairs)
    assert max_depth(inventory.direct_refs(), set(inventory.edges)) == max_depth(direct, pairs)


def test_juice_shop_components() -> None:
    inventory = by_ref(read_cyclonedx_json(sbom(JUICE_SHOP)))
    parser = inventory["@babel/helper-string-parser@7.19.4"]
    assert (
        parser.purl
        == "pkg:npm/%40babel/helper-string-parser@7.19.4#packages/babel-helper-string-parser"
    )
    assert (parser.group, parser.name, parser.version) == (
        "@babel",
        "helper-string-parser",
        "7.19.4",
    )
    assert parser.licenses == ("MIT",)
    assert parser.hashes[0][0] == "SHA-512" and parser.sha1 is None
    assert parser.references == (
        (
            "downloadUrl",
            "https://registry.npmjs.org/@babel/helper-string-parser/-/helper-string-parser-7.19.4.tgz",
        ),
        ("issueUrl", "https://github.com/babel/babel/issues"),
        ("scmUrl", "git+https://github.com/babel/babel.git#packages/babel-helper-string-parser"),
        ("homePage", "https://babel.dev/docs/en/next/babel-helper-string-parser"),
    )
    assert inventory["atob@2.1.2"].licenses == ("(MIT OR Apache-2.0)",)
    assert inventory["@gar/promisify@1.1.3"].scope == "optional"
    nested = inventory["@mapbox/node-pre-gyp@1.0.10|ansi-regex@5.0.1"]
    assert nested.purl == "pkg:npm/ansi-regex@5.0.1"


def test_juice_shop_tools() -> None:
    inventory = read_cyclonedx_json(sbom(JUICE_SHOP))
    assert inventory.tool == "cyclonedx-library 1.13.3, cyclonedx-npm 1.9.2"


def test_laravel() -> None:
    inventory = read_cyclonedx_json(sbom(LARAVEL))
    assert inventory.direct == ("laravel/laravel-7.12.0.0",)
    assert inventory.direct_refs() == ["laravel/laravel-7.12.0.0"]
    cors = by_ref(inventory)["asm89/stack-cors-1.3.0.0"]
    assert (cors.purl, cors.licenses, cors.packaging) == (
        "pkg:composer/asm89/stack-cors@1.3.0",
        ("MIT",),
        None,
    )
    assert [kind for kind, _ in cors.references] == [
        "downloadUrl",
        "scmUrl",
        "homePage",
        "issueUrl",
        "scmUrl",
    ]
    assert inventory.tool == "cyclonedx-php-composer in-dev"


def test_dropwizard_xml() -> None:
    data = sbom(DROPWIZARD)
    root = etree.fromstring(data)
    pairs = {
        (entry.get("ref"), child.get("ref"))
        for entry in root.iterfind(f"{NS12}dependencies/{NS12}dependency")
        for child in entry.iterfind(f"{NS12}dependency")
    }
    inventory = read_cyclonedx_xml(data)
    assert set(inventory.edges) == pairs
    purl = "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar"
    annotations = by_ref(inventory)[purl]
    assert (annotations.name, annotations.purl, annotations.packaging) == (
        "jackson-annotations",
        purl,
        "jar",
    )
    assert annotations.description == (
        "Core annotations used for value types, used by Jackson data binding package."
    )
    assert annotations.scope == "required"
    assert annotations.licenses == ("Apache-2.0",)
    assert annotations.sha1 == "53ab2f0f92e87ea4874c8c6997335c211d81e636"
    assert len(annotations.hashes) == 8
    assert annotations.references[0] == (
        "scmUrl",
        "http://github.com/FasterXML/jackson-annotations",
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (KEYCLOAK, "json"),
        (JUICE_SHOP, "json"),
        (DROPWIZARD, "xml"),
        ("examplemaven-0.0.1.spdx-2.3.json", None),
        ("example6-lib.spdx-2.2.tv", None),
    ],
)
def test_sniff_real_files(name: str, expected: str | None) -> None:
    assert sniff_cyclonedx(sbom(name)) == expected


# --- mapping rules on small documents -------------------------------------------------


def cdx_json(version: str = "1.4", **fields: Any) -> bytes:
    return orjson.dumps({"bomFormat": "CycloneDX", "specVersion": version, "version": 1, **fields})


def test_generated_refs_and_graph_warnings() -> None:
    data = cdx_json(
        "1.5",
        metadata={"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        components=[
            {"type": "library", "name": "a", "version": "1", "bom-ref": "x"},
            {"type": "library", "name": "b", "version": "2", "bom-ref": "x"},
            {"type": "library", "name": "c", "version": "3"},
            {"type": "library", "name": "d", "purl": "pkg:npm/d@4"},
        ],
        dependencies=[
            {"ref": "app", "dependsOn": ["x", "gone"]},
            {"ref": "x", "dependsOn": ["c@3#2"]},
            {"ref": "ghost", "dependsOn": ["x"]},
        ],
    )
    inventory = read_cyclonedx_json(data)
    assert [c.ref for c in inventory.components] == ["x", "b@2#1", "c@3#2", "pkg:npm/d@4#3"]
    assert inventory.direct == ("x",)
    assert inventory.edges == ()  # "c@3#2" is generated, the document cannot name it
    assert inventory.warnings == (
        "2 components without a bom-ref got generated refs ('c', 'd')",
        "1 component repeating a bom-ref got generated refs ('x'); "
        "the first holder of a bom-ref keeps it",
        "1 dependencies entry naming no component dropped ('ghost')",
        "2 dependsOn refs naming no component dropped ('gone', 'c@3#2')",
    )


def test_nesting_is_an_edge_only_where_the_graph_is_silent() -> None:
    nested = {
        "type": "library",
        "name": "outer",
        "bom-ref": "outer",
        "components": [
            {
                "type": "library",
                "name": "inner",
                "bom-ref": "inner",
                "components": [
                    {"type": "file", "name": "leaf", "bom-ref": "leaf"},
                ],
            },
        ],
    }
    silent = read_cyclonedx_json(cdx_json(components=[nested]))
    assert [c.ref for c in silent.components] == ["outer", "inner", "leaf"]
    assert silent.edges == (("outer", "inner"), ("inner", "leaf"))
    assert silent.direct_refs() == ["outer"]
    described = read_cyclonedx_json(
        cdx_json(components=[nested], dependencies=[{"ref": "outer", "dependsOn": []}])
    )
    assert described.edges == (("inner", "leaf"),)
    assert described.direct_refs() == ["outer", "inner"]


def test_maven_qualifiers_hashes_and_copyright() -> None:
    component = {
        "type": "library",
        "group": "g",
        "name": "a",
        "version": "1",
        "purl": "pkg:maven/g/a@1?classifier=tests&type=test-jar",
        "hashes": [{"alg": "SHA-1", "content": "0123456789ABCDEF0123456789ABCDEF01234567"}],
        "licenses": [{"license": {"name": "Custom"}}, {"license": {"id": "MIT"}}],
        "copyright": "(c) Someone",
        "externalReferences": [
            {"type": "website", "url": "https://a.example"},
            {"type": "documentation", "url": "https://docs.example"},
        ],
    }
    (read,) = read_cyclonedx_json(cdx_json(components=[component])).components
    assert (read.packaging, read.classifier) == ("test-jar", "tests")
    assert read.hashes == (("SHA-1", "0123456789abcdef0123456789abcdef01234567"),)
    assert read.licenses == ("Custom", "MIT")
    assert read.copyrights == ("(c) Someone",)
    assert read.references == (("homePage", "https://a.example"),)


def test_tools_of_1_5_and_skipped_parts() -> None:
    data = cdx_json(
        "1.5",
        metadata={
            "tools": {"components": [{"type": "application", "name": "cdxgen", "version": "9.8"}]},
            "component": {
                "type": "application",
                "name": "app",
                "components": [{"type": "library", "name": "module"}],
            },
        },
        components=[{"type": "container", "name": "image", "bom-ref": "image"}],
        services=[{"name": "api"}],
    )
    inventory = read_cyclonedx_json(data)
    assert inventory.tool == "cdxgen 9.8"
    assert [c.name for c in inventory.components] == ["image"]  # every type is kept
    assert inventory.warnings == (
        "1 component nested in metadata.component not imported: "
        "they are parts of the project itself",
        "1 service not imported: not components",
    )


XML_16 = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root is fine -->
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <metadata>
    <tools><components>
      <component type="application"><name>cdxgen</name><version>10.0</version></component>
    </components></tools>
    <component type="application" bom-ref="root"><name>app</name></component>
  </metadata>
  <components>
    <component type="library" bom-ref="a">
      <group>g</group><name>a</name><version>1</version>
      <hashes><hash alg="SHA-1">
        0123456789ABCDEF0123456789ABCDEF01234567
      </hash></hashes>
      <licenses><expression>MIT OR Apache-2.0</expression></licenses>
      <copyright>(c) A</copyright>
      <purl>pkg:maven/g/a@1?type=test-jar&amp;classifier=tests</purl>
      <externalReferences>
        <reference type="vcs"><url>https://git.example/a</url><comment>x</comment></reference>
      </externalReferences>
      <components>
        <component type="file" bom-ref="a-inner"><name>inner</name></component>
      </components>
    </component>
    <component type="library"><name>b</name><version>2</version>
      <licenses><license><name>Custom</name></license></licenses>
    </component>
  </components>
  <services><service><name>api</name></service></services>
  <dependencies>
    <dependency ref="root"><dependency ref="a"/><dependency ref="missing"/></dependency>
  </dependencies>
</bom>
"""


def test_xml_1_6_mapping() -> None:
    inventory = read_cyclonedx_xml(XML_16)
    a, inner, b = inventory.components
    assert (a.ref, a.group, a.name, a.version) == ("a", "g", "a", "1")
    assert a.hashes == (("SHA-1", "0123456789abcdef0123456789abcdef01234567"),)
    assert (a.licenses, a.copyrights) == (("MIT OR Apache-2.0",), ("(c) A",))
    assert (a.purl, a.packaging, a.classifier) == (
        "pkg:maven/g/a@1?type=test-jar&classifier=tests",
        "test-jar",
        "tests",
    )
    assert a.references == (("scmUrl", "https://git.example/a"),)
    assert (inner.ref, inner.name) == ("a-inner", "inner")
    assert (b.ref, b.licenses) == ("b@2#2", ("Custom",))
    assert inventory.direct == ("a",)
    assert inventory.edges == (("a", "a-inner"),)
    assert inventory.direct_refs() == ["a", "b@2#2"]
    assert inventory.tool == "cdxgen 10.0"
    assert inventory.source_format == "CycloneDX 1.6 XML"
    assert "1 service not imported: not components" in inventory.warnings
    assert any("'missing'" in warning for warning in inventory.warnings)


# --- errors ---------------------------------------------------------------------------


def error_of(reader: Any, data: bytes) -> SbomError:
    with pytest.raises(SbomError) as caught:
        reader(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b'{"bomFormat": ', SbomSyntaxError, "not valid JSON: "),
        (b"", SbomSyntaxError, "not valid JSON: "),
        (
            b"[1, 2]",
            UnsupportedSbom,
            "not a CycloneDX document: the JSON value is an array, not an object",
        ),
        (b'{"spdxVersion": "SPDX-2.3"}', UnsupportedSbom, "not a CycloneDX document: no bomFormat"),
        (
            b'{"bomFormat": "SPDX"}',
            UnsupportedSbom,
            "not a CycloneDX document: bomFormat is 'SPDX', not 'CycloneDX'",
        ),
        (
            b'{"bomFormat": "CycloneDX"}',
            UnsupportedSbom,
            "CycloneDX JSON document has no specVersion",
        ),
        (
            cdx_json("1.9"),
            UnsupportedSbom,
            "CycloneDX version '1.9' is not supported: expected one of 1.2, 1.3, 1.4, 1.5, 1.6",
        ),
        (cdx_json("1.1"), UnsupportedSbom, "CycloneDX version '1.1' is not supported"),
        (
            b'{"bomFormat": "CycloneDX", "specVersion": 1.4}',
            UnsupportedSbom,
            "specVersion must be a string such as '1.4', not 1.4",
        ),
        (b"[" * 10_000 + b"]" * 10_000, SbomSyntaxError, "not valid JSON: depth limit exceeded"),
    ],
)
def test_json_errors(data: bytes, kind: type[SbomError], message: str) -> None:
    error = error_of(read_cyclonedx_json, data)
    assert type(error) is kind
    assert error.message.startswith(message)


def test_missing_name_names_the_path() -> None:
    document = json.loads(sbom(JUICE_SHOP))
    del document["components"][12]["name"]
    error = error_of(read_cyclonedx_json, orjson.dumps(document))
    assert isinstance(error, SbomSchemaError)
    assert error.message == (
        "CycloneDX 1.4 JSON does not follow its schema: "
        "components[12].name: required property missing"
    )
    assert (error.path, error.reason) == ("components[12].name", "required property missing")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(extra=1), "components[0]: unexpected properties 'extra'"),
        (
            lambda c: c["hashes"][0].update(alg="SHA-9"),
            "components[0].hashes[0].alg: 'SHA-9' is not one of 'MD5', ",
        ),
        (
            lambda c: c.update(licenses=[{"license": {"id": "No-Such"}}]),
            "components[0].licenses[0].license.id: 'No-Such' is not one of ",
        ),
        (  # a bad format beside a structure error: the structure error refuses it
            lambda c: c.update(
                name=7, externalReferences=[{"type": "vcs", "url": "http://a b/<>"}]
            ),
            "components[0].name: 7 is not of type string",
        ),
        (lambda c: c.update(name=7), "components[0].name: 7 is not of type string"),
    ],
)
def test_schema_errors_say_where_and_what(change: Any, message: str) -> None:
    component = {
        "type": "library",
        "name": "a",
        "version": "1",
        "hashes": [{"alg": "MD5", "content": "0" * 32}],
    }
    change(component)
    error = error_of(read_cyclonedx_json, cdx_json(components=[component]))
    assert isinstance(error, SbomSchemaError)
    assert error.message.startswith("CycloneDX 1.4 JSON does not follow its schema: " + message)


def test_values_breaking_only_a_format_are_dropped_and_named() -> None:
    """A Maven-built SBOM's ``${project.artifactId}`` URL: the reference goes, the
    component stays, and the inventory says what was dropped."""
    component = {
        "type": "library",
        "name": "a",
        "version": "1",
        "externalReferences": [
            {"type": "vcs", "url": "http://a b/<>"},
            {"type": "website", "url": "https://example.org/a"},
        ],
    }
    inventory = read_cyclonedx_json(cdx_json(components=[component]))
    [read] = inventory.components
    assert read.name == "a"
    assert inventory.dropped == ("components[0].externalReferences[0].url: 'http://a b/<>'",)


def test_xml_schema_error_names_the_element() -> None:
    data = sbom(DROPWIZARD).replace(b"<name>jackson-annotations</name>", b"", 1)
    error = error_of(read_cyclonedx_xml, data)
    assert isinstance(error, SbomSchemaError)
    assert error.path == "line 41 /bom/components/component[1]/version"
    assert error.reason == "Element 'version': This element is not expected. Expected is ( name )."


def test_xml_hash_pattern_is_checked() -> None:
    good = b'<hash alg="MD5">26c2b6f7bc704ccadc64c83995e0ff7f</hash>'
    data = sbom(DROPWIZARD).replace(good, good.replace(b"7f<", b"7<"), 1)
    error = error_of(read_cyclonedx_xml, data)
    assert isinstance(error, SbomSchemaError)
    assert error.message == (
        "CycloneDX 1.2 XML does not follow its schema: line 47 "
        "/bom/components/component[1]/hashes/hash[1]: '26c2b6f7bc704ccadc64c83995e0ff7' "
        "is not a hash value: 32, 40, 64, 96 or 128 hex digits"
    )


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b"<bom", SbomSyntaxError, "not well-formed XML: "),
        (b"", SbomSyntaxError, "not well-formed XML: "),
        (
            b"<a>" * 10_000 + b"</a>" * 10_000,
            SbomSyntaxError,
            "not well-formed XML: Excessive depth",
        ),
        (
            b"<bom>&undeclared;</bom>",
            SbomSyntaxError,
            "not well-formed XML: Entity 'undeclared' not defined",
        ),
        (b"<foo/>", UnsupportedSbom, "not a CycloneDX document: the root element is 'foo'"),
        (
            b'<bom xmlns="http://cyclonedx.org/schema/bom/1.1"/>',
            UnsupportedSbom,
            "CycloneDX version '1.1' is not supported",
        ),
        (
            b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><x/></bom>',
            SbomSchemaError,
            "CycloneDX 1.6 XML does not follow its schema: line 1 /bom/x: Element 'x': ",
        ),
    ],
)
def test_xml_errors(data: bytes, kind: type[SbomError], message: str) -> None:
    error = error_of(read_cyclonedx_xml, data)
    assert type(error) is kind
    assert error.message.startswith(message)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE bom [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>
<component type="library"><name>&lol9;</name></component></components></bom>"""


def with_entity(uri: str, encoding: str = "utf-8") -> bytes:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<!DOCTYPE bom [<!ENTITY xxe SYSTEM "{uri}">]>\n'
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>'
        '<component type="library"><name>&xxe;</name></component></components></bom>'
    )
    return text.encode(encoding)


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        with_entity("file:///etc/passwd"),
        with_entity("file:///etc/passwd", "utf-16"),  # past the byte check: the tree's docinfo
        b'<?xml version="1.0"?>\n<!DOCTYPE bom SYSTEM "file:///etc/passwd">\n'
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>',
        b'\xef\xbb\xbf<!-- c --><?pi x?>\n<!DOCTYPE bom><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>',
    ],
    ids=["billion-laughs", "external-entity", "external-entity-utf16", "external-dtd", "plain"],
)
def test_doctype_is_refused(data: bytes) -> None:
    error = error_of(read_cyclonedx_xml, data)
    assert type(error) is UnsafeXml
    assert error.message == "XML documents with a DOCTYPE are refused"
    assert sniff_cyclonedx(data) == "xml"  # so that read_sbom says why it refuses


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_entity_is_never_opened(tmp_path: Path, encoding: str) -> None:
    """A FIFO blocks whoever opens it for reading until a writer comes: if the reader (or
    the sniffer) tried to read the entity, it would hang here."""
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    data = with_entity(fifo.as_uri(), encoding)
    outcome: list[object] = []

    def read() -> None:
        outcome.append(sniff_cyclonedx(data))
        try:
            read_cyclonedx_xml(data)
        except SbomError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():
        with open(fifo, "w"):  # let the blocked open return, then fail
            pass
        reader.join(timeout=5)
        pytest.fail("the external entity was opened")
    assert outcome[0] == "xml"
    assert isinstance(outcome[1], UnsafeXml)


def test_deeply_nested_components_are_read() -> None:
    """500 levels of components in components: about as deep as orjson goes (1,024)."""
    levels = 500
    opening = b"".join(
        b'{"type":"library","name":"n%d","bom-ref":"n%d","components":[' % (level, level)
        for level in range(levels)
    )
    data = b'{"bomFormat":"CycloneDX","specVersion":"1.4","components":['
    data += opening + b"]}" * levels + b"]}"
    inventory = read_cyclonedx_json(data)
    assert [c.ref for c in inventory.components] == [f"n{level}" for level in range(levels)]
    assert len(inventory.edges) == levels - 1
    assert max_depth(inventory.direct_refs(), set(inventory.edges)) == levels


def test_validation_survives_a_thread_with_a_small_stack() -> None:
    """jsonschema-rs recurses natively: on a 256 KiB thread stack, 500 nested components
    would crash the process, unless validation runs on a stack of its own."""
    script = """
import threading
from depvault.ingest.cyclonedx.reader import read_cyclonedx_json
from tests.data_files import DATA
data = (b'{"bomFormat":"CycloneDX","specVersion":"1.6","components":['
        + b'{"type":"library","name":"a","components":[' * 510 + b']}' * 510 + b']}')
threading.stack_size(256 * 1024)
found = []
thread = threading.Thread(target=lambda: found.append(len(read_cyclonedx_json(data).components)))
thread.start()
thread.join()
print(found[0])
"""
    done = subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "510"


# --- agreement with cyclonedx-python-lib's validators ---------------------------------

SCHEMA_VERSIONS = {
    "1.2": SchemaVersion.V1_2,
    "1.3": SchemaVersion.V1_3,
    "1.4": SchemaVersion.V1_4,
    "1.5": SchemaVersion.V1_5,
    "1.6": SchemaVersion.V1_6,
}


def small_document(version: str) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": version,
        "version": 1,
        "components": [
            {
                "type": "library",
                "bom-ref": "a",
                "name": "a",
                "version": "1.0",
                "hashes": [{"alg": "SHA-1", "content": "0123456789abcdef0123456789abcdef01234567"}],
                "licenses": [{"license": {"id": "MIT"}}],
                "purl": "pkg:npm/a@1.0",
            }
        ],
        "dependencies": [{"ref": "a", "dependsOn": []}],
    }


MUTATIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "valid": lambda d: None,
    "no name": lambda d: d["components"][0].pop("name"),
    "no version": lambda d: d["components"][0].pop("version"),
    "short hash": lambda d: d["components"][0]["hashes"][0].update(content="0123"),
    "unknown alg": lambda d: d["components"][0]["hashes"][0].update(alg="SHA-0"),
    "extra property": lambda d: d["components"][0].update(color="red"),
    "bad type": lambda d: d["components"][0].update(type="gadget"),
    "license name": lambda d: d["components"][0].update(licenses=[{"license": {"name": "X"}}]),
    "dependency without ref": lambda d: d["dependencies"][0].pop("ref"),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
@pytest.mark.parametrize("version", list(SCHEMA_VERSIONS))
def test_json_verdict_agrees_with_the_library(version: str, mutation: str) -> None:
    document = small_document(version)
    MUTATIONS[mutation](document)
    oracle = JsonStrictValidator(SCHEMA_VERSIONS[version]).validate_str(json.dumps(document))
    try:
        read_cyclonedx_json(orjson.dumps(document))
    except SbomSchemaError:
        assert oracle is not None
    else:
        assert oracle is None


def small_xml(version: str, component: str) -> bytes:
    return (
        f'<bom xmlns="http://cyclonedx.org/schema/bom/{version}" version="1"><components>'
        f'<component type="library" bom-ref="a">{component}</component>'
        "</components></bom>"
    ).encode()


XML_COMPONENTS = {
    "valid": '<name>a</name><version>1</version><hashes><hash alg="MD5">'
    "\n 0123456789ABCDEF0123456789abcdef \n</hash></hashes>",
    "no name": "<version>1</version>",
    "short hash": '<name>a</name><version>1</version><hashes><hash alg="MD5">0123</hash></hashes>',
    "spaced hash": '<name>a</name><version>1</version><hashes><hash alg="MD5">'
    "0123456789ABCDEF 0123456789abcdef</hash></hashes>",
    "unknown alg": '<name>a</name><version>1</version><hashes><hash alg="SHA-0">'
    "0123456789ABCDEF0123456789abcdef</hash></hashes>",
    "wrong order": "<version>1</version><name>a</name>",
}


@pytest.mark.parametrize("component", list(XML_COMPONENTS))
@pytest.mark.parametrize("version", list(SCHEMA_VERSIONS))
def test_xml_verdict_agrees_with_the_library(version: str, component: str) -> None:
    data = small_xml(version, XML_COMPONENTS[component])
    oracle = XmlValidator(SCHEMA_VERSIONS[version]).validate_str(data.decode())
    try:
        read_cyclonedx_xml(data)
    except SbomSchemaError:
        assert oracle is not None
    else:
        assert oracle is None


# --- large documents ------------------------------------------------------------------
# Their speed is measured by bench/bench_sbom_import.py (docs/performance.md), not asserted
# here: a timed assertion fails on a loaded machine and proves nothing on a quiet one.


def test_10k_component_json_reads_every_component() -> None:
    document = json.loads(sbom(JUICE_SHOP))
    flat = [{k: v for k, v in c.items() if k != "components"} for c in walk(document["components"])]
    components = [
        {**c, "name": f"{c['name']}-{index}", "bom-ref": f"{c['bom-ref']}#{index}"}
        for index, c in ((index, flat[index % len(flat)]) for index in range(10_000))
    ]
    document["components"] = components
    document["dependencies"] = [{"ref": c["bom-ref"], "dependsOn": []} for c in components]
    data = orjson.dumps(document)
    inventory = read_cyclonedx_json(data)
    assert len(inventory.components) == len({c.ref for c in inventory.components}) == 10_000


def test_10k_component_xml_reads_every_component() -> None:
    """Maven-style: eight hashes a component, which the XSD's pattern makes expensive."""
    root = etree.fromstring(sbom(DROPWIZARD))
    holder = root.find(f"{NS12}components")
    originals = [(etree.tostring(e), e.get("bom-ref"), e.findtext(f"{NS12}name")) for e in holder]
    holder.clear()
    root.remove(root.find(f"{NS12}dependencies"))
    head, tail = etree.tostring(root).split(b"<components/>")
    parts = [head, b"<components>"]
    for index in range(10_000):
        text, ref, name = originals[index % len(originals)]
        text = text.replace(f'bom-ref="{ref}"'.encode(), f'bom-ref="{ref}#{index}"'.encode())
        parts.append(text.replace(f"<name>{name}<".encode(), f"<name>{name}-{index}<".encode()))
    data = b"".join([*parts, b"</components>", tail])
    inventory = read_cyclonedx_xml(data)
    assert len(inventory.components) == len({c.ref for c in inventory.components}) == 10_000


# --- arbitrary input ------------------------------------------------------------------

SMALL_JSON = json.dumps(
    {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [{"type": "library", "name": "a", "bom-ref": "a"}],
        "dependencies": [{"ref": "a"}],
    }
).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_sbom_errors(data: bytes) -> None:
    sniff_cyclonedx(data)
    for reader in (read_cyclonedx_json, read_cyclonedx_xml):
        with contextlib.suppress(SbomError):
            reader(data)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_documents_raise_only_sbom_errors(data: st.DataObject) -> None:
    for original, reader in ((SMALL_JSON, read_cyclonedx_json), (XML_16, read_cyclonedx_xml)):
        mutated = bytearray(original)
        for _ in range(data.draw(st.integers(1, 4))):
            position = data.draw(st.integers(0, len(mutated) - 1))
            mutated[position] = data.draw(st.integers(0, 255))
        sniff_cyclonedx(bytes(mutated))
        with contextlib.suppress(SbomError):
            reader(bytes(mutated))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
component_keys = st.sampled_from(
    [
        "type",
        "name",
        "version",
        "bom-ref",
        "purl",
        "hashes",
        "licenses",
        "components",
        "scope",
        "externalReferences",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(list(SCHEMA_VERSIONS)),
    st.lists(st.dictionaries(component_keys, json_values, max_size=5), max_size=3),
    json_values,
)
def test_random_cyclonedx_shapes_raise_only_sbom_errors(
    version: str, components: list[dict[str, Any]], dependencies: Any
) -> None:
    with contextlib.suppress(SbomError):
        # json, not orjson: big integers must reach the reader too
        document = {"bomFormat": "CycloneDX", "specVersion": version, "version": 1}
        document |= {"components": components, "dependencies": dependencies}
        read_cyclonedx_json(json.dumps(document).encode())

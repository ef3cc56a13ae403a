"""The official libraries as oracles of an exported SBOM, whatever its standard and
syntax: each function parses (spdx-tools, cyclonedx-python-lib), validates, and answers
what the document states in one comparable shape.

spdx-tools reads JSON, YAML, XML and tag-value; it has no spreadsheet reader, so the
SPDX spreadsheet is read with openpyxl into the dict its JSON parser takes
(``JsonLikeDictParser``), column by column as the SPDX tools' sheets define them, and
validated like the others.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import orjson
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from lxml import etree
from ply import yacc  # type: ignore[import-untyped]
from spdx_tools.spdx.model import Document
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

__all__ = ["Stated", "cyclonedx_stated", "spdx_document", "spdx_stated"]

CDX_SCHEMAS = {"1.4": SchemaVersion.V1_4, "1.5": SchemaVersion.V1_5}
_SUFFIX = {"json": "spdx.json", "yaml": "spdx.yaml", "xml": "spdx.xml"}


@dataclass(frozen=True)
class Stated:
    """What an SBOM says of its libraries: purl → (license ids, advisory URLs)."""

    version: str
    libraries: dict[str, tuple[frozenset[str], frozenset[str]]]
    ids: dict[str, str]  # purl → the SPDX package id or CycloneDX bom-ref


def spdx_document(fmt: str, data: bytes, tmp_path: Path) -> Document:
    """The document spdx-tools reads from ``data`` in ``fmt``, fully validated."""
    if fmt == "tv":
        parser = TagValueParser(debug=False, write_tables=False, errorlog=yacc.NullLogger())
        document: Document = parser.parse(data.decode())
    elif fmt == "xlsx":
        document = JsonLikeDictParser().parse(spreadsheet_dict(data))
    else:
        path = tmp_path / f"{uuid.uuid4().hex}.{_SUFFIX[fmt]}"
        path.write_bytes(data)
        document = parse_file(str(path))
    problems = validate_full_spdx_document(document)
    assert not problems, [p.validation_message for p in problems[:5]]
    return document


def _sheet(book: Any, name: str) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(values_only=True))
    header = rows[0]
    # a read-only sheet's rows end at their last cell holding a value
    return [
        dict(zip(header, (*row, *[None] * (len(header) - len(row))), strict=True))
        for row in rows[1:]
    ]


def spreadsheet_dict(data: bytes) -> dict[str, Any]:
    """The SPDX spreadsheet as the JSON document's dict."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == [
        "Document Info",
        "Package Info",
        "External Refs",
        "Relationships",
        "Extracted License Info",
    ]
    [head, *more] = _sheet(book, "Document Info")
    refs: dict[str, list[dict[str, Any]]] = {}
    for ref in _sheet(book, "External Refs"):
        refs.setdefault(ref["Package ID"], []).append(
            {
                "referenceCategory": ref["Category"],
                "referenceType": ref["Type"],
                "referenceLocator": ref["Locator"],
            }
        )
    packages = []
    for row in _sheet(book, "Package Info"):
        package: dict[str, Any] = {
            "SPDXID": row["SPDX Identifier"],
            "name": row["Package Name"],
            "supplier": row["Package Supplier"],
            "downloadLocation": row["Package Download Location"],
            "filesAnalyzed": row["Package Verification Code"] is not None,
            "licenseDeclared": row["License Declared"],
            "licenseConcluded": row["License Concluded"],
            "copyrightText": row["Package Copyright Text"],
            "externalRefs": refs.get(row["SPDX Identifier"], []),
        }
        for key, column in (
            ("versionInfo", "Package Version"),
            ("packageFileName", "Package FileName"),
            ("description", "Description"),
        ):
            if row[column] is not None:
                package[key] = row[column]
        if row["Package Checksum"]:
            algorithm, value = row["Package Checksum"].split(": ")
            package["checksums"] = [{"algorithm": algorithm, "checksumValue": value}]
        packages.append(package)
    return {
        "spdxVersion": head["SPDX Version"],
        "dataLicense": head["Data License"],
        "SPDXID": head["SPDX Identifier"],
        "name": head["Document Name"],
        "documentNamespace": head["Document Namespace"],
        "creationInfo": {
            "created": head["Created"],
            "creators": [head["Creator"], *(row["Creator"] for row in more)],
        },
        "packages": packages,
        "relationships": [
            {
                "spdxElementId": row["SPDX Identifier A"],
                "relationshipType": row["Relationship"],
                "relatedSpdxElement": row["SPDX Identifier B"],
            }
            for row in _sheet(book, "Relationships")
        ],
        "hasExtractedLicensingInfos": [
            {
                "licenseId": row["Identifier"],
                "extractedText": row["Extracted Text"],
                "name": row["License Name"],
                "seeAlsos": (row["Cross Reference URLs"] or "").split(", ")
                if row["Cross Reference URLs"]
                else [],
            }
            for row in _sheet(book, "Extracted License Info")
        ],
    }


def _license_ids(expression: object) -> frozenset[str]:
    text = str(expression)
    if text in ("NOASSERTION", "NONE", "None"):
        return frozenset()
    words = text.replace("(", " ").replace(")", " ").split()
    return frozenset(w for w in words if w not in ("AND", "OR", "WITH"))


def spdx_stated(document: Document) -> Stated:
    """The libraries an SPDX document states, by purl."""
    libraries: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    ids: dict[str, str] = {}
    for package in document.packages:
        refs = package.external_references
        purls = [r.locator for r in refs if r.reference_type == "purl"]
        if not purls:
            continue
        advisories = frozenset(r.locator for r in refs if r.reference_type == "advisory")
        libraries[purls[0]] = (_license_ids(package.license_declared), advisories)
        ids[purls[0]] = package.spdx_id
    return Stated(document.creation_info.spdx_version, libraries, ids)


def cyclonedx_stated(fmt: str, version: str, data: bytes) -> Stated:
    """The libraries a CycloneDX document states, by purl, after the library's schema
    validator accepted it."""
    schema = CDX_SCHEMAS[version]
    if fmt == "json":
        problem = JsonStrictValidator(schema).validate_str(data.decode())
        assert problem is None, problem
        document = orjson.loads(data)
    else:
        problem = XmlValidator(schema).validate_str(data.decode())
        assert problem is None, problem
        document = _cyclonedx_xml_dict(data)
    affects: dict[str, set[str]] = {}
    for vulnerability in document.get("vulnerabilities", []):
        for target in vulnerability["affects"]:
            affects.setdefault(target["ref"], set()).add(vulnerability["source"]["url"])
    libraries: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    ids: dict[str, str] = {}
    for component in document["components"]:
        licenses: set[str] = set()
        for entry in component.get("licenses", []):
            if "expression" in entry:
                licenses |= _license_ids(entry["expression"])
            else:
                licenses.add(entry["license"].get("id") or entry["license"]["name"])
        ref = component["bom-ref"]
        libraries[component["purl"]] = (frozenset(licenses), frozenset(affects.get(ref, ())))
        ids[component["purl"]] = ref
    return Stated(document["specVersion"], libraries, ids)


def _cyclonedx_xml_dict(data: bytes) -> dict[str, Any]:
    """The parts of a CycloneDX XML document :func:`cyclonedx_stated` reads, in the
    JSON document's shape."""
    root = etree.fromstring(data)
    ns = {"c": root.nsmap[None]}
    components = []
    for element in root.findall("c:components/c:component", ns):
        licenses: list[dict[str, Any]] = []
        for expression in element.findall("c:licenses/c:expression", ns):
            licenses.append({"expression": expression.text})
        for license_ in element.findall("c:licenses/c:license", ns):
            given = license_.findtext("c:id", namespaces=ns)
            name = license_.findtext("c:name", namespaces=ns)
            licenses.append({"license": {"id": given} if given else {"name": name}})
        components.append(
            {
                "bom-ref": element.get("bom-ref"),
                "purl": element.findtext("c:purl", namespaces=ns),
                "licenses": licenses,
            }
        )
    vulnerabilities = [
        {
            "source": {"url": v.findtext("c:source/c:url", namespaces=ns)},
            "affects": [{"ref": r.text} for r in v.findall("c:affects/c:target/c:ref", ns)],
        }
        for v in root.findall("c:vulnerabilities/c:vulnerability", ns)
    ]
    version = root.nsmap[None].rsplit("/", 1)[-1]
    return {
        "specVersion": version,
        "components": components,
        "vulnerabilities": vulnerabilities,
    }

"""The CycloneDX XML writer against the library's XML schema validator (the oracle)."""

from __future__ import annotations

import io

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.xml import XmlValidator
from lxml import etree  # type: ignore[import-untyped]

from depvault.reports.sbom.cyclonedx_xml import CycloneDxXmlWriter

HEAD = {
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "version": 1,
    "metadata": {
        "timestamp": "2026-12-02T01:00:00Z",
        "tools": [{"vendor": "depvault", "name": "depvault"}],
        "component": {"type": "application", "name": "app", "bom-ref": "root"},
    },
}
COMPONENT = {
    "type": "library",
    "bom-ref": "k-1",
    "name": "left<pad>&",
    "group": "org.example",
    "version": "1.0",
    "description": "control \x01 characters \ufffe dropped",
    "hashes": [{"alg": "SHA-1", "content": "a" * 40}],
    "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "LicenseRef-own"}}],
    "purl": "pkg:maven/org.example/left-pad@1.0",
}
VULNERABILITY = {
    "bom-ref": "vuln-X",
    "id": "CVE-2023-1",
    "source": {"name": "OSV", "url": "https://osv.dev/vulnerability/X"},
    "description": "bad",
    "affects": [{"ref": "k-1"}],
    "ratings": [{"score": 9.8, "severity": "critical", "method": "CVSSv31", "vector": "AV:N"}],
}


@pytest.mark.parametrize(
    ("version", "schema"), [("1.4", SchemaVersion.V1_4), ("1.5", SchemaVersion.V1_5)]
)
def test_the_document_is_valid_and_holds_what_it_was_given(
    version: str, schema: SchemaVersion
) -> None:
    target = io.BytesIO()
    with CycloneDxXmlWriter(target, version, HEAD) as xml:
        with xml.components():
            xml.component(COMPONENT)
        xml.dependencies([{"ref": "root", "dependsOn": ["k-1"]}, {"ref": "k-1", "dependsOn": []}])
        xml.vulnerabilities([VULNERABILITY])
    data = target.getvalue()
    assert XmlValidator(schema).validate_str(data.decode()) is None
    ns = {"c": f"http://cyclonedx.org/schema/bom/{version}"}
    root = etree.fromstring(data)
    assert root.xpath("//c:component[@bom-ref='k-1']/c:name/text()", namespaces=ns) == [
        "left<pad>&"
    ]
    assert root.xpath("//c:license/c:id/text()", namespaces=ns) == ["MIT"]
    assert root.xpath("//c:license/c:name/text()", namespaces=ns) == ["LicenseRef-own"]
    assert root.xpath("//c:description/text()", namespaces=ns)[0] == (
        "control  characters  dropped"
    )
    assert root.xpath("//c:rating/c:score/text()", namespaces=ns) == ["9.8"]
    assert root.xpath("//c:dependency[@ref='root']/c:dependency/@ref", namespaces=ns) == ["k-1"]


def test_an_empty_inventory_is_a_valid_document() -> None:
    target = io.BytesIO()
    with CycloneDxXmlWriter(target, "1.4", HEAD) as xml:
        with xml.components():
            pass
        xml.dependencies([{"ref": "root", "dependsOn": []}])
    assert XmlValidator(SchemaVersion.V1_4).validate_str(target.getvalue().decode()) is None

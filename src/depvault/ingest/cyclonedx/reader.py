"""CycloneDX 1.2 to 1.6 documents, JSON and XML, read into an :class:`Inventory`.

Each reader parses, validates the document against the official schema of its version (the
files cyclonedx-python-lib ships: strict JSON schemas, XSDs), then maps it
(:mod:`~depvault.ingest.cyclonedx.json_reader`, :mod:`~depvault.ingest.cyclonedx.xml_reader`,
:mod:`~depvault.ingest.cyclonedx.build`). Every failure is an :class:`SbomError` that says
what is wrong: bytes that do not parse, a document that is not CycloneDX or of a version
we do not read, the first schema violation with its path
(``components[12].name: required property missing``), an XML DOCTYPE.

Mapping. ``bom-ref`` is the ref (a missing or repeated one is replaced by a generated one,
with a warning); ``dependencies`` give the edges, and the entry of ``metadata.component``
(the project) gives ``direct``; refs that name no component are dropped with a warning.
Nested components are components too, and nesting is an edge parent → child unless the
graph has an entry for the parent: that entry is the whole of its dependencies, and writers
nest for layout too (cyclonedx-npm nests by node_modules folder). Licenses are the
``license.id``, ``license.name`` or ``expression`` as written; hash algorithms upper-case,
digests lower-case; ``website``, ``vcs``, ``issue-tracker`` and ``distribution`` references
become ``homePage``, ``scmUrl``, ``issueUrl`` and ``downloadUrl``; Maven packaging and
classifier come from the purl's ``type`` and ``classifier`` qualifiers. Every component is
kept, whatever its type; services are not components and are skipped with a warning.

Validation engine. cyclonedx-python-lib's ``JsonStrictValidator`` (jsonschema, pure Python)
cannot be used on real documents: on this 2-core machine it took 157 s for
juice-shop-npm.cdx-1.4.json (837 components). Two causes: the ``iri-reference`` format
check goes through rfc3987-syntax's Earley parser at about 0.1 s a URL (juice-shop has some
4,000 URLs), and ``uniqueItems`` on arrays of objects is quadratic (a 10k-component 1.4
document: 234 s with no format check at all); with both fixed, jsonschema still needs about
10 s for 10k components. So JSON is validated by jsonschema-rs (Rust) against the very same
schema files, with the same $ref registry and format checks on, compiled once per version:
0.05 s for 10k components. XML is validated by lxml's XMLSchema on the library's XSDs, as
its ``XmlValidator`` does, on the tree parsed once, except for one facet: the hash pattern,
which libxml2 runs at ~30 us a SHA-512 and which :mod:`~depvault.ingest.cyclonedx.xml_reader`
checks in Python instead (10k Maven components with 8 hashes each: 1.59 s -> 0.35 s).

Measured on this machine while other work kept both cores busy (load about 2), best of 5,
for synthetic 10,000-component documents: juice-shop's components replicated (CycloneDX
1.4, one SHA-512 each; JSON 12.2 MB, XML 14.4 MB) and Maven ones from keycloak/dropwizard
(CycloneDX 1.2, eight hashes each; JSON 18.3 MB, XML 24.6 MB). End to end includes the
garbage collections and freeing the parsed document, about 0.3 s for JSON.

=================  =======  ==========  =======  ==========
document           parse    validation  mapping  end to end
=================  =======  ==========  =======  ==========
1.4 JSON           0.14 s   0.05 s      0.17 s   0.67 s
1.4 XML            0.08 s   0.31 s      0.39 s   0.87 s
1.2 JSON (Maven)   0.27 s   0.10 s      0.28 s   0.70 s
1.2 XML (Maven)    0.13 s   0.35 s      0.48 s   0.92 s
=================  =======  ==========  =======  ==========
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final, Literal

from lxml import etree  # type: ignore[import-untyped]

from depvault.domain.inventory import Inventory
from depvault.ingest.cyclonedx.build import build_inventory
from depvault.ingest.cyclonedx.json_reader import facts_from_json, parse_json, validate_json
from depvault.ingest.cyclonedx.xml_reader import (
    NAMESPACE_PREFIX,
    facts_from_xml,
    parse_xml,
    prolog_has_doctype,
    validate_xml,
)
from depvault.ingest.errors import SbomError

__all__ = ["SbomError", "read_cyclonedx_json", "read_cyclonedx_xml", "sniff_cyclonedx"]

_JSON_START: Final = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{")
# In a JSON string the quotes around a key would be escaped, so this only matches a key.
_JSON_BOM_FORMAT: Final = re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')
_XML_START: Final = re.compile(rb"\A(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<")
_SNIFF_XML_BYTES: Final = 65536


def read_cyclonedx_json(data: bytes) -> Inventory:
    """The inventory of a CycloneDX 1.2 to 1.6 JSON document; raises :class:`SbomError`."""
    document, version = parse_json(data)
    dropped = validate_json(document, version)
    inventory = build_inventory(facts_from_json(document, version))
    if not dropped:
        return inventory
    return replace(inventory, dropped=dropped)


def read_cyclonedx_xml(data: bytes) -> Inventory:
    """The inventory of a CycloneDX 1.2 to 1.6 XML document; raises :class:`SbomError`
    (:class:`~depvault.ingest.errors.UnsafeXml` for a document with a DOCTYPE)."""
    root, version = parse_xml(data)
    validate_xml(root, version)
    return build_inventory(facts_from_xml(root, version))


def sniff_cyclonedx(data: bytes) -> Literal["json", "xml"] | None:
    """``"json"`` or ``"xml"`` when the bytes look like a CycloneDX document, else None.

    A cheap look, not a check: JSON is an object with ``"bomFormat": "CycloneDX"``, XML a
    root element ``bom`` in a CycloneDX namespace (of any version, so that the reader can
    say which versions it reads). Nothing is fetched or expanded.
    """
    if _JSON_START.match(data):
        return "json" if _JSON_BOM_FORMAT.search(data) else None
    if not _XML_START.match(data):
        return None
    if prolog_has_doctype(data):  # refused by the reader: do not let libxml2 read the DTD
        return "xml" if NAMESPACE_PREFIX.encode() in data[:_SNIFF_XML_BYTES] else None
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        for offset in range(0, len(data), _SNIFF_XML_BYTES):
            parser.feed(data[offset : offset + _SNIFF_XML_BYTES])
            for _, element in parser.read_events():
                tag = str(element.tag)
                is_bom = tag.startswith("{" + NAMESPACE_PREFIX) and tag.endswith("}bom")
                return "xml" if is_bom else None
    except etree.XMLSyntaxError:
        return None
    return None

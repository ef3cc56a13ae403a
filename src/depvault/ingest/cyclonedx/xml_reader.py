"""CycloneDX XML: parse safely with lxml, validate against the XSD cyclonedx-python-lib
ships for the version, map to :class:`CycloneDxFacts`.

Nothing is ever fetched or expanded: entities are not resolved, no DTD is loaded, the
network is off, and a document with a DOCTYPE is refused outright, so neither internal
entities (billion laughs) nor external ones (``SYSTEM "file:///etc/passwd"``) are possible.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

# The same XSD files as cyclonedx.validation.xml.XmlValidator uses.
from cyclonedx.schema._res import BOM_XML
from lxml import etree  # type: ignore[import-untyped]

from depvault.domain.inventory import Component
from depvault.ingest.cyclonedx.build import (
    REFERENCE_KINDS,
    SPEC_VERSIONS,
    CycloneDxFacts,
    maven_type,
    unsupported_version,
)
from depvault.ingest.errors import SbomSchemaError, SbomSyntaxError, UnsafeXml, UnsupportedSbom

__all__ = ["NAMESPACE_PREFIX", "facts_from_xml", "parse_xml", "prolog_has_doctype", "validate_xml"]

NAMESPACE_PREFIX: Final = "http://cyclonedx.org/schema/bom/"
_DOCTYPE_REFUSED: Final = "XML documents with a DOCTYPE are refused"
# A DOCTYPE can only stand in the prolog, before the root element: after an optional BOM,
# XML declaration, comments and processing instructions. Checked on the bytes first so that
# libxml2 never reads the DTD (ASCII-compatible encodings; the parsed tree's docinfo is the
# backstop for the others).
_PROLOG_DOCTYPE: Final = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.DOTALL
)
_schemas = threading.local()  # an XMLSchema's error log is its own: one per thread
# libxml2 runs the XSD's hash pattern, ([a-fA-F0-9]{32})|...|([a-fA-F0-9]{128}), through an
# automaton with counters: about 30 us for a SHA-512, and Maven SBOMs carry 8 hashes a
# component (dropwizard: 0.2 ms a component, some 2.5 s for 10,000). So the XSD is loaded
# without that one facet, and the same pattern is checked here, in Python, on every ``hash``
# element (the only elements of type hashValue, by way of hashType).
_HASH_FACET: Final = re.compile(rb'\s*<xs:pattern value="(\(\[a-fA-F0-9\]\{32\}\)[^"]*)"/>')


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def prolog_has_doctype(data: bytes) -> bool:
    """Whether the bytes declare a DOCTYPE before their root element."""
    return _PROLOG_DOCTYPE.match(data, 0, 65536) is not None


def parse_xml(data: bytes) -> tuple[etree._Element, str]:
    """The root ``bom`` element and its spec version; raises when it is no CycloneDX XML
    we read, or an XML we refuse."""
    if prolog_has_doctype(data):
        raise UnsafeXml(_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise SbomSyntaxError(f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(_DOCTYPE_REFUSED)
    namespace, _, local = str(root.tag).rpartition("}")
    namespace = namespace.lstrip("{")
    if local != "bom" or not namespace.startswith(NAMESPACE_PREFIX):
        shown = repr(str(root.tag))[:100]
        raise UnsupportedSbom(f"not a CycloneDX document: the root element is {shown}")
    version = namespace.removeprefix(NAMESPACE_PREFIX)
    if version not in SPEC_VERSIONS:
        raise UnsupportedSbom(unsupported_version(version))
    return root, version


@dataclass(frozen=True, slots=True)
class _Schema:
    xsd: etree.XMLSchema
    hash_value: re.Pattern[str] | None  # the hash facet taken out of ``xsd``, if it was


def _schema(version: str) -> _Schema:
    cached: dict[str, _Schema] = _schemas.__dict__.setdefault("by_version", {})
    if version not in cached:
        schema_file = BOM_XML[SPEC_VERSIONS[version]]
        assert schema_file is not None  # every version in SPEC_VERSIONS has an XSD
        path = Path(schema_file).absolute()
        text = path.read_bytes()
        facet = _HASH_FACET.search(text)
        if facet is not None:
            text = text[: facet.start()] + text[facet.end() :]
        document = etree.fromstring(text, _parser(), base_url=path.as_uri())
        hash_value = re.compile(facet.group(1).decode()) if facet else None
        cached[version] = _Schema(etree.XMLSchema(document), hash_value)
    return cached[version]


def _where(element: etree._Element | None, line: int | None) -> str:
    """``line N /bom/components/component[3]/name``: where an error is, for a person."""
    if element is None:
        return f"line {line}"
    path = re.sub(r"\{[^}]*\}", "", element.getroottree().getelementpath(element))
    return f"line {element.sourceline} /bom" + (f"/{path}" if path != "." else "")


def _located(root: etree._Element, xpath: str | None) -> etree._Element | None:
    """The element libxml2's error path (``/*/*[2]/*[1]``) names, if it can be found."""
    try:
        found = root.getroottree().xpath(xpath) if xpath else []
    except etree.XPathError:
        return None
    return found[0] if found and isinstance(found[0], etree._Element) else None


def validate_xml(root: etree._Element, version: str) -> None:
    """Raise :class:`SbomSchemaError` naming the first place the document breaks the XSD
    of its version."""
    schema = _schema(version)
    document = f"CycloneDX {version} XML"
    if not schema.xsd.validate(root):
        error = schema.xsd.error_log[0]
        where = _where(_located(root, error.path), error.line)
        raise SbomSchemaError(document, where, re.sub(r"\{[^}]*\}", "", error.message))
    if schema.hash_value is not None:
        # xs:token: surrounding whitespace is collapsed away before the pattern applies.
        for element in root.iter(f"{{{NAMESPACE_PREFIX}{version}}}hash"):
            value = (element.text or "").strip(" \t\r\n")
            if schema.hash_value.fullmatch(value) is None:
                shown = repr(value) if len(value) <= 140 else repr(value[:137] + "...")
                problem = f"{shown} is not a hash value: 32, 40, 64, 96 or 128 hex digits"
                raise SbomSchemaError(document, _where(element, None), problem)


class _Names:
    """Qualified tag names of one namespace, e.g. ``names.component``, and ``fields``: the
    tags of a component's plain text children, by the Component field they fill."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.fields = {self._qualified(local): local for local in _TEXT_FIELDS}

    def _qualified(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}"

    def __getattr__(self, local: str) -> str:
        qualified = self._qualified(local)
        setattr(self, local, qualified)
        return qualified


_TEXT_FIELDS: Final = ("group", "name", "version", "description", "scope", "copyright", "purl")


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _licenses(licenses: etree._Element, n: _Names) -> list[str]:
    found = []
    for entry in licenses:
        if entry.tag == n.expression:
            found.append(_text(entry))
        else:  # a license: its id, else its name
            parts = {part.tag: part.text for part in entry}
            found.append((parts.get(n.id) or parts.get(n.name) or "").strip())
    return [value for value in found if value]


def _references(references: etree._Element, n: _Names) -> list[tuple[str, str]]:
    found = []
    for reference in references:
        kind = REFERENCE_KINDS.get(reference.get("type"))
        if kind is not None:
            for url in reference.iterchildren(n.url):
                found.append((kind, (url.text or "").strip()))
    return found


def _component(element: etree._Element, n: _Names) -> tuple[Component, etree._Element | None]:
    """The component, and the ``components`` element nested in it, if any.

    One pass over the children: this is the hot loop of a big document, where every
    ``find`` would cost more than the rest."""
    fields: dict[str, str] = {}
    licenses: list[str] = []
    hashes: list[tuple[str, str]] = []
    references: list[tuple[str, str]] = []
    nested = None
    for child in element:
        tag = child.tag
        field = n.fields.get(tag)
        if field is not None:
            text = (child.text or "").strip()
            if text:
                fields[field] = text
        elif tag == n.licenses:
            licenses = _licenses(child, n)
        elif tag == n.hashes:
            hashes = [(str(h.get("alg")).upper(), (h.text or "").strip().lower()) for h in child]
        elif tag == n.externalReferences:
            references = _references(child, n)
        elif tag == n.components:
            nested = child
    purl = fields.get("purl")
    packaging, classifier = maven_type(purl)
    copyright_ = fields.get("copyright")
    component = Component(
        ref=element.get("bom-ref") or "",
        name=fields.get("name", ""),
        version=fields.get("version"),
        group=fields.get("group"),
        purl=purl,
        packaging=packaging,
        classifier=classifier,
        description=fields.get("description"),
        licenses=tuple(licenses),
        copyrights=(copyright_,) if copyright_ else (),
        hashes=tuple(hashes),
        references=tuple(references),
        scope=fields.get("scope"),
    )
    return component, nested


def _tools(tools: etree._Element | None, n: _Names) -> list[str]:
    """``name version`` of each tool: 1.2 to 1.4 ``tool`` elements, 1.5+ components/services."""
    if tools is None:
        return []
    found = [*tools.iterchildren(n.tool)]
    for group, item in ((n.components, n.component), (n.services, n.service)):
        for holder in tools.iterchildren(group):
            found.extend(holder.iterchildren(item))
    labels = (
        " ".join(filter(None, (_text(tool.find(n.name)), _text(tool.find(n.version)))))
        for tool in found
    )
    return [label for label in labels if label]


def facts_from_xml(root: etree._Element, version: str) -> CycloneDxFacts:
    """The facts of a valid CycloneDX XML document."""
    n = _Names(f"{NAMESPACE_PREFIX}{version}")
    metadata = root.find(n.metadata)
    meta_component = metadata.find(n.component) if metadata is not None else None
    root_ref = meta_component.get("bom-ref") if meta_component is not None else None
    facts = CycloneDxFacts(version, "XML", str(root_ref) if root_ref else None)
    facts.tools = _tools(metadata.find(n.tools) if metadata is not None else None, n)
    pending: list[tuple[etree._Element, int | None]] = [
        (element, None) for element in reversed(root.findall(f"{n.components}/{n.component}"))
    ]
    while pending:  # depth first, without recursion
        element, parent = pending.pop()
        index = len(facts.components)
        component, nested = _component(element, n)
        facts.components.append(component)
        facts.parents.append(parent)
        if nested is not None:
            children = nested.findall(n.component)
            pending.extend((child, index) for child in reversed(children))
    # A dependency's nested dependency elements are what it depends on; they may nest again.
    stack = list(reversed(root.findall(f"{n.dependencies}/{n.dependency}")))
    while stack:
        entry = stack.pop()
        children = list(entry.iterchildren(n.dependency))
        refs = [str(child.get("ref")) for child in children]
        facts.dependencies.append((str(entry.get("ref")), refs))
        stack.extend(child for child in reversed(children) if len(child))
    if meta_component is not None:
        facts.project_parts = len(meta_component.findall(f"{n.components}/{n.component}"))
    facts.services = len(root.findall(f"{n.services}/{n.service}"))
    return facts

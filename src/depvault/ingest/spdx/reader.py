"""SPDX 2.2 and 2.3 documents (JSON, YAML, XML, tag-value) read into an :class:`Inventory`.

Parsing. YAML and XML are loaded safely (:mod:`depvault.ingest.spdx.syntax`) and parsed by
spdx-tools' JSON-like dict parser; tag-value by spdx-tools' own ``Parser``. Its
``SPDXParsingError`` becomes :class:`SbomError` with the first messages. JSON is mapped
straight from the orjson dict, because spdx-tools is too slow for big documents: on this
2-core machine a synthetic SPDX 2.3 JSON of 10,000 packages (8.8 MB; purl, two checksums,
license, homepage each) spends 2.9 s in ``JsonLikeDictParser.parse`` alone (type-checked
model construction, a license-expression parse per license field), where loading and
mapping it here takes 0.6 s (0.13 s of it orjson, 0.17 s packageurl). The direct path
checks what it reads as spdx-tools would (strings where strings belong, known relationship
types and checksum algorithms) but keeps license expressions as written; through
spdx-tools they come back rendered by license-expression (``mit or apache-2.0`` becomes
``MIT OR Apache-2.0``, ``GPL-2.0+`` becomes ``GPL-2.0-or-later``), and one it cannot parse
is an error. spdx-tools' validator is never
run: it is quadratic (10k packages take about 85 s). Its parser is quadratic too in
``hasFiles`` and ``documentDescribes`` (4,000 packages with a file each: 77 s), so
``files``, ``snippets`` and ``hasFiles``, which we do not map, are dropped before it runs,
and ``documentDescribes`` is read here.

Graph. The packages the document DESCRIBES (or that are DESCRIBED_BY it) are the project
itself, not components; the packages they depend on are ``direct``. When several packages
are described and none of them depends on another, they are a set without a root and are
the direct components themselves; when some do, the roots are those no other described
package reaches. When nothing is described, every package is a component and those no
edge reaches are direct (:meth:`Inventory.direct_refs`). Dependency edges, parent to
child: ``A DEPENDS_ON B``, ``A CONTAINS B``, ``A DYNAMIC_LINK B``, ``A STATIC_LINK B`` and
``A HAS_PREREQUISITE B`` give A to B; the reverse forms ``B DEPENDENCY_OF A`` (also
``BUILD_``, ``DEV_``, ``OPTIONAL_``, ``PROVIDED_``, ``RUNTIME_`` and ``TEST_DEPENDENCY_OF``),
``B CONTAINED_BY A``, ``B PREREQUISITE_FOR A``, ``B OPTIONAL_COMPONENT_OF A`` and
``B PACKAGE_OF A`` give A to B as well. Tool, generation, file, patch, variant and other
relationships are not dependencies; edges naming files, snippets or other documents are
dropped. Files and snippets are never components.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from spdx_tools.spdx.model.actor import ActorType
from spdx_tools.spdx.model.document import Document
from spdx_tools.spdx.model.relationship import RelationshipType

from depvault.domain.inventory import Component, Inventory
from depvault.ingest.errors import SbomError, UnsupportedSbom
from depvault.ingest.spdx.packages import component_from_dict, component_from_model
from depvault.ingest.spdx.syntax import (
    SUPPORTED_VERSIONS,
    check_version,
    checked_document,
    document_describes,
    load_json,
    load_xml,
    load_yaml,
    objects,
    parse_json_like,
    parse_tag_value,
    tag_value_version,
)

__all__ = ["SUPPORTED_VERSIONS", "SYNTAXES", "read_spdx", "sniff_spdx"]

SYNTAXES: Final = ("json", "yaml", "xml", "tv")
_SYNTAX_NAMES: Final = {"json": "JSON", "yaml": "YAML", "xml": "XML", "tv": "tag-value"}

_BOM: Final = b"\xef\xbb\xbf"
_XML_VERSION: Final = re.compile(rb"<(?:[\w.-]+:)?spdxVersion[\s>]")
_YAML_VERSION: Final = re.compile(rb"^[\"']?spdxVersion[\"']?[ \t]*:", re.MULTILINE)
_TV_START: Final = re.compile(rb"(?:[ \t]*(?:#[^\n]*)?\r?\n)*SPDXVersion:")

_FORWARD: Final = frozenset(
    {"DEPENDS_ON", "CONTAINS", "DYNAMIC_LINK", "STATIC_LINK", "HAS_PREREQUISITE"}
)
_REVERSE: Final = frozenset(
    {
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
    }
)
_RELATIONSHIP_TYPES: Final = frozenset(RelationshipType.__members__)


def sniff_spdx(data: bytes) -> str | None:
    """The syntax (``json``, ``yaml``, ``xml`` or ``tv``) when ``data`` looks like an SPDX
    2 document, else None. Cheap: it looks for ``spdxVersion`` and never parses."""
    head = data[len(_BOM) :] if data.startswith(_BOM) else data
    first = head.lstrip()[:1]
    if first == b"{":
        return "json" if b'"spdxVersion"' in head else None
    if first == b"<":
        return "xml" if _XML_VERSION.search(head) else None
    if _TV_START.match(head):
        return "tv"
    return "yaml" if _YAML_VERSION.search(head) else None


def read_spdx(data: bytes, syntax: str | None = None) -> Inventory:
    """The inventory an SPDX 2.2 or 2.3 document states; ``syntax`` is one of
    :data:`SYNTAXES`, or None to sniff it. Raises :class:`SbomError` saying why when the
    document cannot be read: :class:`~depvault.ingest.errors.SbomSyntaxError` when it does
    not parse, :class:`~depvault.ingest.errors.UnsupportedSbom` when it is not SPDX 2.2 or
    2.3, :class:`~depvault.ingest.errors.UnsafeXml` for XML with a DOCTYPE."""
    if syntax is None:
        syntax = sniff_spdx(data)
        if syntax is None:
            raise UnsupportedSbom(
                "Not an SPDX document: expected JSON, YAML or XML with an spdxVersion, "
                "or tag-value starting with SPDXVersion:"
            )
    reader = _READERS.get(syntax)
    if reader is None:
        raise UnsupportedSbom(
            f"Unknown SPDX syntax {syntax!r}: expected one of {', '.join(SYNTAXES)}"
        )
    facts = reader(data)
    return facts.inventory(f"SPDX {facts.version.removeprefix('SPDX-')} {_SYNTAX_NAMES[syntax]}")


@dataclass
class _Facts:
    """What a document states, whichever parser read it, before the graph is decided."""

    version: str
    document_id: str
    components: list[Component] = field(default_factory=list)
    described: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def relate(self, source: str, kind: str, target: str) -> None:
        """Record one relationship; ``kind`` is the spdx-tools enum name."""
        if kind == "DESCRIBES":
            if source == self.document_id:
                self.described.append(target)
        elif kind == "DESCRIBED_BY":
            if target == self.document_id:
                self.described.append(source)
        elif kind in _FORWARD:
            self.links.append((source, target))
        elif kind in _REVERSE:
            self.links.append((target, source))

    def inventory(self, source_format: str) -> Inventory:
        """The components and graph, with the roots taken out (see the module docstring)."""
        refs: set[str] = set()
        for component in self.components:
            if component.ref in refs:
                raise SbomError(f"Two packages have the SPDXID {component.ref!r}")
            refs.add(component.ref)
        links = list(
            dict.fromkeys((p, c) for p, c in self.links if p != c and p in refs and c in refs)
        )
        described = [ref for ref in dict.fromkeys(self.described) if ref in refs]
        roots = _roots(described, links)
        if roots:
            direct = list(dict.fromkeys(c for p, c in links if p in roots and c not in roots))
            links = [(p, c) for p, c in links if p not in roots and c not in roots]
        else:
            direct = described
        return Inventory(
            components=tuple(c for c in self.components if c.ref not in roots),
            direct=tuple(direct),
            edges=tuple(links),
            source_format=source_format,
            tool=", ".join(dict.fromkeys(self.tools)) or None,
            warnings=tuple(self.warnings),
        )


def _roots(described: list[str], links: list[tuple[str, str]]) -> set[str]:
    """The described packages that stand for the project itself."""
    inside = set(described)
    reached = {child for parent, child in links if parent in inside and child in inside}
    if len(inside) > 1 and not reached:
        return set()  # a set of packages without a root: they are the components
    return (inside - reached) or inside  # all reached: a cycle, every one is a root


# --- JSON: the dict mapped directly ------------------------------------------------------


def _read_json(data: bytes) -> _Facts:
    document = checked_document(load_json(data))
    facts = _Facts(check_version(document["spdxVersion"]), _document_id(document))
    facts.tools = _dict_tools(document)
    facts.components = [component_from_dict(p, facts.warnings) for p in document["packages"]]
    for index, relation in enumerate(objects(document.get("relationships"), "relationships")):
        source = relation.get("spdxElementId")
        kind = relation.get("relationshipType")
        target = relation.get("relatedSpdxElement")
        if not (isinstance(source, str) and isinstance(kind, str) and isinstance(target, str)):
            raise SbomError(
                f"relationships[{index}] needs spdxElementId, relationshipType and "
                "relatedSpdxElement strings"
            )
        name = kind.replace("-", "_").upper()
        if name not in _RELATIONSHIP_TYPES:
            raise SbomError(f"relationships[{index}]: unknown relationshipType {kind!r}")
        facts.relate(source, name, target)
    facts.described.extend(document_describes(document))
    return facts


def _document_id(document: Mapping[str, Any]) -> str:
    spdx_id = document.get("SPDXID")
    return spdx_id if isinstance(spdx_id, str) else "SPDXRef-DOCUMENT"


def _dict_tools(document: Mapping[str, Any]) -> list[str]:
    info = document.get("creationInfo")
    creators = info.get("creators") if isinstance(info, dict) else None
    if not isinstance(creators, list):
        return []
    prefix = "Tool:"
    named = (
        c[len(prefix) :].strip() for c in creators if isinstance(c, str) and c.startswith(prefix)
    )
    return [name for name in named if name]


# --- YAML, XML and tag-value: through spdx-tools -----------------------------------------


def _read_yaml(data: bytes) -> _Facts:
    return _read_json_like(load_yaml(data))


def _read_xml(data: bytes) -> _Facts:
    return _read_json_like(load_xml(data))


def _read_json_like(loaded: object) -> _Facts:
    document = checked_document(loaded)
    describes = document_describes(document)
    # Not mapped, and quadratic in spdx-tools: it compares every hasFiles and
    # documentDescribes entry with every relationship (see the module docstring).
    for key in ("files", "snippets", "documentDescribes"):
        document.pop(key, None)
    for package in document["packages"]:
        package.pop("hasFiles", None)
    facts = _model_facts(parse_json_like(document))
    facts.described.extend(describes)
    return facts


def _read_tv(data: bytes) -> _Facts:
    check_version(tag_value_version(data))
    return _model_facts(parse_tag_value(data))


def _model_facts(document: Document) -> _Facts:
    info = document.creation_info
    facts = _Facts(check_version(info.spdx_version), info.spdx_id)
    facts.tools = [actor.name for actor in info.creators if actor.actor_type == ActorType.TOOL]
    facts.components = [component_from_model(p, facts.warnings) for p in document.packages]
    for relation in document.relationships:
        if isinstance(relation.related_spdx_element_id, str):
            facts.relate(
                relation.spdx_element_id,
                relation.relationship_type.name,
                relation.related_spdx_element_id,
            )
    return facts


_READERS: Final[dict[str, Callable[[bytes], _Facts]]] = {
    "json": _read_json,
    "yaml": _read_yaml,
    "xml": _read_xml,
    "tv": _read_tv,
}

"""Safe loading of the four SPDX 2 syntaxes, the shape checks every syntax shares, and
spdx-tools' parsers behind one error: every failure is an :class:`SbomError`.

JSON, YAML and XML become the JSON-like dict spdx-tools' ``JsonLikeDictParser`` reads;
tag-value goes to spdx-tools' ``Parser``.

XML goes through lxml without DTD loading, entity resolution or network access, and any
DOCTYPE is refused; the tree becomes the dict shape spdx-tools' XML reader builds with
xmltodict (which is never given untrusted input here). YAML uses PyYAML's safe loader
(libyaml's when present, behind a walk of the events that guards against its weaknesses),
refuses aliases and keeps dates as text. Input nested deeper than a parser allows is an
:class:`SbomError`, never a ``RecursionError`` or a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson
import yaml  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]
from ply import yacc  # type: ignore[import-untyped]
from spdx_tools.spdx.model.document import Document
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.parser.xml.xml_parser import LIST_LIKE_FIELDS

from depvault.ingest.errors import SbomError, SbomSyntaxError, UnsafeXml, UnsupportedSbom

__all__ = [
    "SUPPORTED_VERSIONS",
    "check_version",
    "checked_document",
    "document_describes",
    "load_json",
    "load_xml",
    "load_yaml",
    "objects",
    "parse_json_like",
    "parse_tag_value",
    "tag_value_version",
]

SUPPORTED_VERSIONS: Final = ("SPDX-2.2", "SPDX-2.3")

_BOM: Final = b"\xef\xbb\xbf"
_MESSAGES_SHOWN: Final = 5
_MESSAGE_LENGTH: Final = 300
_DOCTYPE_REFUSED: Final = (
    "SPDX XML with a DOCTYPE is refused: DTDs and entities are not part of SPDX and are not loaded"
)
_XML_ELEMENT: Final = re.compile(rb"<[A-Za-z_]")
_TV_VERSION: Final = re.compile(r"^[ \t]*SPDXVersion:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE)
_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"
_YAML_DEPTH: Final = 64  # SPDX 2 nests six levels deep (document, snippets, ranges …)
_XML_LISTS: Final = frozenset(LIST_LIKE_FIELDS)


def load_json(data: bytes) -> object:
    """The JSON value of ``data`` (orjson refuses nesting deeper than 1024)."""
    try:
        return orjson.loads(data.removeprefix(_BOM))
    except orjson.JSONDecodeError as error:
        raise SbomSyntaxError(f"Malformed SPDX JSON: {error}") from error


# libyaml when present: 10,000 packages load in 8 s (plus 1 s for the event walk) where the
# pure-Python loader takes 31 s. Its composer recurses in C without a limit (100,000 nested
# "[" crash the process) and its scanner is quadratic in flow nesting (a million "[" run for
# many minutes), so load_yaml first walks the events, stopping at the first alias or past
# _YAML_DEPTH; only a document that passes is composed.
_SafeLoader: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader keeping dates as text: SPDX dates are strings, which spdx-tools
    parses itself."""

    yaml_implicit_resolvers: Final = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def load_yaml(data: bytes) -> object:
    """The YAML value of ``data``: safe tags only, dates as strings, and refused when it
    has aliases (a few kilobytes of nested aliases become gigabytes once anything walks
    the result; SPDX writers do not use them) or nests deeper than ``_YAML_DEPTH``."""
    text = _decode(data, "YAML")
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1
                raise SbomError(f"SPDX YAML with aliases is refused (an alias at line {line})")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _YAML_DEPTH:
                    raise SbomError(f"SPDX YAML is nested deeper than {_YAML_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = _YamlLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise SbomSyntaxError(f"Malformed SPDX YAML: {error}") from error


def load_xml(data: bytes) -> dict[str, Any]:
    """The ``Document`` element of SPDX XML as the dict spdx-tools' XML reader would build
    (xmltodict's shape: leaves as stripped text, repeated elements and SPDX's list fields
    as lists). Refuses a DOCTYPE before parsing, and after, should the prolog hide one."""
    prolog = _XML_ELEMENT.search(data)
    if b"<!DOCTYPE" in data[: prolog.start() if prolog else len(data)]:
        raise UnsafeXml(_DOCTYPE_REFUSED)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SbomSyntaxError(f"Malformed SPDX XML: {error}") from error
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(_DOCTYPE_REFUSED)
    if _local_name(root) != "Document":
        raise UnsupportedSbom(
            f"SPDX XML has the root element <{_local_name(root)}>, not <Document>"
        )
    document = _xml_value(root)
    return document if isinstance(document, dict) else {}


def _xml_value(element: Any) -> Any:
    # Recursion is bounded: libxml2 refuses documents nested deeper than 256 elements
    # unless XML_PARSE_HUGE, which we do not set.
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return (element.text or "").strip() or None
    fields: dict[str, Any] = {}
    for child in children:
        key, value = _local_name(child), _xml_value(child)
        if key in _XML_LISTS:
            values = fields.setdefault(key, [])
            if value is not None:
                values.append(value)
        elif key in fields:
            raise SbomError(f"SPDX XML repeats <{key}> in <{_local_name(element)}>")
        else:
            fields[key] = value
    return fields


def _local_name(element: Any) -> str:
    tag: str = element.tag
    return tag.rpartition("}")[2]


def parse_json_like(document: dict[str, Any]) -> Document:
    """spdx-tools' parse of a JSON-like dict (from YAML or XML); no validation."""
    # spdx-tools' constructors and tag-value parse are not annotated
    parser = JsonLikeDictParser()  # type: ignore[no-untyped-call]
    return _spdx_tools(lambda: parser.parse(document))


def tag_value_version(data: bytes) -> str | None:
    """The first ``SPDXVersion:`` of a tag-value document, checked before parsing so
    that another version fails with that reason rather than with grammar errors."""
    match = _TV_VERSION.search(_decode(data, "tag-value"))
    return match.group(1) if match else None


def parse_tag_value(data: bytes) -> Document:
    """spdx-tools' parse of a tag-value document; no validation."""
    text = _decode(data, "tag-value")
    # ply builds the grammar tables in memory (about 75 ms); by default it would write
    # parser.out and parsetab.py into site-packages and log to stderr.
    parser = TagValueParser(  # type: ignore[no-untyped-call]
        debug=False, write_tables=False, errorlog=yacc.NullLogger()
    )
    return _spdx_tools(lambda: parser.parse(text))  # type: ignore[no-untyped-call]


def _spdx_tools(parse: Callable[[], Document]) -> Document:
    try:
        return parse()
    except SPDXParsingError as error:
        raise SbomError(_summary(list(error.messages))) from error
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
        # spdx-tools trusts the shape of what it reads: an object where it expects a list
        # (say) fails with a plain Python error, still a fault of the document.
        problem = f"{type(error).__name__}: {error}"
        raise SbomError(
            f"SPDX document cannot be parsed (an unexpected shape): {_short(problem)}"
        ) from error
    except RecursionError:
        raise SbomError("SPDX document is nested too deeply") from None


def _summary(messages: list[str]) -> str:
    messages = list(dict.fromkeys(str(m) for m in messages))  # spdx-tools repeats some
    shown = "; ".join(_short(m) for m in messages[:_MESSAGES_SHOWN])
    more = len(messages) - _MESSAGES_SHOWN
    return f"SPDX document cannot be parsed: {shown}" + (f" (and {more} more)" if more > 0 else "")


def _short(message: str) -> str:
    return message if len(message) <= _MESSAGE_LENGTH else message[: _MESSAGE_LENGTH - 1] + "…"


def _decode(data: bytes, syntax: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SbomSyntaxError(f"SPDX {syntax} is not UTF-8: {error}") from error


def checked_document(document: object) -> dict[str, Any]:
    """The top-level object, with a supported ``spdxVersion`` and ``packages`` a list of
    objects each with an SPDXID and a name (``packages`` set to ``[]`` when absent)."""
    if not isinstance(document, dict):
        raise UnsupportedSbom(
            f"An SPDX document is an object at the top level, not {type(document).__name__}"
        )
    if "spdxVersion" not in document:
        context = document.get("@context")
        contexts = context if isinstance(context, list) else [context]
        if any(isinstance(c, str) and "spdx.org/rdf/3" in c for c in contexts):
            raise UnsupportedSbom(
                "SPDX 3 documents are not supported: depvault reads SPDX-2.2 and SPDX-2.3"
            )
        raise UnsupportedSbom("Not an SPDX 2 document: spdxVersion is missing")
    check_version(document["spdxVersion"])
    packages = document.get("packages")
    if packages is None:
        packages = document["packages"] = []
    if not isinstance(packages, list):
        raise SbomError(f"packages must be a list, not {type(packages).__name__}")
    for index, package in enumerate(packages):
        if not isinstance(package, dict):
            raise SbomError(f"packages[{index}] must be an object, not {type(package).__name__}")
        spdx_id, name = package.get("SPDXID"), package.get("name")
        if not isinstance(spdx_id, str) or not spdx_id.strip():
            raise SbomError(f"packages[{index}] (name {str(name)[:100]!r}) has no SPDXID")
        if not isinstance(name, str) or not name.strip():
            raise SbomError(f"Package {spdx_id} (packages[{index}]) has no name")
    return document


def check_version(version: object) -> str:
    """``version`` stripped when it is one of :data:`SUPPORTED_VERSIONS`."""
    if not isinstance(version, str) or version.strip() not in SUPPORTED_VERSIONS:
        raise UnsupportedSbom(
            f"Unsupported spdxVersion {repr(version)[:60]}: depvault reads "
            f"{' and '.join(SUPPORTED_VERSIONS)}"
        )
    return version.strip()


def document_describes(document: Mapping[str, Any]) -> list[str]:
    """``documentDescribes``, the SPDX 2.2 JSON spelling of DESCRIBES relationships."""
    describes = document.get("documentDescribes")
    if describes is None:
        return []
    if not isinstance(describes, list) or not all(isinstance(d, str) for d in describes):
        raise SbomError("documentDescribes must be a list of SPDXIDs")
    return describes


def objects(value: object, what: str) -> list[dict[str, Any]]:
    """``value`` when it is a list of objects, ``[]`` when absent; ``what`` names it."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SbomError(f"{what} must be a list of objects")
    return value

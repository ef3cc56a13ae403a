"""SPDX XML, streamed: the JSON document's dicts (``reports/sbom/spdx.py``) as the
XML spdx-tools reads and writes (``<Document>``, one element per JSON key, a list as the
key's element repeated, booleans as ``true``/``false``), one package element at a time
with lxml's incremental writer. ``tests/functional/test_sbom_combinations.py`` parses
and validates it with spdx-tools."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

from lxml import etree  # type: ignore[import-untyped]

from depvault.reports.sbom.cyclonedx_xml import xml_text

__all__ = ["XmlSyntax"]


def _fill(parent: Any, tag: str, value: object) -> None:
    """``value`` under ``parent`` as ``<tag>`` element(s)."""
    if isinstance(value, list):
        for item in value:
            _fill(parent, tag, item)
        return
    element = etree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(element, key, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = xml_text(str(value))


def _element(tag: str, value: dict[str, Any]) -> Any:
    holder = etree.Element("holder")
    _fill(holder, tag, value)
    return holder[0]


class XmlSyntax:
    """``<Document>`` opened by :meth:`head`, closed by :meth:`end`."""

    def __init__(self, target: BinaryIO) -> None:
        self._file = etree.xmlfile(target, encoding="utf-8")
        self._document: Any = None

    def head(self, head: dict[str, Any]) -> None:
        xf = self._file.__enter__()
        xf.write_declaration()
        self._document = xf.element("Document")
        self._document.__enter__()
        self._xf = xf
        for key, value in head.items():
            holder = etree.Element("holder")
            _fill(holder, key, value)
            for child in holder:
                xf.write(child)

    def package(self, package: dict[str, Any]) -> None:
        self._xf.write(_element("packages", package))

    def relationships(self, relationships: Iterable[tuple[str, str, str]]) -> None:
        for source, kind, target in relationships:
            relation = {
                "spdxElementId": source,
                "relationshipType": kind,
                "relatedSpdxElement": target,
            }
            self._xf.write(_element("relationships", relation))

    def end(self, licenses: list[dict[str, Any]]) -> None:
        for entry in licenses:
            self._xf.write(_element("hasExtractedLicensingInfos", entry))
        self._document.__exit__(None, None, None)
        self._file.__exit__(None, None, None)

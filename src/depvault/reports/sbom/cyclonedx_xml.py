"""CycloneDX XML, streamed: the same document as the JSON export, in the XML schema's
element order (the schemas are ``xs:sequence``s, so order is part of validity).

``cyclonedx_export`` builds each part (the head, every component, the dependency graph,
the vulnerabilities) as the JSON document's dicts; this module writes those dicts as XML
with lxml's incremental writer, one component element at a time, so memory does not grow
with the inventory. The library's XML schema validator is the test oracle
(``tests/functional/test_sbom_export.py``), as its JSON schema is for the JSON export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, BinaryIO

from lxml import etree  # type: ignore[import-untyped]

__all__ = ["CycloneDxXmlWriter", "xml_text"]

NAMESPACE = "http://cyclonedx.org/schema/bom/{version}"


class CycloneDxXmlWriter(AbstractContextManager["CycloneDxXmlWriter"]):
    """Writes one ``<bom>``: :meth:`head`, then :meth:`component` per component inside
    :meth:`components`, then :meth:`dependencies` and :meth:`vulnerabilities`."""

    def __init__(self, target: BinaryIO, version: str, head: Mapping[str, Any]) -> None:
        self._ns = NAMESPACE.format(version=version)
        self._file = etree.xmlfile(target, encoding="utf-8")
        self._head = head
        self._stack: list[Any] = []

    def __enter__(self) -> CycloneDxXmlWriter:
        xf = self._file.__enter__()
        xf.write_declaration()
        bom = xf.element(
            self._q("bom"),
            {"serialNumber": self._head["serialNumber"], "version": str(self._head["version"])},
            nsmap={None: self._ns},
        )
        bom.__enter__()
        self._xf, self._stack = xf, [bom]
        metadata = self._e("metadata")
        self._sub(metadata, "timestamp", self._head["metadata"]["timestamp"])
        tools = self._e("tools")
        for tool in self._head["metadata"]["tools"]:
            element = self._e("tool")
            self._sub(element, "vendor", tool.get("vendor"))
            self._sub(element, "name", tool.get("name"))
            tools.append(element)
        metadata.append(tools)
        root = self._head["metadata"]["component"]
        component = self._e("component", type=root["type"], **{"bom-ref": root["bom-ref"]})
        self._sub(component, "name", root["name"])
        metadata.append(component)
        xf.write(metadata)
        return self

    def __exit__(self, *exc: object) -> None:
        while self._stack:
            self._stack.pop().__exit__(*exc)
        self._file.__exit__(*exc)

    def components(self) -> AbstractContextManager[Any]:
        """The ``<components>`` element, open while components are written."""
        return self._xf.element(self._q("components"))  # type: ignore[no-any-return]

    def component(self, item: Mapping[str, Any]) -> None:
        """One component, from its JSON dict."""
        element = self._e("component", type=item["type"], **{"bom-ref": item["bom-ref"]})
        for field in ("group", "name", "version", "description"):
            self._sub(element, field, item.get(field))
        if item.get("hashes"):
            hashes = self._e("hashes")
            for entry in item["hashes"]:
                self._sub(hashes, "hash", entry["content"], alg=entry["alg"])
            element.append(hashes)
        if item.get("licenses"):
            licenses = self._e("licenses")
            for entry in item["licenses"]:
                if "expression" in entry:
                    self._sub(licenses, "expression", entry["expression"])
                    continue
                license_ = self._e("license")
                for field in ("id", "name"):
                    self._sub(license_, field, entry["license"].get(field))
                licenses.append(license_)
            element.append(licenses)
        self._sub(element, "purl", item.get("purl"))
        self._xf.write(element)

    def dependencies(self, graph: Iterable[Mapping[str, Any]]) -> None:
        """The dependency graph, from its JSON list."""
        dependencies = self._e("dependencies")
        for node in graph:
            dependency = self._e("dependency", ref=node["ref"])
            for ref in node["dependsOn"]:
                dependency.append(self._e("dependency", ref=ref))
            dependencies.append(dependency)
        self._xf.write(dependencies)

    def vulnerabilities(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """The vulnerabilities, from their JSON list, in the schema's order."""
        vulnerabilities = self._e("vulnerabilities")
        for entry in entries:
            element = self._e("vulnerability", **{"bom-ref": entry["bom-ref"]})
            self._sub(element, "id", entry["id"])
            source = self._e("source")
            self._sub(source, "name", entry["source"]["name"])
            self._sub(source, "url", entry["source"]["url"])
            element.append(source)
            if entry.get("ratings"):
                ratings = self._e("ratings")
                for given in entry["ratings"]:
                    rating = self._e("rating")
                    for field in ("score", "severity", "method", "vector"):
                        value = given.get(field)
                        self._sub(rating, field, None if value is None else str(value))
                    ratings.append(rating)
                element.append(ratings)
            self._sub(element, "description", entry.get("description"))
            affects = self._e("affects")
            for target in entry["affects"]:
                wrapper = self._e("target")
                self._sub(wrapper, "ref", target["ref"])
                affects.append(wrapper)
            element.append(affects)
            vulnerabilities.append(element)
        self._xf.write(vulnerabilities)

    def _q(self, tag: str) -> str:
        return f"{{{self._ns}}}{tag}"

    def _e(self, tag: str, **attributes: str) -> Any:
        return etree.Element(self._q(tag), attributes)

    def _sub(self, parent: Any, tag: str, text: str | None, **attributes: str) -> None:
        if text is None or text == "":
            return
        etree.SubElement(parent, self._q(tag), attributes).text = xml_text(text)


def xml_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters, surrogates, U+FFFE or U+FFFF: they
    are dropped, as a description copied from a package index may carry them."""
    return "".join(ch for ch in text if _xml_char(ord(ch)))


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or code >= 0x10000
    )

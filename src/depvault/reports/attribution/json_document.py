"""The Attribution report as JSON (the keys of each scope: ``reports/attribution/report.py``),
written as it is fed: arrays a thousand entries per ``orjson.dumps``, like the other
JSON reports (``writers.write_json_objects``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, BinaryIO

import orjson

from depvault.domain.licensing.texts import license_text
from depvault.reports.attribution.model import (
    Entry,
    Head,
    Layout,
    LicensedGroup,
    LicenseUse,
    Summary,
)
from depvault.reports.sbom.labels import spdx_safe

__all__ = ["JsonSyntax"]

_OBJECTS_PER_DUMP = 1000


class JsonSyntax:
    """One JSON object, its keys in document order, each key only for what was asked."""

    def __init__(self, target: BinaryIO, layout: Layout) -> None:
        self._target = target
        self._layout = layout
        self._keys = 0

    def _key(self, name: str) -> None:
        self._target.write((b"," if self._keys else b"{") + orjson.dumps(name) + b":")
        self._keys += 1

    def _value(self, name: str, value: object) -> None:
        self._key(name)
        self._target.write(orjson.dumps(value))

    def _array(self, objects: Iterable[dict[str, Any]]) -> None:
        self._target.write(b"[")
        iterator, first = iter(objects), True
        while batch := list(islice(iterator, _OBJECTS_PER_DUMP)):
            self._target.write((b"" if first else b",") + orjson.dumps(batch)[1:-1])
            first = False
        self._target.write(b"]")

    def head(self, head: Head) -> None:
        if head.title is not None:
            self._value("reportTitle", head.title)
        if head.header is not None:
            self._value("reportHeader", head.header)
        if head.attribute is not None:
            name, value = head.attribute
            self._value("customAttribute", {"name": name, "value": value})

    def summary(self, summary: Summary) -> None:
        self._value(
            "summary",
            {
                "projects": summary.projects,
                "libraries": summary.libraries,
                "licenses": summary.licenses,
                "librariesWithoutLicense": summary.without_license,
                "byLicense": dict(summary.by_license),
            },
        )

    def _identity(self, entry: Entry) -> dict[str, Any]:
        shown: dict[str, Any] = {"library": entry.label or spdx_safe(entry.name)}
        if self._layout.versions:
            shown["version"] = entry.version or ""
        if self._layout.projects:
            shown["project"] = entry.project or ""
        return shown

    def _library(self, entry: Entry) -> dict[str, Any]:
        shown = self._identity(entry)
        if self._layout.copyrights:
            shown["copyrights"] = list(entry.copyrights)
        if self._layout.notices:
            shown["notices"] = [{"text": n.text, "reference": n.reference} for n in entry.notices]
        return shown

    def libraries(self, entries: Iterable[Entry]) -> None:
        self._key("libraries")
        self._array(self._library(entry) for entry in entries)

    def detail(self, groups: Iterable[LicensedGroup], licenses: Mapping[str, LicenseUse]) -> None:
        self._key("detail")
        self._target.write(b"{")
        for n, (key, entries) in enumerate(groups):
            self._target.write((b"," if n else b"") + orjson.dumps(key) + b":")
            self._array(self._licensed(entries, licenses))
        self._target.write(b"}")

    def _licensed(
        self, entries: Iterable[Entry], licenses: Mapping[str, LicenseUse]
    ) -> Iterator[dict[str, Any]]:
        """Entries in the shape mend-sbom-export-cli reads: ``licenses`` [{license,
        licenseText}], the text null when it is in the appendix or unknown."""
        inline = self._layout.texts_inline
        for entry in entries:
            shown = self._identity(entry)
            shown["licenses"] = [
                {
                    "license": license_id,
                    "licenseText": _text(license_id, licenses) if inline else None,
                }
                for license_id in entry.licenses
            ]
            yield shown

    def end(self, licenses: Sequence[LicenseUse] | None, footer: str | None) -> None:
        if licenses is not None:
            self._value("licenses", [self._license(use) for use in licenses])
        if footer is not None:
            self._value("reportFooter", footer)
        self._target.write(b"}" if self._keys else b"{}")

    def _license(self, use: LicenseUse) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "license": use.license_id,
            "name": use.name,
            "url": use.url,
            "libraries": use.entries,
        }
        if not self._layout.texts_inline:  # the appendix: each text once
            shown["licenseText"] = use.text
        return shown


def _text(license_id: str, licenses: Mapping[str, LicenseUse]) -> str | None:
    use = licenses.get(license_id)
    return use.text if use is not None else license_text(license_id)

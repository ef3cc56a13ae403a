"""SPDX YAML, streamed: the JSON document's dicts (``reports/sbom/spdx.py``) written
as YAML block mappings, one package or relationship at a time, with libyaml's emitter
when PyYAML has it. spdx-tools reads the file back as it reads the JSON (the same
keys); ``tests/functional/test_sbom_combinations.py`` parses and validates it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

import yaml  # type: ignore[import-untyped]

__all__ = ["YamlSyntax"]

# libyaml's emitter is several times faster than the pure-Python one
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(value: object) -> bytes:
    text: str = yaml.dump(
        value, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return text.encode()


class YamlSyntax:
    """The document as one YAML mapping; each list entry is dumped on its own as a
    one-item list, which YAML reads as the next item of the key above it."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self._packages = 0

    def head(self, head: dict[str, Any]) -> None:
        self._target.write(_dump(head))

    def package(self, package: dict[str, Any]) -> None:
        if not self._packages:
            self._target.write(b"packages:\n")
        self._target.write(_dump([package]))
        self._packages += 1

    def relationships(self, relationships: Iterable[tuple[str, str, str]]) -> None:
        if not self._packages:
            self._target.write(b"packages: []\n")
        written = 0
        for source, kind, target in relationships:
            relation = {
                "spdxElementId": source,
                "relationshipType": kind,
                "relatedSpdxElement": target,
            }
            self._target.write((b"" if written else b"relationships:\n") + _dump([relation]))
            written += 1
        if not written:
            self._target.write(b"relationships: []\n")

    def end(self, licenses: list[dict[str, Any]]) -> None:
        if licenses:
            self._target.write(_dump({"hasExtractedLicensingInfos": licenses}))

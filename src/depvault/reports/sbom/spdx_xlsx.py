"""The SPDX spreadsheet, streamed with depvault's own XLSX writer (``reports/formats/xlsx.py``).

The layout is the one SPDX's spreadsheet tools read and wrote (the SPDX tools' sheet
classes, format 2.x): a "Document Info" sheet (one row; further creators on the rows
below), "Package Info" (one row per package; an empty verification code is how that
format says files were not analyzed), "External Refs" (purls and advisories, one row
per reference), "Relationships" and "Extracted License Info". Packages stream into their
sheet while their external references are spooled to a temporary file, written as their
sheet when the packages end: a workbook's sheets are written one after another.

spdx-tools has no spreadsheet reader; ``tests/functional/test_sbom_combinations.py``
reads the sheets back with openpyxl into spdx-tools' model and validates it.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterable
from typing import Any, BinaryIO, Final

import orjson

from depvault.reports.formats.xlsx import Column, XlsxWorkbook

__all__ = ["DOCUMENT_COLUMNS", "LICENSE_COLUMNS", "PACKAGE_COLUMNS", "XlsxSyntax"]

DOCUMENT_COLUMNS: Final = tuple(
    Column(title, width)
    for title, width in (
        ("Spreadsheet Version", 12),
        ("SPDX Version", 12),
        ("Data License", 12),
        ("SPDX Identifier", 20),
        ("License List Version", 12),
        ("Document Name", 30),
        ("Document Namespace", 60),
        ("Document Contents", 30),
        ("External Document References", 30),
        ("Document Comment", 30),
        ("Creator", 40),
        ("Created", 22),
        ("Creator Comment", 30),
    )
)
PACKAGE_COLUMNS: Final = tuple(
    Column(title, width)
    for title, width in (
        ("Package Name", 30),
        ("SPDX Identifier", 40),
        ("Package Version", 17),
        ("Package FileName", 30),
        ("Package Supplier", 20),
        ("Package Originator", 20),
        ("Home Page", 30),
        ("Package Download Location", 30),
        ("Package Checksum", 50),
        ("Package Verification Code", 30),
        ("Verification Code Excluded Files", 30),
        ("Source Info", 20),
        ("License Declared", 40),
        ("License Concluded", 40),
        ("License Info From Files", 30),
        ("License Comments", 30),
        ("Package Copyright Text", 40),
        ("Summary", 30),
        ("Description", 50),
    )
)
EXTERNAL_REF_COLUMNS: Final = tuple(
    Column(title, width)
    for title, width in (
        ("Package ID", 40),
        ("Category", 18),
        ("Type", 14),
        ("Locator", 60),
        ("Comment", 30),
    )
)
RELATIONSHIP_COLUMNS: Final = tuple(
    Column(title, width)
    for title, width in (
        ("SPDX Identifier A", 40),
        ("Relationship", 20),
        ("SPDX Identifier B", 40),
        ("Relationship Comment", 40),
    )
)
LICENSE_COLUMNS: Final = tuple(
    Column(title, width)
    for title, width in (
        ("Identifier", 30),
        ("Extracted Text", 120),
        ("License Name", 40),
        ("Cross Reference URLs", 60),
        ("Comment", 40),
    )
)
SPREADSHEET_VERSION: Final = "2.3"


class XlsxSyntax:
    """The workbook, its sheets opened in document order."""

    def __init__(self, target: BinaryIO) -> None:
        self._package = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self._book = XlsxWorkbook(self._package)
        self._refs = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ``end``
        self._packages = 0

    def head(self, head: dict[str, Any]) -> None:
        self._book.sheet("Document Info", DOCUMENT_COLUMNS)
        creators = head["creationInfo"]["creators"]
        self._book.add(
            (
                SPREADSHEET_VERSION,
                head["spdxVersion"],
                head["dataLicense"],
                head["SPDXID"],
                None,
                head["name"],
                head["documentNamespace"],
                None,
                None,
                None,
                creators[0],
                head["creationInfo"]["created"],
                None,
            )
        )
        for creator in creators[1:]:
            self._book.add((None,) * 10 + (creator, None, None))

    def package(self, package: dict[str, Any]) -> None:
        if not self._packages:
            self._book.sheet("Package Info", PACKAGE_COLUMNS)
        self._packages += 1
        checksums = ", ".join(
            f"{c['algorithm']}: {c['checksumValue']}" for c in package.get("checksums", ())
        )
        self._book.add(
            (
                package["name"],
                package["SPDXID"],
                package.get("versionInfo"),
                package.get("packageFileName"),
                package["supplier"],
                None,
                None,
                package["downloadLocation"],
                checksums or None,
                None,  # no verification code: files were not analyzed
                None,
                None,
                package["licenseDeclared"],
                package["licenseConcluded"],
                None,
                None,
                package["copyrightText"],
                None,
                package.get("description"),
            )
        )
        for ref in package.get("externalRefs", ()):
            row = (
                package["SPDXID"],
                ref["referenceCategory"],
                ref["referenceType"],
                ref["referenceLocator"],
            )
            self._refs.write(orjson.dumps(row) + b"\n")

    def relationships(self, relationships: Iterable[tuple[str, str, str]]) -> None:
        if not self._packages:
            self._book.sheet("Package Info", PACKAGE_COLUMNS)
        self._book.sheet("External Refs", EXTERNAL_REF_COLUMNS)
        self._refs.seek(0)
        for line in self._refs:
            self._book.add((*orjson.loads(line), None))
        self._refs.close()
        self._book.sheet("Relationships", RELATIONSHIP_COLUMNS)
        for source, kind, target in relationships:
            self._book.add((source, kind, target, None))

    def end(self, licenses: list[dict[str, Any]]) -> None:
        self._book.sheet("Extracted License Info", LICENSE_COLUMNS)
        for entry in licenses:
            urls = ", ".join(entry.get("seeAlsos", ()))
            self._book.add(
                (entry["licenseId"], entry["extractedText"], entry["name"], urls or None, None)
            )
        self._book.close()
        self._package.close()

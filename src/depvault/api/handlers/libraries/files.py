"""Licenses and Library requests that answer files (catalog §6.5): license zips,
copyright and notice text files, and setting a library's notice.

Each license file of a zip holds the license's text (from the ScanCode license database,
``domain.license_texts``), after its name, page and the libraries under it; a license no
text is known for (a custom ``LicenseRef``) says so. Text files use CRLF line ends
and carry ``charset=utf-8``: the SDK parses the notices file as text, which it only
does for a body whose content type names a charset.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence

from pydantic import Field

from depvault.api.call import Call
from depvault.api.request_types import (
    BinaryResult,
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Access, Level
from depvault.domain.licensing.licenses import license_info
from depvault.domain.licensing.texts import license_text
from depvault.errors import InvalidLibrary
from depvault.store.inventories import library_marks as marks
from depvault.store.inventories import library_reads
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.library_reads import LicensedLibrary
from depvault.store.organizations.changelog import Change, record_change

__all__ = ["NO_TEXTS", "REQUEST_TYPES", "SEPARATOR", "TEXT_PLAIN", "ZIP"]

ZIP = "application/zip"
TEXT_PLAIN = "text/plain; charset=utf-8"
CRLF = "\r\n"
SEPARATOR = "=" * 72  # the SDK skips lines of one repeated character
NO_TEXTS = (
    "No text is known for this license: read its terms at the license's page (the URL "
    "above) or in the library's own distribution."
)
_UNSAFE = re.compile(r"[^A-Za-z0-9.+\-]")

_SCOPE_NOUNS = {Level.ORG: "Organization", Level.PRODUCT: "Product", Level.PROJECT: "Project"}


def _text_file(lines: Iterable[str], filename: str) -> BinaryResult:
    body = CRLF.join(lines) + CRLF
    return BinaryResult(TEXT_PLAIN, body.encode("utf-8"), filename)


def _crlf(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _scope_title(call: Call) -> str:
    return f"{_SCOPE_NOUNS[call.scope.level]} {call.scope.require(call.scope.level).name}"


# --- license zips -----------------------------------------------------------------------


def _member(name: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, stamp)  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _member_name(license_id: str, taken: set[str]) -> str:
    stem = _UNSAFE.sub("_", license_id) or "license"
    name, n = f"{stem}.txt", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.txt"
    taken.add(name)
    return name


def _license_file(license_id: str, uses: Sequence[LicensedLibrary]) -> str:
    info = license_info(license_id)
    lines = [
        uses[0].license_name or info.name,
        f"SPDX identifier: {license_id}",
        f"URL: {info.url or 'none known'}",
        "",
        NO_TEXTS,
        "",
        f"Libraries under this license ({len(uses)}):",
    ]
    lines.extend(f"  {u.library.filename} (keyUuid {u.library.key_uuid})" for u in uses)
    text = license_text(license_id)
    if text is not None:
        lines[4:5] = ["(the license text follows the list of libraries)"]
        lines.extend(["", SEPARATOR, "", *_crlf(text)])
    return CRLF.join(lines) + CRLF


def get_licenses_text_zip(call: Call, params: NoParams) -> Result:
    """A zip with one ``<SPDX id>.txt`` per license of the scope's libraries (its name,
    page, libraries and text) and a ``README.txt`` listing what is inside."""
    by_license: dict[str, list[LicensedLibrary]] = {}
    for use in library_reads.licensed_libraries(call.db, call.projects()):
        by_license.setdefault(use.license_id, []).append(use)
    stamp = call.now.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        readme = [
            f"Licenses of {_scope_title(call)}: {len(by_license)}",
            "",
            "Each <SPDX identifier>.txt names a license, lists the libraries under it and",
            "holds the license text (from the ScanCode license database) when one is known.",
        ]
        archive.writestr(_member("README.txt", stamp), CRLF.join(readme) + CRLF)
        taken = {"README.txt"}
        for license_id, uses in by_license.items():
            member = _member(_member_name(license_id, taken), stamp)
            archive.writestr(member, _license_file(license_id, uses))
    return BinaryResult(ZIP, buffer.getvalue(), "licenses.zip")


# --- copyrights and notices -------------------------------------------------------------


def get_copyrights_text_file(call: Call, params: NoParams) -> Result:
    """A text file with the copyright statements of the scope's libraries: each
    library's file name, then its statements, then a blank line."""
    lines = [f"Copyrights of {_scope_title(call)}", ""]
    for library, text in library_reads.copyrights(call.db, call.projects()):
        lines.append(library.filename)
        lines.extend(line for line in _crlf(text) if line.strip())
        lines.append("")
    return _text_file(lines, "copyrights.txt")


def get_notices_text_file(call: Call, params: NoParams) -> Result:
    """The product's name, then per library with a notice: a separator line,
    ``Library: <file name>``, ``Reference: <reference>`` when set, and the text
    (the layout the SDK's ``get_lib_notice`` parses)."""
    lines = [call.product.name]
    for notice in marks.notices(call.db, call.org.id, call.projects()):
        lines.extend([SEPARATOR, f"Library: {notice.library.filename}"])
        if notice.reference:
            lines.append(f"Reference: {notice.reference}")
        lines.extend(_crlf(notice.text))
    lines.append(SEPARATOR)
    return _text_file(lines, "notices.txt")


class SetLibraryNotice(Params):
    library_uuid: str = Field(alias="libraryUUID", min_length=1, max_length=64)
    text: str = Field(max_length=100_000)
    reference: str | None = Field(default=None, max_length=4096)


def set_library_notice(call: Call, params: SetLibraryNotice) -> Result:
    """Set the organization's notice of one of its libraries (an empty ``text`` removes
    it). Raises InvalidLibrary (8000) for a libraryUUID not in the organization's
    inventories."""
    library = library_reads.library_in_scope(
        call.db, ProjectFilter(org_id=call.org.id), params.library_uuid
    )
    if library is None:
        raise InvalidLibrary("libraryUUID", params.library_uuid)
    text = params.text.strip()
    before = marks.set_notice(
        call.db, call.org.id, library.id, text, params.reference or None, call.now
    )
    what = {"library": library.filename, "keyUuid": library.key_uuid}
    aspect = "REMOVED" if not text else "UPDATED" if before else "ADDED"
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change(
            "LIBRARY_NOTICE",
            aspect,
            before={**what, "text": before[0], "reference": before[1]} if before else None,
            after={**what, "text": text, "reference": params.reference} if text else None,
        ),
    )
    verb = "removed from" if not text else "set for"
    return {"message": f"Library notice {verb} {library.filename}"}


REQUEST_TYPES = in_category(
    Category.LICENSES_AND_LIBRARY,
    [
        RequestType(
            "getLicensesTextZip",
            Level.PRODUCT,
            NoParams,
            get_licenses_text_zip,
            summary="A zip with one <SPDX id>.txt per license of the product (name, page, "
            "libraries, text) and a README.txt.",
        ),
        *(
            RequestType(
                f"get{noun}LicensesTextZip",
                level,
                NoParams,
                get_licenses_text_zip,
                summary="As getLicensesTextZip, for this scope (name from the catalog's "
                "table of contents, unverified).",
            )
            for noun, level in (
                ("Organization", Level.ORG),
                ("Product", Level.PRODUCT),
                ("Project", Level.PROJECT),
            )
        ),
        *(
            RequestType(
                f"get{noun}CopyrightsTextFile",
                level,
                NoParams,
                get_copyrights_text_file,
                summary="A text/plain file of the copyright statements of the scope's "
                "libraries (name from the catalog's table of contents, unverified).",
            )
            for noun, level in (("Product", Level.PRODUCT), ("Project", Level.PROJECT))
        ),
        RequestType("getNoticesTextFile", Level.PRODUCT, NoParams, get_notices_text_file),
        RequestType(
            "setLibraryNotice",
            Level.ORG,
            SetLibraryNotice,
            set_library_notice,
            access=Access.ADMIN,
            writes=True,
            payload_fields=frozenset({"text", "reference"}),
        ),
    ],
)

"""SPDX 2.2 (the default, as document 003 says) or 2.3 export of a project or product
inventory, streamed: the ``ProjectSBOMReport``/``ProductSBOMReport`` with ``standard:
SPDX`` and the synchronous ``getProjectSpdxReport``.

DESIGN.md records why this is our own emitter rather than spdx-tools' writer: spdx-tools
validates as it builds and its validation is quadratic (10,000 packages ≈ 85 s). Packages
are written one at a time from a cursor, as JSON (orjson), tag-value, YAML, XML or the
SPDX spreadsheet (``reports/sbom/``); spdx-tools is the test oracle
(``tests/functional/test_spdx_export.py`` and ``test_sbom_combinations.py`` parse and
validate every document, and import it back through depvault's own importer).

The document. One package per library (``SPDXRef-PACKAGE-<library>``, where
``<library>`` is the Attribution report's name of it: ``reports/sbom/labels.py``), one
per project for the project itself
(``SPDXRef-Project-<id>``); the document DESCRIBES the project packages, each project
DEPENDS_ON its direct libraries and each edge of the dependency tree is a DEPENDS_ON.
That is the layout depvault's SPDX importer reads back (``ingest/spdx/reader.py``): described
packages are the project, what they depend on is direct. Licenses are the library's
normalised expression for both ``licenseConcluded`` and ``licenseDeclared``; every
``LicenseRef-`` in them gets a ``hasExtractedLicensingInfos`` entry, with the license's
text when the ScanCode database has it. With ``includeVulnerabilities`` (the default),
each advisory affecting a library is an external reference of its package, as SPDX 2.3
§7.21 shows: category SECURITY, type ``advisory``, the advisory's page as locator (2.2
has no SECURITY category: OTHER, with the same type and locator). ``maxDepthLevel`` as
the CycloneDX export reads it (0 is the direct dependencies); without it, every level
(see ``SbomFilter``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from itertools import chain, islice
from typing import Any, BinaryIO, Final, Protocol, cast

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault import __version__
from depvault.domain.licensing.licenses import license_info
from depvault.domain.licensing.texts import license_text
from depvault.domain.timefmt import utcnow
from depvault.reports.sbom.cyclonedx_json import SbomFilter
from depvault.reports.sbom.labels import PACKAGE_PREFIX, library_labels
from depvault.reports.sbom.spdx_xlsx import XlsxSyntax
from depvault.reports.sbom.spdx_xml import XmlSyntax
from depvault.reports.sbom.spdx_yaml import YamlSyntax
from depvault.reports.sources.core import in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    Library,
    LibraryVulnerability,
    Organization,
    Product,
    Project,
    ProjectDependency,
    ProjectLibrary,
)

__all__ = ["SYNTAXES", "Syntax", "advisory_url", "write_spdx"]

NOASSERTION: Final = "NOASSERTION"
DOCUMENT_ID: Final = "SPDXRef-DOCUMENT"
# An SPDX identifier allows letters, digits, "." and "-" only.
_ID_UNSAFE: Final = re.compile(r"[^A-Za-z0-9.\-]+")
_LICENSE_REF: Final = re.compile(r"LicenseRef-[A-Za-z0-9.\-]+")
# A license of another SPDX document: valid only beside an externalDocumentRefs entry,
# which depvault cannot give, so it becomes a local LicenseRef naming that document.
_EXTERNAL_REF: Final = re.compile(r"DocumentRef-([A-Za-z0-9.\-]+):LicenseRef-([A-Za-z0-9.\-]+)")
# spdx-tools' purl pattern (``external_package_ref_validator``) and the 40 hex digits of
# a SHA1: a value either would reject is left out rather than making the document invalid.
_PURL: Final = re.compile(r"^pkg:.+(\/.+)?\/.+(@.+)?(\?.+)?(#.+)?$")
_SHA1: Final = re.compile(r"[0-9a-fA-F]{40}")
Relationship = tuple[str, str, str]


class Syntax(Protocol):
    """One serialisation of the document, fed in document order."""

    def head(self, head: dict[str, Any]) -> None: ...
    def package(self, package: dict[str, Any]) -> None: ...
    def relationships(self, relationships: Iterable[Relationship]) -> None: ...
    def end(self, licenses: list[dict[str, Any]]) -> None: ...


def write_spdx(
    db: Session,
    which: ProjectFilter,
    options: Any,
    target: BinaryIO,
    title: str,
    *,
    syntax: str = "json",
    limit: int | None = None,
) -> int:
    """Write one SPDX document for the scope in ``syntax`` (a key of :data:`SYNTAXES`);
    returns its library package count. With ``limit``, at most ``limit + 1`` libraries
    are read: a caller that refuses larger documents sees the count pass the limit and
    discards what was written."""
    opts = options if isinstance(options, SbomFilter) else SbomFilter(standard="SPDX")
    version = opts.version if opts.standard == "SPDX" and opts.version else "2.2"
    out = SYNTAXES[syntax](target)
    out.head(_head(db, which, version, title))
    projects = _projects(db, which)
    for project_id, name in projects:
        out.package(_project_package(project_id, name))
    labels = library_labels(db, which)
    refs: dict[int, str] = {}
    licenses: dict[str, dict[str, Any]] = {}
    depth = None if opts.max_depth_level is None else opts.max_depth_level + 1
    category = "SECURITY" if version != "2.2" else "OTHER"
    # closed when left early (``limit``): the relationships' queries follow on this connection
    chunks_of = cast(Generator[list[Any]], stream_chunks(db, _libraries(which, depth)))
    with closing(chunks_of) as chunks:
        rows = chain.from_iterable(_advised(db, chunks, opts.include_vulnerabilities))
        for row, advisories in rows if limit is None else islice(rows, limit + 1):
            package = _package(row, PACKAGE_PREFIX + labels[row[0]], licenses)
            for key in advisories:
                package.setdefault("externalRefs", []).append(_advisory_ref(category, key))
            refs[row[0]] = package["SPDXID"]
            out.package(package)
    out.relationships(_relationships(db, which, projects, refs))
    out.end(sorted(licenses.values(), key=lambda info: str(info["licenseId"])))
    return len(refs)


# --- reads -------------------------------------------------------------------------------


def _advised(
    db: Session, chunks: Iterable[list[Any]], wanted: bool
) -> Iterator[list[tuple[Any, list[str]]]]:
    """Each chunk's rows with the keys of the advisories affecting their library (none
    when vulnerabilities are not ``wanted``): one query a chunk."""
    for chunk in chunks:
        found: dict[int, list[str]] = {}
        if wanted:
            statement = (
                select(LibraryVulnerability.library_id, Advisory.key)
                .join(Advisory, Advisory.id == LibraryVulnerability.advisory_id)
                .where(LibraryVulnerability.library_id.in_([row[0] for row in chunk]))
                .order_by(Advisory.key)
            )
            for library_id, key in db.execute(statement):
                found.setdefault(library_id, []).append(key)
        yield [(row, found.get(row[0], [])) for row in chunk]


def advisory_url(key: str) -> str:
    """The page of an advisory, as the Vulnerability report and CycloneDX give it."""
    return f"https://osv.dev/vulnerability/{key}"


def _head(db: Session, which: ProjectFilter, version: str, title: str) -> dict[str, Any]:
    creators = [f"Tool: depvault-{__version__}"]
    organization = _organization(db, which)
    if organization:
        # "Organization: name (email)": parentheses in a name would read as an email
        name = " ".join(organization.replace("(", "[").replace(")", "]").split())
        creators.append(f"Organization: {name}")
    slug = _ID_UNSAFE.sub("-", title).strip("-.")[:60] or "scope"
    return {
        "spdxVersion": f"SPDX-{version}",
        "dataLicense": "CC0-1.0",
        "SPDXID": DOCUMENT_ID,
        "name": title,
        # unique per document (SPDX 2.3 §6.5); the spec's convention for a creator
        # without a site of its own
        "documentNamespace": f"https://spdx.org/spdxdocs/depvault-{slug}-{uuid.uuid4()}",
        "creationInfo": {
            "created": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creators": creators,
        },
    }


def _organization(db: Session, which: ProjectFilter) -> str | None:
    statement = select(Organization.name)
    if which.org_id is not None:
        statement = statement.where(Organization.id == which.org_id)
    elif which.product_id is not None:
        statement = statement.join(Product, Product.org_id == Organization.id).where(
            Product.id == which.product_id
        )
    elif which.project_id is not None:
        statement = statement.join(Project, Project.org_id == Organization.id).where(
            Project.id == which.project_id
        )
    else:
        return None
    return db.scalar(statement)


def _projects(db: Session, which: ProjectFilter) -> list[tuple[int, str]]:
    ordered: Any = select(Project.id, Project.name).order_by(Project.name, Project.id)
    statement = in_scope(ordered, which)
    return [(project_id, name) for project_id, name in db.execute(statement)]


def _libraries(which: ProjectFilter, depth: int | None) -> Any:
    statement: Any = (
        select(
            Library.id,
            Library.key_uuid,
            Library.name,
            Library.version,
            Library.filename,
            Library.purl,
            Library.sha1,
            Library.description,
            Library.license_expression,
            Library.copyright,
        )
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id)
        .distinct()
    )
    if depth is not None:
        statement = statement.where(ProjectLibrary.depth <= depth)
    return in_scope(statement, which)


def _relationships(
    db: Session, which: ProjectFilter, projects: list[tuple[int, str]], refs: dict[int, str]
) -> Iterator[Relationship]:
    """DESCRIBES each project (NONE for a scope without projects), each project
    DEPENDS_ON its direct libraries, each library DEPENDS_ON its children; edges to a
    library left out (deeper than ``maxDepthLevel``) are left out too."""
    if not projects:
        yield DOCUMENT_ID, "DESCRIBES", "NONE"
    for project_id, _name in projects:
        yield DOCUMENT_ID, "DESCRIBES", _project_id(project_id)
    direct = in_scope(
        select(ProjectLibrary.project_id, ProjectLibrary.library_id)  # type: ignore[arg-type]
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(ProjectLibrary.direct),
        which,
    )
    roots: set[tuple[int, int]] = set()
    for chunk in stream_chunks(db, direct):
        roots.update((p, c) for p, c in chunk if c in refs)
    for project_id, library_id in sorted(roots):
        yield _project_id(project_id), "DEPENDS_ON", refs[library_id]
    edges = in_scope(
        select(ProjectDependency.parent_id, ProjectDependency.child_id)  # type: ignore[arg-type]
        .select_from(ProjectDependency)
        .join(Project, Project.id == ProjectDependency.project_id),
        which,
    )
    pairs: set[tuple[int, int]] = set()  # a product's projects share edges
    for chunk in stream_chunks(db, edges):
        pairs.update((p, c) for p, c in chunk if p in refs and c in refs)
    for parent, child in sorted(pairs):
        yield refs[parent], "DEPENDS_ON", refs[child]


# --- packages and licenses ---------------------------------------------------------------


def _project_id(project_id: int) -> str:
    return f"SPDXRef-Project-{project_id}"


def _project_package(project_id: int, name: str) -> dict[str, Any]:
    return {
        "SPDXID": _project_id(project_id),
        "name": name,
        "supplier": NOASSERTION,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
    }


def _advisory_ref(category: str, key: str) -> dict[str, str]:
    return {
        "referenceCategory": category,
        "referenceType": "advisory",
        "referenceLocator": advisory_url(key),
    }


def _package(row: Any, spdx_id: str, licenses: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One library as an SPDX package; records the LicenseRefs its expression names."""
    _id, _key_uuid, name, version, filename, purl, sha1, description, expression, copyright_ = row
    package: dict[str, Any] = {"SPDXID": spdx_id, "name": name}
    if version:
        package["versionInfo"] = version
    if filename:
        package["packageFileName"] = filename
    package["supplier"] = NOASSERTION
    package["downloadLocation"] = NOASSERTION
    package["filesAnalyzed"] = False
    if sha1 and _SHA1.fullmatch(sha1):
        package["checksums"] = [{"algorithm": "SHA1", "checksumValue": sha1.lower()}]
    stated = _licenses_of(expression, licenses) if expression else NOASSERTION
    package["licenseConcluded"] = stated
    package["licenseDeclared"] = stated
    package["copyrightText"] = copyright_ or NOASSERTION
    if description:
        package["description"] = description
    if purl and _PURL.match(purl) and not any(c.isspace() for c in purl):
        package["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }
        ]
    return package


def _licenses_of(expression: str, licenses: dict[str, dict[str, Any]]) -> str:
    """The expression with other documents' licenses made local LicenseRefs; records
    the ``hasExtractedLicensingInfos`` entry of every LicenseRef it names."""

    def local(match: re.Match[str]) -> str:
        license_id = f"LicenseRef-{match[1]}-{match[2]}"
        if license_id not in licenses:
            licenses[license_id] = _extracted(license_id, external=match[0])
        return license_id

    stated = _EXTERNAL_REF.sub(local, expression)
    for license_id in _LICENSE_REF.findall(stated):
        if license_id not in licenses:
            licenses[license_id] = _extracted(license_id)
    return stated


def _extracted(license_id: str, external: str | None = None) -> dict[str, Any]:
    """The ``hasExtractedLicensingInfos`` entry of a LicenseRef (SPDX requires a text):
    the ScanCode text when there is one, else what depvault knows of the license."""
    info = license_info(external or license_id)
    if external:
        text = (
            f"Named {external} by the SBOM the library came from: a license of another "
            "SPDX document, of which depvault keeps no copy."
        )
    else:
        text = license_text(license_id) or (
            f"depvault holds no text for this license: the library's metadata named it "
            f"({license_id}) without quoting it."
        )
    entry: dict[str, Any] = {"licenseId": license_id, "extractedText": text, "name": info.name}
    if info.url:
        entry["seeAlsos"] = [info.url]
    return entry


# --- syntaxes ----------------------------------------------------------------------------


class JsonSyntax:
    """SPDX JSON, each package and relationship one orjson call."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self._packages = 0

    def head(self, head: dict[str, Any]) -> None:
        self._target.write(orjson.dumps(head)[:-1] + b',"packages":[')

    def package(self, package: dict[str, Any]) -> None:
        if self._packages:
            self._target.write(b",")
        self._target.write(orjson.dumps(package))
        self._packages += 1

    def relationships(self, relationships: Iterable[Relationship]) -> None:
        self._target.write(b'],"relationships":[')
        for n, (source, kind, target) in enumerate(relationships):
            relation = {
                "spdxElementId": source,
                "relationshipType": kind,
                "relatedSpdxElement": target,
            }
            self._target.write(orjson.dumps(relation) if not n else b"," + orjson.dumps(relation))
        self._target.write(b"]")

    def end(self, licenses: list[dict[str, Any]]) -> None:
        if licenses:
            self._target.write(b',"hasExtractedLicensingInfos":' + orjson.dumps(licenses))
        self._target.write(b"}")


class TagValueSyntax:
    """SPDX tag-value. Free text always goes between ``<text>`` and ``</text>``, which
    the format cannot escape: a ``</text>`` inside is written ``&lt;/text&gt;``; one-line
    values lose their line breaks."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target

    def _line(self, tag: str, value: object) -> None:
        flat = " ".join(str(value).split())
        self._target.write(f"{tag}: {flat}\n".encode())

    def _text(self, tag: str, value: str) -> None:
        if value in (NOASSERTION, "NONE"):
            self._line(tag, value)
            return
        safe = value.replace("</text>", "&lt;/text&gt;")
        self._target.write(f"{tag}: <text>{safe}</text>\n".encode())

    def head(self, head: dict[str, Any]) -> None:
        self._line("SPDXVersion", head["spdxVersion"])
        self._line("DataLicense", head["dataLicense"])
        self._line("SPDXID", head["SPDXID"])
        self._line("DocumentName", head["name"])
        self._line("DocumentNamespace", head["documentNamespace"])
        for creator in head["creationInfo"]["creators"]:
            self._line("Creator", creator)
        self._line("Created", head["creationInfo"]["created"])

    def package(self, package: dict[str, Any]) -> None:
        self._target.write(b"\n")
        self._line("PackageName", package["name"])
        self._line("SPDXID", package["SPDXID"])
        if "versionInfo" in package:
            self._line("PackageVersion", package["versionInfo"])
        if "packageFileName" in package:
            self._line("PackageFileName", package["packageFileName"])
        self._line("PackageSupplier", package["supplier"])
        self._line("PackageDownloadLocation", package["downloadLocation"])
        self._line("FilesAnalyzed", "false")
        for checksum in package.get("checksums", ()):
            self._line("PackageChecksum", f"{checksum['algorithm']}: {checksum['checksumValue']}")
        self._line("PackageLicenseConcluded", package["licenseConcluded"])
        self._line("PackageLicenseDeclared", package["licenseDeclared"])
        self._text("PackageCopyrightText", package["copyrightText"])
        if "description" in package:
            self._text("PackageDescription", package["description"])
        for ref in package.get("externalRefs", ()):
            self._line(
                "ExternalRef",
                f"{ref['referenceCategory']} {ref['referenceType']} {ref['referenceLocator']}",
            )

    def relationships(self, relationships: Iterable[Relationship]) -> None:
        self._target.write(b"\n")
        for source, kind, target in relationships:
            self._line("Relationship", f"{source} {kind} {target}")

    def end(self, licenses: list[dict[str, Any]]) -> None:
        for entry in licenses:
            self._target.write(b"\n")
            self._line("LicenseID", entry["licenseId"])
            self._text("ExtractedText", entry["extractedText"])
            self._line("LicenseName", entry["name"])
            for url in entry.get("seeAlsos", ()):
                self._line("LicenseCrossReference", url)


# syntax → its writer; the keys are what ``write_spdx`` takes
SYNTAXES: Final[dict[str, Callable[[BinaryIO], Syntax]]] = {
    "json": JsonSyntax,
    "tv": TagValueSyntax,
    "yaml": YamlSyntax,
    "xml": XmlSyntax,
    "xlsx": XlsxSyntax,
}

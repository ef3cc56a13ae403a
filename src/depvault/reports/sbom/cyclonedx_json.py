"""CycloneDX export of a project or product inventory (``ProjectSBOMReport``,
``ProductSBOMReport`` with ``standard: CycloneDX``), streamed, in JSON or XML
(``cyclonedx_xml`` writes the same parts in the XML schema's order).

DESIGN.md records why this is our own emitter: cyclonedx-python-lib's object model is
quadratic (10,000 components ≈ 58 s to build and 56 s to serialise). Components are
written one at a time with orjson from a cursor; the library's JSON schema is the test
oracle (``tests/functional/test_sbom_export.py`` validates every document, and reads it
back through depvault's own importer). ``maxDepthLevel`` as Mend defines it: 0 is the
top level only (direct dependencies), each level one step deeper.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson
from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.timefmt import utcnow
from depvault.reports.filters import NoFilter
from depvault.reports.sbom.cyclonedx_xml import CycloneDxXmlWriter
from depvault.reports.sources.core import in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    Library,
    LibraryLicense,
    LibraryVulnerability,
    Project,
    ProjectDependency,
    ProjectLibrary,
)

__all__ = ["CYCLONEDX_FORMATS", "SBOM_VERSIONS", "SbomFilter", "write_cyclonedx"]

# An expression that cannot be written as a list of licenses, all applying.
_CHOICE = re.compile(r"\b(OR|WITH)\b")


# The versions each standard is offered in, the default first, as document 003 says
# (SPDX 2.2 and 2.3 differ here in how an advisory reference is categorised).
SBOM_VERSIONS: dict[str, tuple[str, ...]] = {"CycloneDX": ("1.4", "1.5"), "SPDX": ("2.2", "2.3")}
# The formats this module writes (XML through ``cyclonedx_xml``).
CYCLONEDX_FORMATS: tuple[str, ...] = ("json", "xml")


class SbomFilter(NoFilter):
    """The SBOM report's options (document 003).

    ``standard`` comes back canonical (``CycloneDX`` or ``SPDX``) and ``version``
    filled with the standard's default. ``max_depth_level`` None means the standard's
    default: 0 for CycloneDX, as Mend; every level for SPDX, since Mend documents the
    option for CycloneDX only, so its SPDX documents hold the whole tree.
    """

    standard: str = "CycloneDX"
    version: str | None = Field(default=None, validate_default=True)
    max_depth_level: int | None = Field(default=None, ge=0, le=1000)
    include_vulnerabilities: bool = True

    @field_validator("standard")
    @classmethod
    def _standard(cls, value: str) -> str:
        for standard in SBOM_VERSIONS:
            if value.strip().lower() == standard.lower():
                return standard
        raise ValueError("expected CycloneDX or SPDX")

    @field_validator("version")
    @classmethod
    def _version(cls, value: str | None, info: ValidationInfo) -> str | None:
        offered = SBOM_VERSIONS.get(info.data.get("standard", ""))
        if offered is None:  # the standard itself was refused
            return value
        if value is None:
            return offered[0]
        if value in offered:
            return value
        # worded as pydantic words a Literal, which this field was for CycloneDX alone
        expected = " or ".join(f"'{v}'" for v in offered)
        raise PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": expected}
        )


def write_cyclonedx(
    db: Session,
    which: ProjectFilter,
    options: Any,
    target: BinaryIO,
    title: str,
    *,
    fmt: str = "json",
) -> int:
    """Write one CycloneDX document for the scope in ``fmt`` (one of
    :data:`CYCLONEDX_FORMATS`); returns its component count."""
    if fmt not in CYCLONEDX_FORMATS:
        raise ValueError(f"CycloneDX is written as {', '.join(CYCLONEDX_FORMATS)}, not {fmt}")
    opts = options if isinstance(options, SbomFilter) else SbomFilter()
    depth = (opts.max_depth_level or 0) + 1
    head = {
        "bomFormat": "CycloneDX",
        "specVersion": opts.version,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": [{"vendor": "depvault", "name": "depvault"}],
            "component": {"type": "application", "name": title, "bom-ref": "root"},
        },
    }
    if fmt == "xml":
        return _write_xml(db, which, opts, depth, head, target)
    target.write(orjson.dumps(head)[:-1] + b',"components":[')
    written: list[int] = []
    for chunk in stream_chunks(db, _components(which, depth)):
        licenses = _licenses(db, {row[0] for row in chunk})
        for row in chunk:
            if written:
                target.write(b",")
            target.write(orjson.dumps(_component(row, licenses.get(row[0], ()))))
            written.append(row[0])
    target.write(b'],"dependencies":')
    target.write(orjson.dumps(_dependencies(db, which, set(written))))
    if opts.include_vulnerabilities:
        target.write(b',"vulnerabilities":')
        target.write(orjson.dumps(_vulnerabilities(db, written)))
    target.write(b"}")
    return len(written)


def _write_xml(
    db: Session,
    which: ProjectFilter,
    opts: SbomFilter,
    depth: int,
    head: dict[str, Any],
    target: BinaryIO,
) -> int:
    """The same document as XML, one component element at a time."""
    written: list[int] = []
    with CycloneDxXmlWriter(target, str(opts.version), head) as xml:
        with xml.components():
            for chunk in stream_chunks(db, _components(which, depth)):
                licenses = _licenses(db, {row[0] for row in chunk})
                for row in chunk:
                    xml.component(_component(row, licenses.get(row[0], ())))
                    written.append(row[0])
        xml.dependencies(_dependencies(db, which, set(written)))
        if opts.include_vulnerabilities:
            xml.vulnerabilities(_vulnerabilities(db, written))
    return len(written)


def _components(which: ProjectFilter, depth: int) -> Any:
    return in_scope(
        select(  # type: ignore[arg-type]
            Library.id,
            Library.key_uuid,
            Library.name,
            Library.group_id,
            Library.version,
            Library.purl,
            Library.sha1,
            Library.description,
            Library.license_expression,
        )
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id)
        .where(ProjectLibrary.depth <= depth)
        .distinct(),
        which,
    )


def _licenses(db: Session, ids: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for library_id, license_id in db.execute(
        select(LibraryLicense.library_id, LibraryLicense.license_id).where(
            LibraryLicense.library_id.in_(ids)
        )
    ):
        found[library_id].append(license_id)
    return found


def _component(row: Any, licenses: Iterable[str]) -> dict[str, Any]:
    _id, key_uuid, name, group, version, purl, sha1, description, expression = row
    component: dict[str, Any] = {"type": "library", "bom-ref": key_uuid, "name": name}
    if group:
        component["group"] = group
    if version:
        component["version"] = version
    if description:
        component["description"] = description
    if sha1:
        component["hashes"] = [{"alg": "SHA-1", "content": sha1}]
    ids = [i for i in licenses]
    if expression and _CHOICE.search(expression):
        # the source's expression ("MIT OR WTFPL"), not its ids as separate licenses,
        # which would read as all of them applying; CycloneDX holds it as one entry.
        # An AND of ids alone is what several stated licenses become on ingest
        # (``ingest/licensing.py``): it goes back as those licenses.
        component["licenses"] = [{"expression": expression}]
    elif ids:
        component["licenses"] = [
            {"license": {"id": i}} if not i.startswith("LicenseRef-") else {"license": {"name": i}}
            for i in ids
        ]
    if purl:
        component["purl"] = purl
    return component


def _dependencies(db: Session, which: ProjectFilter, written: set[int]) -> list[dict[str, Any]]:
    refs: dict[int, str] = {}
    children: dict[int, set[int]] = defaultdict(set)
    direct: set[int] = set()
    statement = in_scope(
        select(ProjectDependency.parent_id, ProjectDependency.child_id)  # type: ignore[arg-type]
        .select_from(ProjectDependency)
        .join(Project, Project.id == ProjectDependency.project_id),
        which,
    )
    for chunk in stream_chunks(db, statement):
        for parent, child in chunk:
            if parent in written and child in written:
                children[parent].add(child)
    occurrences = in_scope(
        select(Library.id, Library.key_uuid, ProjectLibrary.direct)  # type: ignore[arg-type]
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id),
        which,
    )
    for chunk in stream_chunks(db, occurrences):
        for library_id, key_uuid, is_direct in chunk:
            if library_id in written:
                refs[library_id] = key_uuid
                if is_direct:
                    direct.add(library_id)
    graph = [{"ref": "root", "dependsOn": sorted(refs[i] for i in direct)}]
    graph.extend(
        {"ref": refs[parent], "dependsOn": sorted(refs[c] for c in kids)}
        for parent, kids in sorted(children.items())
    )
    return graph


def _vulnerabilities(db: Session, library_ids: list[int]) -> list[dict[str, Any]]:
    affects: dict[int, list[str]] = defaultdict(list)
    keys: dict[int, str] = {}
    for start in range(0, len(library_ids), 2000):
        part = library_ids[start : start + 2000]
        for advisory_id, key_uuid in db.execute(
            select(LibraryVulnerability.advisory_id, Library.key_uuid)
            .join(Library, Library.id == LibraryVulnerability.library_id)
            .where(LibraryVulnerability.library_id.in_(part))
        ):
            affects[advisory_id].append(key_uuid)
    out = []
    for advisory in db.scalars(select(Advisory).where(Advisory.id.in_(list(affects)))):
        keys[advisory.id] = advisory.key
        entry: dict[str, Any] = {
            "bom-ref": f"vuln-{advisory.key}",
            "id": advisory.name,
            "source": {"name": "OSV", "url": f"https://osv.dev/vulnerability/{advisory.key}"},
            "description": advisory.summary or advisory.details[:1000],
            "affects": [{"ref": ref} for ref in sorted(affects[advisory.id])],
        }
        rating = _rating(advisory)
        if rating:
            entry["ratings"] = [rating]
        out.append(entry)
    return out


def _rating(advisory: Advisory) -> dict[str, Any] | None:
    for score, vector, method in (
        (advisory.cvss3_score, advisory.cvss3_vector, "CVSSv31"),
        (advisory.cvss4_score, advisory.cvss4_vector, "other"),  # CVSSv4: 1.5 only
        (advisory.cvss2_score, advisory.cvss2_vector, "CVSSv2"),
    ):
        if score is not None:
            rating: dict[str, Any] = {"score": score, "severity": advisory.band, "method": method}
            if vector:
                rating["vector"] = vector
            return rating
    if advisory.scored:
        return {"severity": advisory.band}
    return None

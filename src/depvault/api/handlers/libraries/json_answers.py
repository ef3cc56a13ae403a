"""Licenses and Library requests that answer JSON (catalog §6.5): licenses and license
histograms of a scope, library locations, library search and lookups; and the two
per-library project requests of §6.7, source files and dependencies.

Every read covers the libraries of the scope's inventories only: an organization's
libraries for organization requests (lookups included), a product's projects for
product requests, one project for project requests.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from pydantic import Field

from depvault.api.call import Call
from depvault.api.handlers.inventory import HIERARCHY_NODE_BUDGET
from depvault.api.handlers.shapes.common import library_json
from depvault.api.handlers.shapes.vulnerabilities import add_vulnerabilities
from depvault.api.request_types import (
    Category,
    Id64,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Level
from depvault.domain.identity import AGENT_ECOSYSTEMS, LIBRARY_TYPES
from depvault.domain.licensing.licenses import license_info
from depvault.errors import InvalidLibrary, InvalidParameter
from depvault.store.inventories import library_reads
from depvault.store.inventories import reads as inventory_reads
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.library_reads import LibraryRef
from depvault.store.inventories.reads import LibraryRow

__all__ = [
    "LOOKUP_LIMIT",
    "REQUEST_TYPES",
    "SDK_LIBRARY_TYPES",
    "ecosystems_of",
    "licensed_library_json",
]

LOOKUP_LIMIT = 100  # librarySearch answers at most 100 libraries (SDK: "max 100 results")

# The SDK's libraryType values (ws_constants.LibTypes) and the tools' (mend-import-sbom
# SHA1CalcType) → purl type. Mend's type labels ("Java", "javascript/Node.js" …) and
# purl types themselves are accepted too (see _TYPES); matching ignores case.
SDK_LIBRARY_TYPES = {
    "maven": "maven",
    "gradle": "maven",
    "pypi": "pypi",
    "go": "golang",
    "docker": "docker",
    "docker_layer": "docker",
    ".net": "nuget",
    "dotnet": "nuget",
    "nuget": "nuget",
    "actionscript": "generic",
    "alpine": "apk",
    "debian": "deb",
    "hex": "hex",
    "haskell": "hackage",
    "bower": "bower",
    "npm": "npm",
    "cdnjs": "npm",
    "ocaml": "opam",
    "php": "composer",
    "r": "cran",
    "rpm": "rpm",
    "ruby": "gem",
    "rust": "cargo",
    "cocoapods": "cocoapods",
}


def _type_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = defaultdict(set)
    for alias, ecosystem in SDK_LIBRARY_TYPES.items():
        table[alias].add(ecosystem)
    for ecosystem in (*LIBRARY_TYPES, *AGENT_ECOSYSTEMS.values()):
        table[ecosystem].add(ecosystem)
    for ecosystem, label in LIBRARY_TYPES.items():
        table[label.lower()].add(ecosystem)  # "source library" → github and generic
    return {alias: frozenset(ecosystems) for alias, ecosystems in table.items()}


_TYPES = _type_table()


def ecosystems_of(library_type: str) -> frozenset[str]:
    """The purl types a request's ``libraryType`` means; raises InvalidParameter naming
    the SDK's values when it means none."""
    ecosystems = _TYPES.get(library_type.strip().lower())
    if ecosystems is None:
        raise InvalidParameter(
            "libraryType", f"unknown library type; expected one of {', '.join(SDK_LIBRARY_TYPES)}"
        )
    return ecosystems


_REFERENCE_KINDS = (
    ("genericPackageIndex", "POM file"),
    ("homePage", "Project home page"),
    ("scmUrl", "Source code repository"),
)


def licensed_library_json(row: LibraryRow) -> dict[str, Any]:
    """A library as license requests show it: every license carries ``references``
    (clients read ``licenses[].references[0].reference``): the library's own pages
    where it has some, else the license's page."""
    item = library_json(row)
    pages = item["references"]
    found = [{"referenceType": kind, "reference": pages[key]} for key, kind in _REFERENCE_KINDS]
    found = [r for r in found if r["reference"]]
    for license_ in item["licenses"]:
        references = found or (
            [{"referenceType": "License page", "reference": license_["url"]}]
            if license_["url"]
            else []
        )
        license_["references"] = references
        if references:
            license_["referenceType"] = references[0]["referenceType"]
            license_["reference"] = references[0]["reference"]
    return item


def catalog_library_json(row: LibraryRow) -> dict[str, Any]:
    """A library as lookups show it: without the facts of one occurrence in a project."""
    item = library_json(row)
    for key in ("directDependency", "scope"):
        item.pop(key, None)
    return item


# --- licenses -----------------------------------------------------------------------


class LicensesParams(Params):
    exclude_project_occurrences: bool = False


def get_licenses(call: Call, params: LicensesParams) -> Result:
    """The scope's libraries with their licenses and, unless excludeProjectOccurrences,
    the scope's projects using each one."""
    which = call.projects()
    rows = library_reads.scoped_libraries(call.db, which)
    used_by = (
        {} if params.exclude_project_occurrences else library_reads.occurrences(call.db, which)
    )
    libraries = []
    for row in rows:
        item = licensed_library_json(row)
        if not params.exclude_project_occurrences:
            item["projects"] = [
                {"projectName": name, "projectToken": token}
                for name, token in used_by.get(row.id, ())
            ]
        libraries.append((row, item))
    add_vulnerabilities(call.db, call.version, libraries)
    return {"libraries": [item for _, item in libraries]}


def get_license_histogram(call: Call, params: NoParams) -> Result:
    """License name → number of library occurrences under it: each (project, library)
    pair of the scope counts once, so a library in three projects counts three times;
    a library with two licenses counts under both; libraries without one are left out."""
    histogram: dict[str, int] = defaultdict(int)
    for count in library_reads.license_histogram(call.db, call.projects()):
        histogram[count.name or license_info(count.license_id).name] += count.count
    return {"licenseHistogram": dict(sorted(histogram.items()))}


# --- locations, source files, dependencies --------------------------------------------


def get_library_locations(call: Call, params: NoParams) -> Result:
    """Every library of the scope with the paths and dependency files it was found in
    (an empty ``locations`` when the inventory did not say)."""
    answer = []
    for found in library_reads.library_locations(call.db, call.projects()):
        match = "SHA1" if found.sha1 else "PACKAGE_URL"
        answer.append(
            {
                "keyUuid": found.library.key_uuid,
                "keyId": found.library.id,
                "name": found.library.name,
                "filename": found.library.filename,
                "locations": [
                    {
                        "matchType": match,
                        "path": loc.path or "",
                        "localPath": loc.path or "",
                        "dependencyFile": loc.dependency_file or "",
                        "projectName": loc.project_name,
                        "projectToken": loc.project_token,
                    }
                    for loc in found.locations
                ],
            }
        )
    return {"libraryLocations": answer}


class LibraryKey(Params):
    key_uuid: str = Field(min_length=1, max_length=64)


def _project_library(call: Call, key_uuid: str) -> LibraryRef:
    library = library_reads.library_in_scope(
        call.db, ProjectFilter(project_id=call.project.id), key_uuid
    )
    if library is None:
        raise InvalidLibrary("keyUuid", key_uuid)
    return library


def get_library_source_files(call: Call, params: LibraryKey) -> Result:
    """The project's source files attributed to one of its libraries."""
    library = _project_library(call, params.key_uuid)
    return {
        "sourceFiles": [
            {"sha1": f.sha1, "name": f.name, "path": f.path or ""}
            for f in library_reads.source_files(call.db, call.project.id, library.id)
        ]
    }


def get_project_library_dependencies(call: Call, params: LibraryKey) -> Result:
    """The library's dependencies in the project, each with its own nested
    ``dependencies`` and ``fileName`` (cut where a cycle closes, and flat past
    ``HIERARCHY_NODE_BUDGET`` nodes, as getProjectHierarchy does)."""
    library = _project_library(call, params.key_uuid)
    graph = inventory_reads.project_graph(call.db, call.project.id)
    rows = {r.id: r for r in inventory_reads.project_libraries(call.db, call.project.id)}
    budget = [HIERARCHY_NODE_BUDGET]

    def expand(library_id: int, path: frozenset[int]) -> dict[str, Any]:
        budget[0] -= 1
        row = rows[library_id]
        node = library_json(row)
        node["fileName"] = row.filename
        node["extension"] = row.packaging or ""
        children = [c for c in graph.get(library_id, ()) if c not in path and c in rows]
        node["dependencies"] = [expand(c, path | {c}) for c in children] if budget[0] > 0 else []
        return node

    children = [c for c in graph.get(library.id, ()) if c in rows and c != library.id]
    return {"dependencies": [expand(c, frozenset({library.id, c})) for c in children]}


# --- search and lookups ---------------------------------------------------------------


class LibrarySearch(Params):
    search_value: str = Field(min_length=1, max_length=512)


def library_search(call: Call, params: LibrarySearch) -> Result:
    """At most 100 libraries of the scope (the organization's, for an orgToken) whose
    name, group or file name contains ``searchValue``, ignoring case. Mend searches its
    whole knowledge base; depvault knows only the libraries its inventories hold, and
    one organization never sees another's."""
    rows = library_reads.search_libraries(
        call.db, call.projects(), params.search_value.strip(), LOOKUP_LIMIT
    )
    return {"libraries": [catalog_library_json(r) for r in rows]}


class BasicLibraryInfo(Params):
    library_name: str = Field(min_length=1, max_length=512)
    library_version: str = Field(min_length=1, max_length=255)
    library_type: str = Field(min_length=1, max_length=64)


class LibraryInfo(BasicLibraryInfo):
    library_group: str | None = Field(default=None, max_length=512)
    key_id: Id64 | None = None
    architecture: str | None = None
    language_version: str | None = None
    include_request_token: bool = False


def _lookup(call: Call, params: BasicLibraryInfo, group: str | None, key_id: int | None) -> Result:
    ecosystems = ecosystems_of(params.library_type)
    name = params.library_name.strip()
    if group is None and ":" in name:  # Maven "group:artifact"
        group, name = name.rsplit(":", 1)
    elif group is None and "/" in name and (name.startswith("@") or "golang" in ecosystems):
        group, name = name.rsplit("/", 1)  # npm "@scope/name", Go "github.com/org/module"
    names = {name.lower()}
    if "pypi" in ecosystems:  # stored names are normalised as PEP 503 says
        names.add(re.sub(r"[-_.]+", "-", name).lower())
    rows = library_reads.find_libraries(
        call.db,
        call.projects(),
        names=names,
        version=params.library_version.strip(),
        ecosystems=ecosystems,
        group=group,
        key_id=key_id,
        limit=LOOKUP_LIMIT,
    )
    return {"librariesInformation": [catalog_library_json(r) for r in rows]}


def get_library_info(call: Call, params: LibraryInfo) -> Result:
    """The scope's libraries of that name, version and type (optionally group and
    keyId); ``architecture``, ``languageVersion`` and ``includeRequestToken`` are
    accepted and do not narrow the answer."""
    return _lookup(call, params, params.library_group, params.key_id)


def get_basic_library_info(call: Call, params: BasicLibraryInfo) -> Result:
    """Like getLibraryInfo with name, version and type only; SBOM import tools read
    ``librariesInformation[0].sha1`` and ``artifactId`` (``sha1`` is empty when no
    inventory gave one)."""
    return _lookup(call, params, None, None)


_ANY_SCOPE = (Level.PRODUCT, Level.PROJECT)  # the SDK sends the token it was built with

REQUEST_TYPES = in_category(
    Category.LICENSES_AND_LIBRARY,
    [
        RequestType("getOrganizationLicenses", Level.ORG, LicensesParams, get_licenses),
        RequestType("getProductLicenses", Level.PRODUCT, LicensesParams, get_licenses),
        RequestType("getProjectLicenses", Level.PROJECT, LicensesParams, get_licenses),
        RequestType("getOrganizationLicenseHistogram", Level.ORG, NoParams, get_license_histogram),
        RequestType("getProductLicenseHistogram", Level.PRODUCT, NoParams, get_license_histogram),
        RequestType("getProjectLicenseHistogram", Level.PROJECT, NoParams, get_license_histogram),
        RequestType("getProductLibraryLocations", Level.PRODUCT, NoParams, get_library_locations),
        RequestType("getProjectLibraryLocations", Level.PROJECT, NoParams, get_library_locations),
        RequestType(
            "librarySearch",
            Level.ORG,
            LibrarySearch,
            library_search,
            alternative_levels=_ANY_SCOPE,
            summary="Libraries of the organization's inventories (or of the product's or "
            "project's, for those tokens) whose name, group or file name contains "
            "searchValue, ignoring case; at most 100.",
        ),
        RequestType(
            "getLibraryInfo",
            Level.ORG,
            LibraryInfo,
            get_library_info,
            alternative_levels=_ANY_SCOPE,
        ),
        RequestType(
            "getBasicLibraryInfo",
            Level.ORG,
            BasicLibraryInfo,
            get_basic_library_info,
            alternative_levels=_ANY_SCOPE,
        ),
    ],
) + in_category(
    Category.PRODUCT_AND_PROJECT,
    [
        RequestType("getLibrarySourceFiles", Level.PROJECT, LibraryKey, get_library_source_files),
        RequestType(
            "getProjectLibraryDependencies",
            Level.PROJECT,
            LibraryKey,
            get_project_library_dependencies,
        ),
    ],
)

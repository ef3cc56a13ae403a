"""Real package identities from the shared data: SBOM components and the OSV exports'
packages at versions advisories name, classified affected or clean (see the package
docstring)."""

from __future__ import annotations

import functools
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from packageurl import PackageURL

from depvault.domain.identity import identify
from depvault.domain.inventory import Component
from depvault.ingest.cyclonedx.reader import sniff_cyclonedx
from depvault.ingest.sbom import read_sbom

SHARED_DATA_ENV = "DEPVAULT_SHARED_DATA"
OSV_ECOSYSTEMS = {"PyPI": "pypi", "Go": "golang", "crates.io": "cargo"}


class SharedDataMissing(RuntimeError):
    """The real identities (``shared/data``) are not where they should be."""


@dataclass(frozen=True, slots=True)
class Identity:
    """One library of the pool: its component (``ref`` is the purl), the package it is a
    version of, and whether a live advisory affects it (None: no advisories known)."""

    component: Component
    ecosystem: str
    package: str
    vulnerable: bool | None


def shared_data() -> Path:
    """The repository's copy of the shared data (``tests/data``), or ``$DEPVAULT_SHARED_DATA``."""
    override = os.environ.get(SHARED_DATA_ENV)
    default = Path(__file__).resolve().parents[2] / "tests" / "data"
    folder = Path(override) if override else default
    needed = [folder / "sbom", *(folder / "osv" / f"{name}-all.zip" for name in OSV_ECOSYSTEMS)]
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        raise SharedDataMissing(
            f"real package identities not found (missing: {', '.join(missing)}); "
            f"set {SHARED_DATA_ENV} to the folder that holds sbom/ and osv/"
        )
    return folder


def _package(purl: PackageURL) -> str:
    return purl._replace(version=None, qualifiers=None, subpath=None).to_string()


def _sbom_identity(component: Component) -> Identity | None:
    try:
        purl = PackageURL.from_string(component.purl) if component.purl else None
    except ValueError:
        return None
    if purl is None or not purl.version:
        return None
    # cyclonedx-npm writes the package's folder in its repository as the subpath
    text = purl._replace(subpath=None).to_string()
    return Identity(replace(component, ref=text, purl=text), purl.type, _package(purl), None)


def sbom_identities(folder: Path) -> list[Identity]:
    """Every distinct library with a versioned purl in the CycloneDX JSON SBOMs."""
    found: dict[str, Identity] = {}
    for path in sorted(folder.glob("*.json")):
        data = path.read_bytes()
        if sniff_cyclonedx(data) != "json":
            continue
        for component in read_sbom(data, 10**9).components:
            identity = _sbom_identity(component)
            if identity is not None:
                found.setdefault(identify(identity.component).key, identity)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class Affected:
    """One ``affected[]`` entry of a live advisory: its SEMVER/ECOSYSTEM ranges as
    ``(event, version)`` lists, its ``versions[]``, and whether it is a vulnerability
    (RustSec marks unmaintained or unsound crates ``informational``)."""

    ranges: tuple[tuple[tuple[str, str], ...], ...]
    versions: tuple[str, ...]
    serious: bool


def _pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_advisories(path: Path) -> dict[str, list[Affected]]:
    """The live advisories of an OSV zip, by package name (PyPI names normalised)."""
    found: dict[str, list[Affected]] = defaultdict(list)
    with zipfile.ZipFile(path) as archive:
        for member in sorted(archive.namelist()):
            document = orjson.loads(archive.read(member))
            if document.get("withdrawn"):
                continue
            for entry in document.get("affected", ()):
                package = entry["package"]
                name = package["name"]
                if package["ecosystem"] == "PyPI":
                    name = _pep503(name)
                ranges = tuple(
                    tuple(next(iter(event.items())) for event in r["events"])
                    for r in entry.get("ranges", ())
                    if r["type"] in {"SEMVER", "ECOSYSTEM"}
                )
                specific = entry.get("database_specific") or {}
                found[name].append(
                    Affected(
                        ranges,
                        tuple(entry.get("versions") or ()),
                        not specific.get("informational"),
                    )
                )
    return found


@functools.lru_cache(maxsize=65536)
def semver_key(version: str) -> tuple[Any, ...]:
    """A sort key for SemVer 2.0 (as OSV's SEMVER ranges use it); ``0`` is the lowest."""
    if version == "0":
        return (-1,)
    core, _, _build = version.partition("+")
    core, dash, pre = core.partition("-")
    numbers = [int(part) if part.isdigit() else 0 for part in core.split(".")][:3]
    numbers += [0] * (3 - len(numbers))
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")
    )
    return (*numbers, 0, identifiers) if dash else (*numbers, 1, ())


def in_semver_range(version: str, events: Sequence[tuple[str, str]]) -> bool:
    """Whether ``version`` lies in an OSV SEMVER range (events in any order)."""
    key = semver_key(version)
    affected = False
    for kind, at in sorted(events, key=lambda event: semver_key(event[1])):
        at_key = semver_key(at)
        if at_key > key:
            break
        if kind == "introduced":
            affected = True
        elif kind == "fixed" or (kind == "last_affected" and at_key < key):
            affected = False
    return affected


def _real_version(version: str) -> str | None:
    """An event version as a release: ``0`` is no version, and ``-0`` (RustSec, Go's
    stdlib) only marks the lowest pre-release of the version before it."""
    if version in {"0", "0.0.0-0"}:
        return None
    return version.removesuffix("-0") or None


def classify_pypi(entries: Sequence[Affected]) -> tuple[list[str], list[str]]:
    """Affected and clean versions of a PyPI package, by the ``versions[]`` oracle. No
    clean ones when an advisory has no list (nothing to tell them by)."""
    affected = {v for entry in entries for v in entry.versions}
    if not all(entry.versions for entry in entries):
        return sorted(affected), []
    named = {v for entry in entries for r in entry.ranges for _, v in r}
    clean = {v for v in named if _real_version(v) == v and v not in affected}
    return sorted(affected), sorted(clean)


def classify_semver(entries: Sequence[Affected]) -> tuple[list[str], list[str]]:
    """Affected and clean versions of a Go module or crate among those the advisories
    name, by evaluating every range of every advisory of the package."""
    named = {_real_version(v) for entry in entries for r in entry.ranges for _, v in r}
    named |= {v for entry in entries for v in entry.versions}
    affected, clean = [], []
    for version in sorted(v for v in named if v):
        hits = [
            entry.serious
            for entry in entries
            if any(in_semver_range(version, r) for r in entry.ranges)
        ]
        if any(hits):
            affected.append(version)
        elif not hits:
            clean.append(version)
    return affected, clean


def _osv_purl(ecosystem: str, name: str, version: str) -> PackageURL:
    if ecosystem == "golang":
        namespace, _, base = name.rpartition("/")
        return PackageURL(
            type="golang", namespace=namespace or None, name=base, version=f"v{version}"
        )
    return PackageURL(type=ecosystem, name=name, version=version)


def osv_identity(ecosystem: str, name: str, version: str, vulnerable: bool) -> Identity:
    """The library of one OSV package version (Go versions get their ``v``)."""
    purl = _osv_purl(ecosystem, name, version)
    text = purl.to_string()
    component = Component(ref=text, name=name, version=purl.version, purl=text)
    return Identity(component, ecosystem, _package(purl), vulnerable)


@dataclass(frozen=True)
class Catalog:
    """Every identity the shared data offers: SBOM libraries, and per OSV ecosystem and
    package the affected and the clean versions."""

    sbom: dict[str, tuple[Identity, ...]]
    osv: dict[str, dict[str, tuple[list[str], list[str]]]]


@functools.cache
def catalog(folder: Path) -> Catalog:
    """The catalog of a shared-data folder (read once per process, ~2 s)."""
    sbom: dict[str, list[Identity]] = defaultdict(list)
    for identity in sbom_identities(folder / "sbom"):
        sbom[identity.ecosystem].append(identity)
    osv: dict[str, dict[str, tuple[list[str], list[str]]]] = {}
    for source, ecosystem in OSV_ECOSYSTEMS.items():
        classify = classify_pypi if ecosystem == "pypi" else classify_semver
        packages = {}
        for name, entries in read_advisories(folder / "osv" / f"{source}-all.zip").items():
            if ecosystem == "golang" and "." not in name.split("/")[0]:
                continue  # stdlib and toolchain are no modules a project requires
            affected, clean = classify(entries)
            if affected or clean:
                packages[name] = (affected, clean)
        osv[ecosystem] = packages
    return Catalog({k: tuple(v) for k, v in sbom.items()}, osv)

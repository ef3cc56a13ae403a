"""A realistic portfolio: organizations of any size built from real package identities.

Benchmarks and tests that need many projects should see what real organizations hold:
real names and versions, libraries that repeat across projects, mostly one ecosystem per
project, dependency trees a few tens of direct dependencies wide and up to eight levels
deep, and a known share of libraries at versions that real advisories affect.

Identities come from ``shared/data`` (its README says where each file comes from):

- every component with a purl in the CycloneDX JSON SBOMs (npm, Maven, Composer), read by
  depvault's own reader and kept with their licenses, hashes and references;
- the packages of the OSV exports (PyPI, Go, crates.io) at versions the advisories name:
  ``versions[]`` entries and range events. A version counts as *affected* when a live
  (not withdrawn) advisory covers it: for PyPI the ``versions[]`` lists are the oracle;
  for Go and crates.io (SEMVER ranges, no lists) the ranges are evaluated here. Versions
  that only RustSec *informational* advisories (unmaintained, unsound) cover are used
  neither as affected nor as clean ones.

``vulnerable_fraction`` is the share of affected libraries among those of the OSV
ecosystems; the shared data holds no advisories for npm, Maven or Composer, so their
libraries are neither (``Identity.vulnerable`` is None).

The data names about 3,650 distinct libraries at the default fraction (PyPI has few clean
versions, crates.io few affected ones), so one project holds at most about 3,800 (more
fail with ValueError); bench_sbom_import.py invents versions for larger documents.

Usage::

    .venv/bin/python bench/portfolio.py --projects 200 --libraries 500 [--products 20]
        [--seed 1] [--vulnerable-fraction 0.1] [--database-url URL | --data-dir DIR]
    .venv/bin/python bench/portfolio.py --sbom-out FILE --libraries 3000 [--seed 1]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import os
import random
import re
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from cyclonedx.spdx import is_supported_id
from packageurl import PackageURL
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from depvault.admin import create_organization, issue_user_key
from depvault.config import Config
from depvault.domain.access import Level
from depvault.domain.identity import identify
from depvault.domain.inventory import Component, Inventory
from depvault.domain.timefmt import utcnow
from depvault.errors import DepvaultError
from depvault.ingest.cyclonedx import sniff_cyclonedx
from depvault.ingest.cyclonedx_build import REFERENCE_KINDS
from depvault.ingest.licensing import license_facts
from depvault.ingest.sbom import read_sbom
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.inventories.hierarchy import create_product, create_project
from depvault.store.inventories.writes import UpdateType, write_inventory
from depvault.store.organizations.scopes import resolve_token

__all__ = ["Identity", "LoadedPortfolio", "SharedDataMissing", "generate", "load"]

SHARED_DATA_ENV = "DEPVAULT_SHARED_DATA"
OSV_ECOSYSTEMS = {"PyPI": "pypi", "Go": "golang", "crates.io": "cargo"}
# Per ecosystem: how often it leads a project and its share of the library pool; and the
# bounds of the deepest level of a project's tree in it (npm trees are deep, Go graphs flat).
ECOSYSTEMS: dict[str, tuple[float, tuple[int, int]]] = {
    "npm": (0.30, (4, 8)),
    "maven": (0.25, (3, 7)),
    "pypi": (0.18, (2, 5)),
    "golang": (0.12, (2, 4)),
    "composer": (0.08, (2, 4)),
    "cargo": (0.07, (3, 6)),
}
DEPTH_DECAY = 0.55  # each level holds about this share of the one above it
DIRECT_BOUNDS = (10, 40)  # direct dependencies of a project ("a few tens")
SECOND_PARENT = 0.25  # share of transitive libraries that two libraries depend on
SINGLE_ECOSYSTEM = 0.5  # share of projects with one ecosystem only; the rest have two
POPULARITY_SKEW = 0.8  # Zipf exponent: the n-th library of a pool has weight n ** -skew
MAX_VERSIONS = 3  # versions of one OSV package in the pool (projects drift apart)
MIN_POOL = 2000
ROOT_REF = "portfolio-project"
NOUNS = ("billing", "checkout", "search", "gateway", "auth", "catalog", "ledger", "pricing")
KINDS = ("service", "api", "web", "worker", "lib", "cli", "batch")
AREAS = ("Payments", "Identity", "Commerce", "Logistics", "Mobile", "Data", "Platform", "Ops")
CDX_HASHES = frozenset(
    {"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512"}
)
# 1.4 wants references to be IRIs; keycloak's 1.2 SBOM has Maven's unexpanded placeholders
# (https://github.com/apache/maven/tree/${project.scm.tag}): those references are left out.
NOT_IRI = re.compile(r"[\s{}<>\"\\^`|]")
CDX_REFERENCE_TYPES = {kind: cdx_type for cdx_type, kind in REFERENCE_KINDS.items()}


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


# --- the shared data -------------------------------------------------------------------


def shared_data() -> Path:
    """``../shared/data`` beside the repository, or ``$DEPVAULT_SHARED_DATA``."""
    override = os.environ.get(SHARED_DATA_ENV)
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
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


# --- the pool: the libraries an organization uses --------------------------------------


@dataclass(frozen=True)
class SubPool:
    """One ecosystem's libraries, most popular first, with each one's popularity."""

    identities: tuple[Identity, ...]
    exponents: tuple[float, ...]  # 1 / weight, for weighted sampling without replacement
    capacity: int  # libraries one project can take: distinct packages (npm: versions too)


def _sub_pool(identities: Sequence[Identity]) -> SubPool:
    distinct = {i.package for i in identities}
    capacity = len(identities) if identities and identities[0].ecosystem == "npm" else len(distinct)
    exponents = tuple((rank + 1) ** POPULARITY_SKEW for rank in range(len(identities)))
    return SubPool(tuple(identities), exponents, capacity)


def _interleave(affected: list[Identity], clean: list[Identity]) -> list[Identity]:
    """Affected libraries spread evenly through the popularity order, so any popularity
    weighting sees the same share of them."""
    total = len(affected) + len(clean)
    merged, a, c = [], iter(affected), iter(clean)
    for index in range(total):
        is_affected = (index + 1) * len(affected) // total > index * len(affected) // total
        merged.append(next(a) if is_affected else next(c))
    return merged


def _osv_sub_pool(
    ecosystem: str,
    packages: dict[str, tuple[list[str], list[str]]],
    size: int,
    fraction: float,
    rng: random.Random,
) -> list[Identity]:
    """``size`` versions of the ecosystem's packages, ``fraction`` of them affected: one
    version of each package first, then a second and third (versions drift apart)."""
    need = {True: round(size * fraction), False: size - round(size * fraction)}
    left = {name: (list(v[0]), list(v[1])) for name, v in sorted(packages.items())}
    order = sorted(left)
    rng.shuffle(order)
    taken: dict[bool, list[Identity]] = {True: [], False: []}
    for _ in range(MAX_VERSIONS):
        for name in order:
            want = {k: need[k] - len(taken[k]) for k in need}
            if want[True] <= 0 and want[False] <= 0:
                break
            affected, clean = left[name]
            odds = want[True] / max(1, want[True] + max(0, want[False]))
            vulnerable = (
                bool(affected)
                and want[True] > 0
                and (not clean or want[False] <= 0 or rng.random() < odds)
            )
            if not vulnerable and (not clean or want[False] <= 0):
                continue
            versions = affected if vulnerable else clean
            version = versions.pop(rng.randrange(len(versions)))
            taken[vulnerable].append(osv_identity(ecosystem, name, version, vulnerable))
    return _interleave(*_balanced(taken[True], taken[False], fraction))


def _balanced(
    affected: list[Identity], clean: list[Identity], fraction: float
) -> tuple[list[Identity], list[Identity]]:
    """Both lists cut to the share ``fraction`` where one ran short of versions (PyPI has
    few clean versions, crates.io few affected ones): a smaller pool, the right share."""
    if 0.0 < fraction < 1.0:
        affected = affected[: max(1, round(len(clean) * fraction / (1 - fraction)))]
        clean = clean[: max(1, round(len(affected) * (1 - fraction) / fraction))]
    return affected, clean


def build_pool(
    data: Catalog, libraries_per_project: int, fraction: float, rng: random.Random
) -> dict[str, SubPool]:
    """The organization's libraries: about ``max(2000, 4 * libraries per project)`` split
    by :data:`ECOSYSTEMS`, each ecosystem raised to 1.5 times a project's size where the
    data allows so that a project led by it still differs from the next one."""
    size = max(MIN_POOL, 4 * libraries_per_project)
    pool = {}
    for ecosystem, (share, _) in ECOSYSTEMS.items():
        target = max(round(size * share), math.ceil(1.5 * libraries_per_project))
        if ecosystem in data.osv:
            chosen = _osv_sub_pool(ecosystem, data.osv[ecosystem], target, fraction, rng)
        else:
            known = list(data.sbom.get(ecosystem, ()))
            rng.shuffle(known)
            chosen = known[:target]
        if chosen:
            pool[ecosystem] = _sub_pool(chosen)
    return pool


# --- projects ---------------------------------------------------------------------------


def _weighted(rng: random.Random, options: Sequence[str]) -> str:
    return rng.choices(options, [ECOSYSTEMS[o][0] for o in options])[0]


def composition(pool: dict[str, SubPool], size: int, rng: random.Random) -> dict[str, int]:
    """How many libraries of each ecosystem a project has: one leads (among those that can
    fill half the project), half the projects add a second for 5-25 %."""
    ecosystems = list(pool)
    leaders = [e for e in ecosystems if pool[e].capacity >= size // 2] or ecosystems
    lead = _weighted(rng, leaders)
    plan = [(lead, size)]
    others = [e for e in ecosystems if e != lead]
    if others and rng.random() >= SINGLE_ECOSYSTEM:
        second = _weighted(rng, others)
        first = round(size * rng.uniform(0.75, 0.95))
        plan = [(lead, first), (second, size - first)]
    fallback = [e for e, _ in plan] + sorted(others, key=lambda e: -ECOSYSTEMS[e][0])
    counts = {e: min(want, pool[e].capacity) for e, want in plan}
    for ecosystem in fallback:  # what a small ecosystem cannot give, the others do
        short = size - sum(counts.values())
        if short <= 0:
            break
        counts[ecosystem] = counts.get(ecosystem, 0) + min(
            short, pool[ecosystem].capacity - counts.get(ecosystem, 0)
        )
    return {e: n for e, n in counts.items() if n > 0}


def draw(sub_pool: SubPool, count: int, rng: random.Random) -> list[Identity]:
    """``count`` libraries by popularity, without replacement (Efraimidis-Spirakis keys),
    one version per package except for npm; the most popular come first."""
    keys = [math.log(1.0 - rng.random()) * e for e in sub_pool.exponents]
    order = sorted(range(len(keys)), key=keys.__getitem__, reverse=True)
    chosen: list[Identity] = []
    packages: set[str] = set()
    for index in order:
        identity = sub_pool.identities[index]
        if identity.ecosystem != "npm" and identity.package in packages:
            continue
        packages.add(identity.package)
        chosen.append(identity)
        if len(chosen) == count:
            break
    return chosen


def tree(
    refs: Sequence[str], directs: int, max_depth: int, rng: random.Random
) -> tuple[list[str], list[tuple[str, str]]]:
    """A dependency tree over ``refs``: the first ``directs`` are direct dependencies, the
    rest hang at depths 2..``max_depth`` (fewer at each level) under a library of the level
    above; some have a second parent there, so every library's depth is its level."""
    levels = [list(refs[:directs])]
    rest = refs[directs:]
    if rest:
        depths = list(range(2, max(2, max_depth) + 1))
        drawn = rng.choices(depths, [DEPTH_DECAY ** (d - 2) for d in depths], k=len(rest))
        start = 0
        for count in (drawn.count(d) for d in depths):
            if count:  # a level left empty moves the deeper ones up
                levels.append(list(rest[start : start + count]))
                start += count
    edges = []
    for parents, children in itertools.pairwise(levels):
        for child in children:
            first = parents[int(len(parents) * rng.random() ** 2)]  # a few have many deps
            edges.append((first, child))
            second = parents[rng.randrange(len(parents))]
            if second != first and rng.random() < SECOND_PARENT:
                edges.append((second, child))
    return levels[0], edges


def project(pool: dict[str, SubPool], index: int, size: int, seed: int) -> tuple[str, Inventory]:
    """Project ``index`` of the portfolio: its name and inventory."""
    rng = random.Random(f"{seed}/{index}")
    name = f"{rng.choice(NOUNS)}-{rng.choice(KINDS)}-{index + 1:05d}"
    directs = min(size, rng.randint(*DIRECT_BOUNDS))
    components: list[Component] = []
    direct: list[str] = []
    edges: list[tuple[str, str]] = []
    for ecosystem, count in composition(pool, size, rng).items():
        chosen = draw(pool[ecosystem], count, rng)
        refs = [identity.component.ref for identity in chosen]
        group_directs = min(count, max(1, round(directs * count / size)))
        top, group_edges = tree(refs, group_directs, rng.randint(*ECOSYSTEMS[ecosystem][1]), rng)
        components.extend(identity.component for identity in chosen)
        direct.extend(top)
        edges.extend(group_edges)
    inventory = Inventory(
        tuple(components),
        tuple(direct),
        tuple(edges),
        source_format="portfolio",
        tool="bench/portfolio.py",
    )
    return name, inventory


def generate(
    projects: int, libraries_per_project: int, seed: int, vulnerable_fraction: float = 0.1
) -> Iterator[tuple[str, Inventory]]:
    """``projects`` (name, inventory) pairs of ``libraries_per_project`` libraries each,
    the same for the same arguments, made one at a time as they are taken. Raises (at
    once, not on the first project) :class:`SharedDataMissing` without the shared data,
    ValueError for sizes it cannot fill with distinct real libraries."""
    if projects < 0 or libraries_per_project < 1 or not 0.0 <= vulnerable_fraction <= 1.0:
        raise ValueError("need projects >= 0, libraries_per_project >= 1, 0 <= fraction <= 1")
    pool = build_pool(
        catalog(shared_data()), libraries_per_project, vulnerable_fraction, random.Random(seed)
    )
    most = sum(sub_pool.capacity for sub_pool in pool.values())
    if libraries_per_project > most:
        raise ValueError(f"the shared data gives a project at most {most} distinct libraries")
    return (project(pool, index, libraries_per_project, seed) for index in range(projects))


# --- loading into a database --------------------------------------------------------------


@dataclass(frozen=True)
class LoadedPortfolio:
    """What :func:`load` created, and how long it took."""

    org_token: str
    admin_email: str
    user_key: str
    product_tokens: tuple[str, ...]
    projects: int
    project_libraries: int
    edges: int
    libraries: int  # catalog rows the load added
    generate_seconds: float
    write_seconds: float

    @property
    def seconds(self) -> float:
        """Generation and writing together."""
        return self.generate_seconds + self.write_seconds


def _products(database: Database, org_token: str, count: int) -> tuple[int, list[int], list[str]]:
    now = utcnow()
    with database.transaction() as db:
        scope = resolve_token(db, Level.ORG, org_token)
        assert scope is not None and scope.org is not None
        refs = [
            create_product(db, scope.org.id, f"{AREAS[i % len(AREAS)]} {i + 1:03d}", now)
            for i in range(count)
        ]
    return scope.org.id, [r.id for r in refs], [r.token for r in refs]


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
    )


def load(
    database: Database,
    org_name: str,
    products: int,
    projects: int,
    libraries_per_project: int,
    seed: int,
    *,
    vulnerable_fraction: float = 0.1,
    show_progress: bool = True,
) -> LoadedPortfolio:
    """A new organization holding a generated portfolio: ``products`` products, and
    ``projects`` projects spread over them, each created and given its inventory in one
    transaction (``write_inventory`` directly: no update queue, no analysis step)."""
    if products < 1:
        raise ValueError("a portfolio needs at least one product")
    inventories = generate(projects, libraries_per_project, seed, vulnerable_fraction)
    organization = create_organization(database, org_name)
    user_key = organization.user_key or issue_user_key(
        database, organization.admin_email, organization.org_token
    )
    org_id, product_ids, product_tokens = _products(database, organization.org_token, products)
    rows = edges = libraries = 0
    generating = writing = 0.0
    with _progress(show_progress) as bar:
        task = bar.add_task("loading projects", total=projects, rate="")
        for index in range(projects):
            started = time.perf_counter()
            name, inventory = next(inventories)
            generated = time.perf_counter()
            now = utcnow()
            with database.transaction() as db:
                ref = create_project(db, org_id, product_ids[index % products], name, now)
                result = write_inventory(
                    db, ref.id, inventory, UpdateType.OVERRIDE, license_facts, now
                )
            generating += generated - started
            writing += time.perf_counter() - generated
            rows, edges = rows + result.libraries, edges + result.edges
            libraries += result.new_libraries
            bar.update(task, advance=1, rate=f"{rows / (generating + writing):,.0f} rows/s")
    return LoadedPortfolio(
        organization.org_token,
        organization.admin_email,
        user_key,
        tuple(product_tokens),
        projects,
        rows,
        edges,
        libraries,
        generating,
        writing,
    )


# --- CycloneDX export ---------------------------------------------------------------------


def _cdx_licenses(raws: Sequence[str]) -> list[dict[str, Any]]:
    if len(raws) == 1 and re.search(r" (AND|OR|WITH) ", raws[0]):
        return [{"expression": raws[0]}]
    return [{"license": {"id": r} if is_supported_id(r) else {"name": r}} for r in raws]


def _cdx_component(component: Component) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "library", "bom-ref": component.ref}
    optional = {
        "group": component.group,
        "name": component.name,
        "version": component.version,
        "description": component.description,
        "hashes": [{"alg": a, "content": v} for a, v in component.hashes if a in CDX_HASHES],
        "licenses": _cdx_licenses(component.licenses),
        "purl": component.purl,
        "externalReferences": [
            {"type": CDX_REFERENCE_TYPES[kind], "url": url}
            for kind, url in component.references
            if kind in CDX_REFERENCE_TYPES and not NOT_IRI.search(url)
        ],
    }
    entry.update({key: value for key, value in optional.items() if value})
    return entry


def cyclonedx_document(name: str, inventory: Inventory) -> dict[str, Any]:
    """A CycloneDX 1.4 JSON document of a project: components and dependency graph."""
    children: dict[str, list[str]] = defaultdict(list)
    for parent, child in inventory.edges:
        children[parent].append(child)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'portfolio:' + name)}",
        "version": 1,
        "metadata": {
            "tools": [{"vendor": "depvault", "name": "bench/portfolio.py"}],
            "component": {"type": "application", "bom-ref": ROOT_REF, "name": name},
        },
        "components": [_cdx_component(c) for c in inventory.components],
        "dependencies": [
            {"ref": ROOT_REF, "dependsOn": list(inventory.direct)},
            *({"ref": c.ref, "dependsOn": children.get(c.ref, [])} for c in inventory.components),
        ],
    }


# --- command line --------------------------------------------------------------------------


def _config(args: argparse.Namespace) -> Config:
    if args.database_url:
        return Config.from_env(database_url=args.database_url)
    if args.data_dir:
        return Config.from_env(data_dir=Path(args.data_dir), database_url="")
    return Config.from_env()


def _write_sbom(args: argparse.Namespace, console: Console) -> None:
    started = time.perf_counter()
    name, inventory = next(generate(1, args.libraries, args.seed, args.vulnerable_fraction))
    data = orjson.dumps(cyclonedx_document(name, inventory))
    Path(args.sbom_out).write_bytes(data)
    console.print(
        f"{args.sbom_out}: project {name}, {len(inventory.components)} components, "
        f"{len(inventory.edges)} edges, {len(data) / 1e6:.1f} MB, "
        f"{time.perf_counter() - started:.1f} s"
    )


def _load(args: argparse.Namespace, console: Console) -> None:
    config = _config(args)
    database = create_database(config)
    upgrade(database)
    org_name = args.org_name or f"Portfolio {args.projects}x{args.libraries} seed {args.seed}"
    try:
        loaded = load(
            database,
            org_name,
            args.products,
            args.projects,
            args.libraries,
            args.seed,
            vulnerable_fraction=args.vulnerable_fraction,
        )
    finally:
        database.dispose()
    rate = loaded.project_libraries / loaded.seconds if loaded.seconds else 0.0
    console.print(f"database       {config.effective_database_url}")
    console.print(f"organization   {org_name}  orgToken {loaded.org_token}")
    console.print(f"admin          {loaded.admin_email}  userKey {loaded.user_key}")
    console.print(
        f"loaded         {len(loaded.product_tokens)} products, {loaded.projects} "
        f"projects, {loaded.project_libraries:,} project-library rows, "
        f"{loaded.edges:,} edges, {loaded.libraries:,} new libraries"
    )
    console.print(
        f"time           {loaded.seconds:.1f} s ({loaded.generate_seconds:.1f} s "
        f"generating, {loaded.write_seconds:.1f} s writing), {rate:,.0f} rows/s"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Load a portfolio into the configured store, or write one project as an SBOM."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--libraries", type=int, default=500, help="libraries per project")
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vulnerable-fraction", type=float, default=0.1)
    parser.add_argument("--org-name", help="default: 'Portfolio <projects>x<libraries> ...'")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="default: DEPVAULT_DATABASE_URL")
    where.add_argument("--data-dir", help="SQLite in this folder (default: DEPVAULT_DATA_DIR)")
    parser.add_argument("--sbom-out", help="write one project as CycloneDX 1.4 JSON instead")
    args = parser.parse_args(argv)
    console = Console(soft_wrap=True)
    try:
        shared_data()  # before a store is created or migrated for nothing
        if args.sbom_out:
            _write_sbom(args, console)
        else:
            _load(args, console)
    except (SharedDataMissing, ValueError, DepvaultError) as exc:
        parser.exit(2, f"portfolio: {exc}\n")


if __name__ == "__main__":
    main()

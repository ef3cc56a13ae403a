"""Organizations' projects drawn from the identity pool: which ecosystems a project holds,
which libraries, and the dependency tree over them."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from depvault.domain.inventory import Component, Inventory
from portfolio.identities import (
    Catalog,
    Identity,
    catalog,
    osv_identity,
    shared_data,
)

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
        tool="bench/portfolio",
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

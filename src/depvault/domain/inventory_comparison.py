"""How two inventories differ, package by package: the rule behind the Product and
Project Comparison reports ("what does release B change compared to release A").

A *package* is a library whatever its version: the same ecosystem (purl type), group
and name. Each side holds a set of versions of it (a product can hold several across
its projects), with their licenses and open security alerts. A package held by either
side makes one row, whose change is:

- ``ADDED``: only the target holds it; ``REMOVED``: only the source does;
- ``UNCHANGED``: both hold the same versions;
- ``UPGRADED`` / ``DOWNGRADED``: each side holds exactly one version, they differ, and
  the ecosystem's ordering (the one OSV matching and the alert rules use,
  ``domain.osv_ranges``) puts the target's above / below the source's;
- ``CHANGED``: the versions differ but cannot be ordered: an ecosystem without an
  ordering, a version that does not parse in it (or no version), two spellings of one
  version ("1.0", "1.0.0"), or a side holding several versions.

The change speaks of versions only: a library's licenses belong to the catalog library,
so the same version carries the same licenses on both sides.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from univers import versions as uv

from depvault.domain.osv.packages import OSV_ECOSYSTEMS
from depvault.domain.osv.ranges import comparable, ordering_for, parse_version

__all__ = [
    "Change",
    "ComparisonRow",
    "Holding",
    "PackageKey",
    "compare_inventories",
    "sorted_versions",
    "version_change",
]

# purl type → the OSV ecosystem whose ordering its versions follow: OSV's packages, and
# the system packages OSV orders under a distribution's name.
_ORDERED_AS = {
    **OSV_ECOSYSTEMS,
    "deb": "Debian",
    "rpm": "Red Hat",
    "apk": "Alpine",
    "conan": "ConanCenter",
}


class Change(StrEnum):
    """What happened to a package from the source side to the target side."""

    ADDED = "ADDED"
    REMOVED = "REMOVED"
    UPGRADED = "UPGRADED"
    DOWNGRADED = "DOWNGRADED"
    CHANGED = "CHANGED"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True, order=True)
class PackageKey:
    """A library whatever its version; ``group`` is "" for ecosystems without groups."""

    ecosystem: str
    group: str
    name: str


@dataclass(frozen=True)
class Holding:
    """What one side holds of a package: its library type, its versions ("" for a library
    without one), its licenses' names and its open security alerts."""

    library_type: str
    versions: frozenset[str]
    licenses: frozenset[str] = frozenset()
    open_alerts: int = 0


@dataclass(frozen=True)
class ComparisonRow:
    """One package of the comparison; the versions and licenses are sorted (versions in
    the ecosystem's order when it has one)."""

    package: PackageKey
    library_type: str
    change: Change
    source_versions: tuple[str, ...]
    target_versions: tuple[str, ...]
    source_licenses: tuple[str, ...]
    target_licenses: tuple[str, ...]
    source_open_alerts: int
    target_open_alerts: int


def _parsed(ecosystem: str, version: str) -> uv.Version | None:
    osv = _ORDERED_AS.get(ecosystem)
    ordering = ordering_for(osv) if osv else None
    if ordering is None or not version:
        return None
    if osv == "Go" and version[:1] == "v":  # Go tags carry a "v"; univers reads without
        version = version[1:]
    return parse_version(ordering, version)


def _order(ecosystem: str, older: str, newer: str) -> bool | None:
    """Whether ``older`` is strictly below ``newer``; None when they cannot be ordered or
    are the same version spelt twice."""
    a, b = _parsed(ecosystem, older), _parsed(ecosystem, newer)
    if a is None or b is None:
        return None
    try:
        left, right = comparable(a), comparable(b)
        if left == right:
            return None
        return bool(left < right)
    except TypeError:  # univers refuses some cross-form comparisons
        return None


def version_change(ecosystem: str, source: Collection[str], target: Collection[str]) -> Change:
    """The change from the ``source`` versions to the ``target`` versions of one package
    of ``ecosystem`` (a purl type); an empty side did not hold it."""
    if not source and not target:
        raise ValueError("a package of the comparison is held by at least one side")
    if not source:
        return Change.ADDED
    if not target:
        return Change.REMOVED
    if set(source) == set(target):
        return Change.UNCHANGED
    if len(source) == 1 and len(target) == 1:
        [old], [new] = source, target
        upward = _order(ecosystem, old, new)
        if upward is not None:
            return Change.UPGRADED if upward else Change.DOWNGRADED
    return Change.CHANGED


def sorted_versions(ecosystem: str, versions: Iterable[str]) -> tuple[str, ...]:
    """``versions`` in the ecosystem's order when every one parses and they compare, in
    text order otherwise (so the answer never depends on a set's iteration order)."""
    text_order = sorted(set(versions))
    parsed = [(_parsed(ecosystem, v), v) for v in text_order]
    if len(parsed) < 2 or any(p is None for p, _ in parsed):
        return tuple(text_order)
    keyed: list[tuple[Any, str]] = [(comparable(p), v) for p, v in parsed if p is not None]
    try:
        return tuple(v for _, v in sorted(keyed))
    except TypeError:
        return tuple(text_order)


def _row(key: PackageKey, source: Holding | None, target: Holding | None) -> ComparisonRow:
    holder = target or source
    if holder is None:
        raise ValueError(f"{key} is held by neither side")
    old = source.versions if source else frozenset[str]()
    new = target.versions if target else frozenset[str]()
    return ComparisonRow(
        package=key,
        library_type=holder.library_type,
        change=version_change(key.ecosystem, old, new),
        source_versions=sorted_versions(key.ecosystem, old),
        target_versions=sorted_versions(key.ecosystem, new),
        source_licenses=tuple(sorted(source.licenses)) if source else (),
        target_licenses=tuple(sorted(target.licenses)) if target else (),
        source_open_alerts=source.open_alerts if source else 0,
        target_open_alerts=target.open_alerts if target else 0,
    )


def compare_inventories(
    source: Mapping[PackageKey, Holding],
    target: Mapping[PackageKey, Holding],
    *,
    include_unchanged: bool = False,
) -> list[ComparisonRow]:
    """One row per package either side holds, by name (case-insensitive), group and
    ecosystem; ``UNCHANGED`` rows only when ``include_unchanged``."""
    keys = sorted(
        source.keys() | target.keys(),
        key=lambda k: (k.name.casefold(), k.name, k.group, k.ecosystem),
    )
    rows = (_row(key, source.get(key), target.get(key)) for key in keys)
    return [r for r in rows if include_unchanged or r.change is not Change.UNCHANGED]

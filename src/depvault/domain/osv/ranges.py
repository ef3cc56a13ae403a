"""Is this version affected? The OSV range evaluation, in the ecosystem's own order.

Written from ``spec/osv-matching.md`` (OSV schema 1.7): a version is affected by an
``affected[]`` entry when it is listed in ``versions[]``, or when some ECOSYSTEM or
SEMVER range leaves it affected: walking the range's events sorted by the ecosystem's
ordering (``"0"`` first), an ``introduced <= v`` makes it affected, a ``fixed <= v``
unaffected, ``v > last_affected`` unaffected, and ``v`` must be below a ``limit`` when
there is one. GIT ranges cannot be ordered without the repository: they count through
``versions[]`` only. univers supplies each ecosystem's version class (its OSV importer
is a stub; the walk is ours). An unparseable version never raises: it falls back to
``versions[]``. A leading ``v`` (``v10.2.0``, as Go versions come in the wild, though
OSV SEMVER has none) is dropped by every univers version class itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from univers import versions as uv

__all__ = [
    "Event",
    "Range",
    "Verdict",
    "affected_each",
    "is_affected",
    "ordering_for",
    "parse_range",
    "parse_version",
]

# OSV ecosystem name → univers version class. Ecosystems without an ordering here
# (Pub, Hackage, CRAN, SwiftURL …) match by explicit versions only.
ORDERINGS: dict[str, type[uv.Version]] = {
    "PyPI": uv.PypiVersion,
    "npm": uv.SemverVersion,
    "Maven": uv.MavenVersion,
    "Go": uv.GolangVersion,
    "crates.io": uv.SemverVersion,
    "NuGet": uv.NugetVersion,
    "RubyGems": uv.RubygemsVersion,
    "Packagist": uv.ComposerVersion,
    "Hex": uv.SemverVersion,
    "Debian": uv.DebianVersion,
    "Ubuntu": uv.DebianVersion,
    "Alpine": uv.AlpineLinuxVersion,
    "Rocky Linux": uv.RpmVersion,
    "AlmaLinux": uv.RpmVersion,
    "Red Hat": uv.RpmVersion,
    "openSUSE": uv.RpmVersion,
    "SUSE": uv.RpmVersion,
    "ConanCenter": uv.ConanVersion,
}


def ordering_for(ecosystem: str) -> type[uv.Version] | None:
    """The version class of an ecosystem (``Debian:12`` orders like ``Debian``; no name
    in the table has a colon)."""
    return ORDERINGS.get(ecosystem.partition(":")[0])


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a range: ``kind`` is introduced, fixed, last_affected or limit."""

    kind: str
    version: str


@dataclass(frozen=True, slots=True)
class Range:
    """An ECOSYSTEM, SEMVER or GIT range of an ``affected[]`` entry."""

    type: str
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a version is affected, and whether the ranges could decide it (False
    when the version or an event version did not parse: ``versions[]`` decided)."""

    affected: bool
    decided_by_ranges: bool


def parse_range(data: Mapping[str, Any]) -> Range:
    """A range from its OSV JSON form (events with exactly one key each)."""
    events = []
    for event in data.get("events", ()):
        for kind in ("introduced", "fixed", "last_affected", "limit"):
            if kind in event:
                events.append(Event(kind, str(event[kind])))
    return Range(str(data.get("type", "")), tuple(events))


_CLASSES: dict[str, type[uv.Version]] = {cls.__name__: cls for cls in ORDERINGS.values()}


def parse_version(ordering: type[uv.Version], text: str) -> uv.Version | None:
    """``text`` in ``ordering``, None when it does not parse. Cached, and shared by
    matching and the alert rules: an analysis meets each new library version in both."""
    return _parse_named(ordering.__name__, text)


@lru_cache(maxsize=200_000)
def _parse_named(ordering: str, text: str) -> uv.Version | None:
    try:
        return _CLASSES[ordering](text)
    except Exception:  # univers raises several types for invalid versions
        return None


# univers orders these classes by their ``value`` alone (attrs-generated comparisons over
# a one-field tuple); comparing the values directly gives the same order several times
# faster. AlpineLinuxVersion compares by its own methods and is kept whole.
_BY_VALUE = frozenset(name for name in _CLASSES if name != "AlpineLinuxVersion")


def comparable(version: uv.Version) -> Any:
    """What to compare for ``version``'s ecosystem order (its value when that is the
    same order, faster)."""
    return version.value if type(version).__name__ in _BY_VALUE else version


Walk = tuple[tuple[Any, ...], tuple[tuple[Any, Event], ...]]


@lru_cache(maxsize=100_000)
def _walk(ordering: str, rng: Range) -> Walk | None:
    """A range's parsed limits and its events in walking order ("introduced 0" first,
    then by version), or None when an event version does not parse. Cached: one
    advisory range is walked for every version of its package that is matched."""
    limits: list[Any] = []
    first: list[tuple[Any, Event]] = []
    ordered: list[tuple[Any, Event]] = []
    for event in rng.events:
        if event.kind == "limit" and event.version == "*":
            continue
        if event.kind == "introduced" and event.version == "0":
            first.append((None, event))
            continue
        parsed = _parse_named(ordering, event.version)
        if parsed is None:
            return None
        if event.kind == "limit":
            limits.append(comparable(parsed))
        else:
            ordered.append((comparable(parsed), event))
    ordered.sort(key=lambda item: item[0])
    return tuple(limits), (*first, *ordered)


def _in_range(ordering: type[uv.Version], version: uv.Version, rng: Range) -> bool | None:
    """True/False from one range, None when an event version does not parse."""
    walk = _walk(ordering.__name__, rng)
    if walk is None:
        return None
    return _in_walk(walk, version)


def _in_walk(walk: Walk, version: uv.Version) -> bool:
    limits, events = walk
    version = comparable(version)
    if limits and not any(version < bound for bound in limits):
        return False
    affected = False
    for bound, event in events:
        if bound is not None and bound > version:
            break  # later events are all above the version: none applies to it
        if event.kind == "introduced":
            affected = True
        elif event.kind == "fixed":
            affected = False
        elif event.kind == "last_affected" and bound is not None and version > bound:
            affected = False  # at the bound itself it is still affected
    return affected


def is_affected(
    ecosystem: str,
    version: str,
    ranges: Iterable[Range],
    versions: Collection[str] = (),
) -> Verdict:
    """Whether ``version`` is affected by one ``affected[]`` entry."""
    if version in versions:
        return Verdict(True, False)
    ordering = ordering_for(ecosystem)
    decided = True
    for rng in ranges:
        if rng.type not in {"ECOSYSTEM", "SEMVER"} or ordering is None:
            continue
        parsed = parse_version(ordering, version)
        if parsed is None:
            decided = False
            continue
        verdict = _in_range(ordering, parsed, rng)
        if verdict is None:
            decided = False
        elif verdict:
            return Verdict(True, True)
    return Verdict(False, decided)


def affected_each(
    ecosystem: str, versions: Sequence[str], ranges: Iterable[Range], listed: Collection[str] = ()
) -> list[bool]:
    """:func:`is_affected` (``.affected``) of one ``affected[]`` entry for many versions of
    its package: the ranges are looked up and walked once for all of them (hashing the
    ranges for the walk cache on every version cost a tenth of an analysis)."""
    ordering = ordering_for(ecosystem)
    if ordering is None:
        return [version in listed for version in versions]
    walks = [
        walk
        for rng in ranges
        if rng.type in {"ECOSYSTEM", "SEMVER"}
        and (walk := _walk(ordering.__name__, rng)) is not None
    ]
    answers = []
    for version in versions:
        hit = version in listed
        if not hit and walks:
            parsed = parse_version(ordering, version)
            hit = parsed is not None and any(_in_walk(walk, parsed) for walk in walks)
        answers.append(hit)
    return answers

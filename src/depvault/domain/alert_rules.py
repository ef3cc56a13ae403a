"""What alerts a project's inventory deserves, decided without the database.

Alerts are vulnerability-based, as in Mend's v1.3 vulnerability-based alerting: one
SECURITY_VULNERABILITY alert per (project, library, vulnerability). A library whose
package is in the inventory in more than one version gets MULTIPLE_LIBRARY_VERSIONS; a
library of a public registry for which a newer release is known gets NEW_MAJOR_VERSION
or NEW_MINOR_VERSION. "Known" means the library catalog holds it (some inventory on
this server uses it) or an advisory names it (a fixed or listed version); depvault
does not crawl registries, so a release nobody uses and no advisory names is unknown.
REJECTED_BY_POLICY_RESOURCE alerts are decided by ``domain.policies``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from univers import versions as uv

from depvault.domain.osv.ranges import comparable, ordering_for, parse_version

__all__ = [
    "AlertKey",
    "AlertStatus",
    "AlertType",
    "NewerVersion",
    "level_of",
    "newer_version",
    "newest_release",
    "top_fix",
]


class AlertType(StrEnum):
    """Alert types (catalog §5); REJECTED_BY_POLICY_RESOURCE from policies
    (``analysis.policy_alerts``)."""

    SECURITY_VULNERABILITY = "SECURITY_VULNERABILITY"
    MULTIPLE_LIBRARY_VERSIONS = "MULTIPLE_LIBRARY_VERSIONS"
    NEW_MAJOR_VERSION = "NEW_MAJOR_VERSION"
    NEW_MINOR_VERSION = "NEW_MINOR_VERSION"
    REJECTED_BY_POLICY_RESOURCE = "REJECTED_BY_POLICY_RESOURCE"


class AlertStatus(StrEnum):
    """Active alerts show in dashboards; people may ignore them; depvault resolves an
    alert whose cause went away (people cannot set Resolved)."""

    ACTIVE = "Active"
    IGNORED = "Ignored"
    RESOLVED = "Resolved"


_LEVELS = {
    AlertType.SECURITY_VULNERABILITY: "MAJOR",
    AlertType.REJECTED_BY_POLICY_RESOURCE: "MAJOR",
    AlertType.NEW_MAJOR_VERSION: "MAJOR",
    AlertType.NEW_MINOR_VERSION: "MINOR",
    AlertType.MULTIPLE_LIBRARY_VERSIONS: "MINOR",
}


def level_of(alert_type: AlertType) -> str:
    """The ``level`` field of an alert of this type (MAJOR or MINOR)."""
    return _LEVELS[alert_type]


@dataclass(frozen=True, slots=True)
class AlertKey:
    """The identity of an alert within its project: a library alert's advisory is 0."""

    project_id: int
    type: AlertType
    library_id: int
    advisory_id: int = 0


@dataclass(frozen=True, slots=True)
class NewerVersion:
    """The newest known release above a library's version."""

    version: str
    major: bool

    @property
    def alert_type(self) -> AlertType:
        return AlertType.NEW_MAJOR_VERSION if self.major else AlertType.NEW_MINOR_VERSION

    @property
    def description(self) -> str:
        return f"Version {self.version} is available"


# A pre-release is never offered as an upgrade. Ecosystems mark them differently:
# SemVer-ordered ones (and Go, NuGet) with a "-" suffix, RubyGems with any letter,
# Maven and Packagist with qualifiers (Maven's "-jre" or "-android" are releases).
_HYPHEN_PRE_RELEASE = {"npm", "crates.io", "Hex", "Go", "NuGet"}
_QUALIFIER = re.compile(
    r"(?i)[-.+_]?(alpha|beta|rc|cr|pre|preview|dev|snapshot|milestone|m\d+|ea|canary|nightly)"
    r"(?![a-z])"
)
_MAJOR = re.compile(r"\D*(\d+)")


def _is_pre_release(ecosystem: str, version: str, parsed: uv.Version) -> bool:
    if ecosystem == "PyPI":
        return bool(getattr(parsed.value, "is_prerelease", False))
    if ecosystem in _HYPHEN_PRE_RELEASE:
        return "-" in version
    if ecosystem == "RubyGems":
        return any(c.isalpha() for c in version)
    return bool(_QUALIFIER.search(version))


def _major(version: str) -> int | None:
    match = _MAJOR.match(version)
    return int(match.group(1)) if match else None


def _parsed(ecosystem: str, version: str) -> uv.Version | None:
    ordering = ordering_for(ecosystem)
    if ordering is None:
        return None
    return parse_version(
        ordering, version[1:] if ecosystem == "Go" and version[:1] == "v" else version
    )


def newest_release(ecosystem: str, known: Iterable[str]) -> str | None:
    """The newest release (not a pre-release) among ``known`` in the OSV ecosystem's
    ordering; None when the ecosystem has no ordering or nothing parses."""
    best: tuple[Any, str] | None = None
    for candidate in set(known):
        parsed = _parsed(ecosystem, candidate)
        if parsed is None or _is_pre_release(ecosystem, candidate, parsed):
            continue
        key = comparable(parsed)
        try:
            # equal versions spelt differently ("2.0", "2.0.0"): the larger spelling, so
            # the answer never depends on the set's (per-process) iteration order
            if best is None or key > best[0] or (key == best[0] and candidate > best[1]):
                best = (key, candidate)
        except TypeError:  # univers refuses some cross-form comparisons
            continue
    return best[1] if best else None


def newer_version(ecosystem: str, current: str, newest: str | None) -> NewerVersion | None:
    """The upgrade to offer from ``current`` when ``newest`` (from
    :func:`newest_release`) is above it; major when its first number is higher."""
    if newest is None or newest == current:
        return None
    here, there = _parsed(ecosystem, current), _parsed(ecosystem, newest)
    if here is None or there is None:
        return None
    try:
        if not comparable(there) > comparable(here):
            return None
    except TypeError:
        return None
    old, new = _major(current), _major(newest)
    return NewerVersion(newest, old is not None and new is not None and new > old)


def top_fix(ecosystem: str, current: str | None, fixed: Iterable[str]) -> str | None:
    """The fix to recommend: the lowest fixed version above ``current`` in the
    ecosystem's ordering; the first listed when versions cannot be ordered.

    Cached: every alert answer asks it again for the same few (library, advisory)
    pairs, and comparing parsed versions was a third of a ``getProjectAlerts``."""
    return _top_fix(ecosystem, current, tuple(dict.fromkeys(fixed)))


@lru_cache(maxsize=65_536)
def _top_fix(ecosystem: str, current: str | None, listed: tuple[str, ...]) -> str | None:
    here = _parsed(ecosystem, current) if current else None
    best: tuple[uv.Version, str] | None = None
    for candidate in listed:
        parsed = _parsed(ecosystem, candidate)
        if parsed is None or here is None:
            continue
        try:
            if parsed > here and (best is None or parsed < best[0]):
                best = (parsed, candidate)
        except TypeError:
            continue
    if best is not None:
        return best[1]
    return listed[0] if listed else None

"""What a policy filter may say: its types, and turning a client's filter object into
the stored form or saying precisely what is wrong with it (``domain.policies`` judges
libraries by the stored form).

``GAV_REGEX`` patterns are RE2 expressions (see ``domain.policies``): a pattern using
backreferences or lookaround is refused here, when the policy is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import re2  # type: ignore[import-untyped]

__all__ = [
    "BANDS",
    "MAX_PATTERN",
    "FilterType",
    "PolicyError",
    "compile_pattern",
    "normalize_filter",
]

MAX_PATTERN = 512
BANDS = ("low", "medium", "high")


class PolicyError(ValueError):
    """A policy object that cannot be stored; the message names the field."""


class FilterType(StrEnum):
    """How a policy matches libraries (``domain.policies`` explains the spellings)."""

    LICENSE = "LICENSE"
    VULNERABILITY_SEVERITY = "VULNERABILITY_SEVERITY"
    VULNERABILITY_SCORE = "VULNERABILITY_SCORE"
    GAV_REGEX = "GAV_REGEX"
    LIBRARY_TYPE = "LIBRARY_TYPE"
    RESOURCE = "RESOURCE"
    KNOWN_EXPLOITED = "KNOWN_EXPLOITED"
    EPSS = "EPSS"


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is the client's error, not a log line


def compile_pattern(pattern: str) -> Any:
    """An RE2 expression (see the module docstring); raises :class:`PolicyError`."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise PolicyError(f"not a valid RE2 regular expression: {reason}") from None


def normalize_filter(value: Any) -> dict[str, Any]:
    """A client's filter object in stored form; raises :class:`PolicyError`."""
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise PolicyError("'filter' must be an object with a 'type'")
    try:
        kind = FilterType(value["type"].upper())
    except ValueError:
        raise PolicyError(
            f"unknown filter type {value['type']!r}; expected one of {', '.join(FilterType)}"
        ) from None
    return {"type": kind.value, **_FILTER_FIELDS[kind](value)}


def _license_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    licenses = value.get("licenses")
    if not isinstance(licenses, list) or not licenses:
        raise PolicyError("a LICENSE filter needs a non-empty 'licenses' list")
    kept = []
    for entry in licenses:
        if not isinstance(entry, Mapping) or not any(
            isinstance(entry.get(f), str) and entry[f].strip() for f in ("name", "spdxName")
        ):
            raise PolicyError(
                "each of the filter's 'licenses' needs a 'name' or 'spdxName' "
                "(depvault identifies licenses by SPDX id and name, not by Mend's ids)"
            )
        kept.append({k: entry[k] for k in ("id", "name", "spdxName") if entry.get(k) is not None})
    return {"licenses": kept}


def _severity_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    severity = value.get("vulnerabilitySeverity")
    if not isinstance(severity, str) or severity.lower() not in BANDS:
        raise PolicyError("'vulnerabilitySeverity' must be LOW, MEDIUM or HIGH")
    flags = {}
    for flag in ("effectiveVulnerabilitiesOnly", "includeDefaulted"):
        flags[flag] = value.get(flag, False)
        if not isinstance(flags[flag], bool):
            raise PolicyError(f"'{flag}' must be true or false")
    return {"vulnerabilitySeverity": severity.upper(), **flags}


def _exploited_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    ransomware = value.get("ransomwareOnly", False)
    if not isinstance(ransomware, bool):
        raise PolicyError("'ransomwareOnly' must be true or false")
    return {"ransomwareOnly": ransomware}


def _epss_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    least = value.get("minEpss")
    if isinstance(least, bool) or not isinstance(least, int | float) or not 0 <= least <= 1:
        raise PolicyError("'minEpss' must be a probability from 0 to 1")
    return {"minEpss": float(least)}


def _score_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    low = _score(value.get("minScore"), "minScore")
    high = _score(value.get("maxScore", 10.0), "maxScore")
    if high < low:
        raise PolicyError("'maxScore' is below 'minScore'")
    return {"minScore": low, "maxScore": high}


def _score(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
        raise PolicyError(f"'{field}' must be a CVSS score from 0 to 10")
    return float(value)


def _gav_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    patterns = {}
    for field in ("groupId", "artifactId", "version"):
        pattern = value.get(field)
        if pattern is None:
            continue
        if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN:
            raise PolicyError(f"'{field}' must be a pattern of at most {MAX_PATTERN} characters")
        try:
            compile_pattern(pattern)
        except PolicyError as exc:
            raise PolicyError(f"'{field}' is {exc}") from None
        patterns[field] = pattern
    if not patterns:
        raise PolicyError("a GAV_REGEX filter needs a 'groupId', 'artifactId' or 'version'")
    return patterns


def _type_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    types = value.get("libraryTypes")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise PolicyError("a LIBRARY_TYPE filter needs a non-empty 'libraryTypes' list")
    return {"libraryTypes": types}


def _resource_filter(value: Mapping[str, Any]) -> dict[str, Any]:
    resources = value.get("resources")
    if not isinstance(resources, list) or not resources:
        raise PolicyError("a RESOURCE filter needs a non-empty 'resources' list")
    kept = []
    for entry in resources:
        named = (
            {k: entry[k] for k in ("keyUuid", "sha1") if isinstance(entry.get(k), str)}
            if isinstance(entry, Mapping)
            else {}
        )
        if not named:
            raise PolicyError("each of the filter's 'resources' needs a 'keyUuid' or 'sha1'")
        kept.append(named)
    return {"resources": kept}


_FILTER_FIELDS = {
    FilterType.LICENSE: _license_filter,
    FilterType.VULNERABILITY_SEVERITY: _severity_filter,
    FilterType.VULNERABILITY_SCORE: _score_filter,
    FilterType.GAV_REGEX: _gav_filter,
    FilterType.LIBRARY_TYPE: _type_filter,
    FilterType.RESOURCE: _resource_filter,
    FilterType.KNOWN_EXPLOITED: _exploited_filter,
    FilterType.EPSS: _epss_filter,
}

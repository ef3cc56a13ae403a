"""Policies: what a policy object may say, and which policy a library falls under.

A policy pairs a *filter* (which libraries it matches) with an *action* (what happens to
them). Policies live at four levels; the rules of catalog §6.1 decide between them:
project policies come first, then product, organization and global-organization ones,
and within a level the lower ``priority`` first. The first enabled policy whose filter
matches a library decides for it (an approving policy above a rejecting one approves).

Filter types. ``LICENSE`` and ``VULNERABILITY_SEVERITY`` are the spellings real clients
send (catalog §5). The others are depvault's names for the remaining filters of Mend's
"Matching a Policy to a Library" page, whose JSON spelling is not recorded anywhere
public: ``VULNERABILITY_SCORE`` (CVSS range), ``GAV_REGEX`` (group / artifact / version
patterns), ``LIBRARY_TYPE`` and ``RESOURCE`` (named libraries). Two are depvault's own,
on exploit signals Mend's v1.3 lacks: ``KNOWN_EXPLOITED`` (a vulnerability in CISA's
KEV catalog; ``ransomwareOnly`` for those ransomware campaigns used) and ``EPSS``
(FIRST's exploitation probability at least ``minEpss``, from 0 to 1).

A severity band that no source measured is the configured default, not knowledge:
``VULNERABILITY_SEVERITY`` filters pass over such vulnerabilities unless the filter
says ``includeDefaulted: true`` (issue 11).

Everything here is pure: the store loads policies and library facts, these functions
judge them, and :func:`normalize_policy` turns a client's policy object into the stored
form or says precisely what is wrong with it.

``GAV_REGEX`` patterns run on every library of every analysis, in the background
workers, so they are RE2 expressions (google-re2: matching in linear time). With
Python's backtracking ``re`` a pattern such as ``(a+)+$`` took 0.8 s on a 25-character
name and doubles with each character more: one careless policy could stall every
analysis. RE2 has no backreferences or lookaround; a pattern using them is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from enum import StrEnum
from typing import Any, NamedTuple

from depvault.domain.policy_filters import (
    BANDS,
    FilterType,
    PolicyError,
    compile_pattern,
    normalize_filter,
)

__all__ = [
    "AGENT_ACTIONS",
    "ActionType",
    "FilterType",
    "IssueStatus",
    "LibraryFacts",
    "PolicyError",
    "PolicyLevel",
    "PolicyRule",
    "VulnerabilityFacts",
    "compile_filter",
    "compile_pattern",
    "deciding_policy",
    "filter_matches",
    "normalize_policy",
    "violations",
]

MAX_PRIORITY = 1_000_000
MAX_NAME = 255

Matcher = Callable[["LibraryFacts"], bool]


class PolicyLevel(StrEnum):
    """Where a policy is defined (``policyContext`` in responses), narrowest first."""

    PROJECT = "PROJECT"
    PRODUCT = "PRODUCT"
    DOMAIN = "DOMAIN"  # an organization
    GLOBAL = "GLOBAL"  # a global organization

    @property
    def precedence(self) -> int:
        """0 for the level that decides first."""
        return list(PolicyLevel).index(self)


class IssueStatus(StrEnum):
    """A policy issue or approval task is open while its cause lasts."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ActionType(StrEnum):
    """What a policy does to the libraries it matches (catalog §5)."""

    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REASSIGN = "REASSIGN"
    CONDITIONS = "CONDITIONS"
    CREATE_ISSUE = "CREATE_ISSUE"


# The agent's RequestPolicyInfo.actionType: its build gate tests ``"Reject".equals(...)``.
AGENT_ACTIONS = {
    ActionType.APPROVE: "Approve",
    ActionType.REJECT: "Reject",
    ActionType.REASSIGN: "Reassign",
    ActionType.CONDITIONS: "Conditions",
    ActionType.CREATE_ISSUE: "Create Issue",
}


class VulnerabilityFacts(NamedTuple):
    """What vulnerability filters look at in one vulnerability of a library."""

    band: str  # the v1.3 band
    score: float | None
    scored: bool = True  # False: the band is the configured default, no source's
    known_exploited: bool = False
    ransomware: bool = False
    epss: float | None = None


@dataclass(frozen=True, slots=True)
class LibraryFacts:
    """What filters look at in a library."""

    key_uuid: str
    sha1: str | None
    group_id: str | None
    artifact_id: str
    version: str | None
    library_type: str
    ecosystem: str
    licenses: tuple[tuple[str, str], ...] = ()  # (SPDX id or LicenseRef, name)
    vulnerabilities: tuple[VulnerabilityFacts, ...] = ()
    advisory_ids: tuple[int, ...] = ()  # the advisory of each vulnerability, when known
    # the licenses case-folded once: every LICENSE filter compares them
    folded_licenses: tuple[tuple[str, str], ...] = dataclass_field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        folded = tuple((lid.casefold(), name.casefold()) for lid, name in self.licenses)
        object.__setattr__(self, "folded_licenses", folded)


@dataclass(frozen=True)
class PolicyRule:
    """An enabled policy as evaluation needs it, in deciding order."""

    id: int
    name: str
    level: PolicyLevel
    filter: Mapping[str, Any]
    action: Mapping[str, Any]
    inclusive: bool = False
    matches: Matcher = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # compiled once: an analysis asks every rule about thousands of libraries
        object.__setattr__(self, "matches", compile_filter(self.filter, self.inclusive))

    @property
    def action_type(self) -> ActionType:
        """The action's type."""
        return ActionType(self.action["type"])


VULNERABILITY_FILTERS = frozenset(
    {
        FilterType.VULNERABILITY_SEVERITY,
        FilterType.VULNERABILITY_SCORE,
        FilterType.KNOWN_EXPLOITED,
        FilterType.EPSS,
    }
)


def violations(rule: PolicyRule, facts: LibraryFacts) -> list[tuple[str, int | None]]:
    """What a matching rule found in a library, one (violation type, advisory id) per
    violation: a vulnerability filter finds each advisory it matches on its own (so an
    issue tracker gets one ticket per vulnerability), any other filter the library
    once, named by the filter's type (``LICENSE``, ``GAV_REGEX`` …)."""
    kind = FilterType(rule.filter["type"])
    if kind not in VULNERABILITY_FILTERS:
        return [(kind.value, None)]
    return [
        ("VULNERABILITY", advisory)
        for advisory, vulnerability in zip(facts.advisory_ids, facts.vulnerabilities, strict=True)
        if rule.matches(replace(facts, vulnerabilities=(vulnerability,)))
    ]


def deciding_policy(rules: Sequence[PolicyRule], facts: LibraryFacts) -> PolicyRule | None:
    """The first rule (``rules`` in deciding order) whose filter matches the library."""
    for rule in rules:
        if rule.matches(facts):
            return rule
    return None


def filter_matches(flt: Mapping[str, Any], inclusive: bool, facts: LibraryFacts) -> bool:
    """Whether a normalised filter matches a library. ``inclusive`` (LICENSE filters
    only) asks that every license of the library be listed, not just one."""
    return compile_filter(flt, inclusive)(facts)


def compile_filter(flt: Mapping[str, Any], inclusive: bool) -> Matcher:
    """A normalised filter as a predicate on library facts (see :func:`filter_matches`)."""
    kind = FilterType(flt["type"])
    if kind is FilterType.LICENSE:
        return _license_matcher(flt["licenses"], inclusive)
    if kind in VULNERABILITY_FILTERS:
        meets = _vulnerability_test(kind, flt)
        return lambda facts: any(meets(v) for v in facts.vulnerabilities)
    if kind is FilterType.GAV_REGEX:
        tests = [
            (attribute, _pattern_test(flt[field]))
            for field, attribute in (
                ("groupId", "group_id"),
                ("artifactId", "artifact_id"),
                ("version", "version"),
            )
            if field in flt
        ]
        if len(tests) == 1:  # the common case, without a generator per library
            [(attribute, test)] = tests
            return lambda facts: test(getattr(facts, attribute) or "")
        return lambda facts: all(test(getattr(facts, attribute) or "") for attribute, test in tests)
    if kind is FilterType.LIBRARY_TYPE:
        wanted = frozenset(t.casefold() for t in flt["libraryTypes"])
        return lambda facts: (
            facts.library_type.casefold() in wanted or facts.ecosystem.casefold() in wanted
        )
    keys = frozenset(r["keyUuid"] for r in flt["resources"] if "keyUuid" in r)
    sha1s = frozenset(r["sha1"].lower() for r in flt["resources"] if "sha1" in r)
    return lambda facts: (
        facts.key_uuid in keys or (facts.sha1 is not None and facts.sha1.lower() in sha1s)
    )


def _vulnerability_test(
    kind: FilterType, flt: Mapping[str, Any]
) -> Callable[[VulnerabilityFacts], bool]:
    """Whether one vulnerability meets a vulnerability filter."""
    if kind is FilterType.VULNERABILITY_SEVERITY:
        bands = frozenset(BANDS[BANDS.index(flt["vulnerabilitySeverity"].lower()) :])
        defaulted = bool(flt.get("includeDefaulted", False))
        return lambda v: v.band in bands and (v.scored or defaulted)
    if kind is FilterType.VULNERABILITY_SCORE:
        low, high = flt["minScore"], flt.get("maxScore", 10.0)
        return lambda v: v.score is not None and low <= v.score <= high
    if kind is FilterType.KNOWN_EXPLOITED:
        if flt.get("ransomwareOnly", False):
            return lambda v: v.ransomware
        return lambda v: v.known_exploited
    least = flt["minEpss"]
    return lambda v: v.epss is not None and v.epss >= least


def _pattern_test(pattern: str) -> Callable[[str], bool]:
    """A full match of the pattern, remembered per value: an RE2 call costs ~5 µs
    through its binding (10x Python's ``re`` on a simple pattern), and a derivation
    batch asks about the same few thousand libraries for every project."""
    compiled = compile_pattern(pattern)

    @functools.lru_cache(maxsize=65_536)
    def test(value: str) -> bool:
        return compiled.fullmatch(value) is not None

    return test


def _license_matcher(listed: Iterable[Mapping[str, Any]], inclusive: bool) -> Matcher:
    names = frozenset(
        str(entry[field]).casefold()
        for entry in listed
        for field in ("spdxName", "name")
        if entry.get(field)
    )

    def matches(facts: LibraryFacts) -> bool:
        if not facts.folded_licenses:
            return False
        hits = (lid in names or name in names for lid, name in facts.folded_licenses)
        return all(hits) if inclusive else any(hits)

    return matches


# --- the policy object ----------------------------------------------------------------


def normalize_policy(policy: Any, *, partial: bool = False) -> dict[str, Any]:
    """The fields of a client's policy object in stored form: ``name``, ``owner`` (the
    reference as sent), ``filter``, ``action``, ``inclusive``, ``enabled``,
    ``priority``. With ``partial`` (an update) only the fields present are returned and
    none is required. Fields the server assigns (``id``, ``creationTime``,
    ``policyContext``, ``productLevel``, ``projectLevel``) are ignored, so a policy read
    from one scope can be added to another unchanged. Raises :class:`PolicyError`."""
    if not isinstance(policy, Mapping):
        raise PolicyError("expected a JSON object")
    fields: dict[str, Any] = {}
    for required in ("name", "filter", "action"):
        if required not in policy and not partial:
            raise PolicyError(f"'{required}' is required")
    if "name" in policy:
        fields["name"] = _name(policy["name"])
    if "owner" in policy and policy["owner"] is not None:
        fields["owner"] = _owner(policy["owner"])
    if "filter" in policy:
        fields["filter"] = normalize_filter(policy["filter"])
    if "action" in policy:
        fields["action"] = _action(policy["action"])
    for flag in ("inclusive", "enabled"):
        if flag in policy:
            if not isinstance(policy[flag], bool):
                raise PolicyError(f"'{flag}' must be true or false")
            fields[flag] = policy[flag]
    if policy.get("priority") is not None:
        priority = policy["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise PolicyError("'priority' must be a positive integer")
        if not 1 <= priority <= MAX_PRIORITY:
            raise PolicyError(f"'priority' must be from 1 to {MAX_PRIORITY:,}")
        fields["priority"] = priority
    return fields


def _name(value: Any) -> str:
    """The name as stored: trimmed, and measured after trimming (a name padded by a
    template is not refused for its spaces)."""
    if not isinstance(value, str) or not value.strip():
        raise PolicyError("'name' must be a non-empty string")
    name = value.strip()
    if len(name) > MAX_NAME:
        raise PolicyError(f"'name' is longer than {MAX_NAME} characters")
    return name


MAX_ID = 2**31 - 1  # users, groups and policies have 32-bit ids


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise PolicyError(f"'{field}' must be an integer id")
    return value


def _owner(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        owner = {k: value[k] for k in ("id", "email", "name") if value.get(k) not in (None, "")}
        if "id" in owner:
            _id(owner["id"], "owner.id")
        if owner:
            return owner
    raise PolicyError("'owner' must be an object with the user's id, email or name")


def _action(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise PolicyError("'action' must be an object with a 'type'")
    spelled = value["type"].strip().upper().replace(" ", "_")
    spelled = "CREATE_ISSUE" if spelled == "ISSUE" else spelled
    try:
        kind = ActionType(spelled)
    except ValueError:
        raise PolicyError(
            f"unknown action type {value['type']!r}; expected one of {', '.join(ActionType)}"
        ) from None
    action: dict[str, Any] = {"type": kind.value}
    if kind is ActionType.REASSIGN:
        for field in ("group", "user"):
            target = value.get(field)
            if isinstance(target, Mapping) and (target.get("id") or target.get("email")):
                if "id" in target:
                    _id(target["id"], f"action.{field}.id")
                action[field] = {k: target[k] for k in ("id", "name", "email") if k in target}
        if len(action) == 1:
            raise PolicyError("a REASSIGN action needs a 'group' or 'user' with an id")
    if kind is ActionType.CREATE_ISSUE:
        settings = value.get("issueSettings", {"issueTrackerType": "COMMON_ISSUE_TRACKER"})
        if not isinstance(settings, Mapping):
            raise PolicyError("'issueSettings' must be an object")
        action["issueSettings"] = dict(settings)
    if kind is ActionType.CONDITIONS and "conditions" in value:
        if not isinstance(value["conditions"], list):
            raise PolicyError("'conditions' must be a list")
        action["conditions"] = value["conditions"]
    return action

"""The policy rules without a database: what each filter matches, which policy decides,
and how a client's policy object is normalised."""

from __future__ import annotations

from typing import Any

import pytest

from depvault.domain.policies import (
    LibraryFacts,
    PolicyError,
    PolicyLevel,
    PolicyRule,
    deciding_policy,
    filter_matches,
    normalize_policy,
    violations,
)

DJANGO = LibraryFacts(
    key_uuid="k-1",
    sha1="AB" * 20,
    group_id=None,
    artifact_id="django",
    version="3.2.18",
    library_type="python",
    ecosystem="pypi",
    licenses=(("BSD-3-Clause", "BSD 3-Clause"),),
    vulnerabilities=(("medium", 5.3), ("low", None)),
)


def flt(kind: str, **fields: Any) -> dict[str, Any]:
    return normalize_policy(
        {"name": "p", "filter": {"type": kind, **fields}, "action": {"type": "REJECT"}}
    )["filter"]


@pytest.mark.parametrize(
    ("policy_filter", "matches"),
    [
        (flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="MEDIUM"), True),
        (flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="low"), True),
        (flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="HIGH"), False),
        (flt("VULNERABILITY_SCORE", minScore=5.0), True),
        (flt("VULNERABILITY_SCORE", minScore=5.4), False),
        (flt("VULNERABILITY_SCORE", minScore=0, maxScore=5.0), False),
        (flt("RESOURCE", resources=[{"keyUuid": "k-1"}]), True),
        (flt("RESOURCE", resources=[{"sha1": "ab" * 20}]), True),
        (flt("RESOURCE", resources=[{"keyUuid": "k-2"}]), False),
        (flt("GAV_REGEX", artifactId="dj.*", version=r"3\.2\..*"), True),
        (flt("GAV_REGEX", artifactId="dj.*", version=r"4\..*"), False),
        (flt("GAV_REGEX", groupId=".+"), False),  # no group: matched as ""
        (flt("LIBRARY_TYPE", libraryTypes=["PyPI"]), True),
        (flt("LIBRARY_TYPE", libraryTypes=["npm"]), False),
        (flt("LICENSE", licenses=[{"spdxName": "bsd-3-clause"}]), True),
        (flt("LICENSE", licenses=[{"name": "BSD 3-Clause"}]), True),
        (flt("LICENSE", licenses=[{"name": "MIT"}]), False),
    ],
)
def test_each_filter_matches_what_it_names(policy_filter: dict[str, Any], matches: bool) -> None:
    assert filter_matches(policy_filter, False, DJANGO) is matches


def test_license_filters_any_or_every_and_never_an_unlicensed_library() -> None:
    dual = LibraryFacts(
        "k", None, None, "x", "1", "python", "pypi", (("MIT", "MIT"), ("GPL-3.0-only", "GPL"))
    )
    gpl = flt("LICENSE", licenses=[{"name": "GPL-3.0-only"}])
    assert filter_matches(gpl, False, dual)
    assert not filter_matches(gpl, True, dual)
    both = flt("LICENSE", licenses=[{"name": "GPL-3.0-only"}, {"name": "MIT"}])
    assert filter_matches(both, True, dual)
    bare = LibraryFacts("k", None, None, "x", "1", "python", "pypi")
    assert not filter_matches(both, False, bare) and not filter_matches(both, True, bare)


def test_the_first_matching_rule_decides() -> None:
    def rule(pid: int, action: str, **fields: Any) -> PolicyRule:
        return PolicyRule(pid, f"r{pid}", PolicyLevel.DOMAIN, flt(**fields), {"type": action})

    miss = rule(1, "APPROVE", kind="LIBRARY_TYPE", libraryTypes=["npm"])
    approve = rule(2, "APPROVE", kind="GAV_REGEX", artifactId="django")
    reject = rule(3, "REJECT", kind="VULNERABILITY_SCORE", minScore=1)
    assert deciding_policy([miss, approve, reject], DJANGO) is approve
    assert deciding_policy([miss, reject, approve], DJANGO) is reject
    assert deciding_policy([miss], DJANGO) is None


def test_normalising_keeps_what_clients_compare_and_drops_server_fields() -> None:
    read_back = {
        "id": 7,
        "creationTime": "2026-01-01",
        "policyContext": "PROJECT",
        "projectLevel": True,
        "name": " no GPL ",
        "owner": {"id": 3, "email": "a@b.c", "name": "A"},
        "filter": {"type": "license", "licenses": [{"id": 12, "name": "GPL-3.0", "url": "u"}]},
        "action": {"type": "Create Issue"},
        "inclusive": False,
        "enabled": True,
        "priority": 2,
    }
    assert normalize_policy(read_back) == {
        "name": "no GPL",
        "owner": {"id": 3, "email": "a@b.c", "name": "A"},
        "filter": {"type": "LICENSE", "licenses": [{"id": 12, "name": "GPL-3.0"}]},
        "action": {
            "type": "CREATE_ISSUE",
            "issueSettings": {"issueTrackerType": "COMMON_ISSUE_TRACKER"},
        },
        "inclusive": False,
        "enabled": True,
        "priority": 2,
    }
    assert normalize_policy({"enabled": False}, partial=True) == {"enabled": False}
    with pytest.raises(PolicyError, match="'filter' is required"):
        normalize_policy({"name": "x", "action": {"type": "REJECT"}})
    with pytest.raises(PolicyError, match="'maxScore' is below 'minScore'"):
        flt("VULNERABILITY_SCORE", minScore=7, maxScore=3)


def test_patterns_are_re2_expressions() -> None:
    """GAV patterns run in linear time (RE2): a nested quantifier is fine and still
    matches as written; what only a backtracking engine can do is refused."""
    nested = flt("GAV_REGEX", artifactId="(d+j?a*)+ngo")
    assert filter_matches(nested, False, DJANGO)
    with pytest.raises(PolicyError, match="not a valid RE2 regular expression"):
        flt("GAV_REGEX", artifactId=r"(dj)\1")
    with pytest.raises(PolicyError, match="not a valid RE2 regular expression"):
        flt("GAV_REGEX", version=r"(?=3)3.*")


def refusal(policy: Any, *, partial: bool = False) -> str:
    """The whole message of the PolicyError a policy object is refused with."""
    with pytest.raises(PolicyError) as raised:
        normalize_policy(policy, partial=partial)
    return str(raised.value)


def valid(**fields: Any) -> dict[str, Any]:
    """A complete, valid policy object with ``fields`` replaced."""
    base = {
        "name": "p",
        "filter": {"type": "LICENSE", "licenses": [{"name": "MIT"}]},
        "action": {"type": "REJECT"},
    }
    return {**base, **fields}


@pytest.mark.parametrize("policy", [None, [], [valid()], 3, 2.5, "policy", True])
def test_a_policy_must_be_an_object(policy: Any) -> None:
    assert refusal(policy) == "expected a JSON object"
    assert refusal(policy, partial=True) == "expected a JSON object"


@pytest.mark.parametrize("licenses", ["missing", None, [], {}, "MIT", {"name": "MIT"}], ids=repr)
def test_a_license_filter_needs_licenses(licenses: Any) -> None:
    policy_filter: dict[str, Any] = {"type": "LICENSE"}
    if licenses != "missing":
        policy_filter["licenses"] = licenses
    assert refusal(valid(filter=policy_filter)) == (
        "a LICENSE filter needs a non-empty 'licenses' list"
    )


@pytest.mark.parametrize("entry", [{"id": 7}, {"name": " "}, {"spdxName": 5}, "MIT", None])
def test_each_listed_license_needs_a_name(entry: Any) -> None:
    policy_filter = {"type": "LICENSE", "licenses": [{"name": "MIT"}, entry]}
    assert refusal(valid(filter=policy_filter)) == (
        "each of the filter's 'licenses' needs a 'name' or 'spdxName' "
        "(depvault identifies licenses by SPDX id and name, not by Mend's ids)"
    )


def test_a_name_has_up_to_255_characters() -> None:
    assert normalize_policy(valid(name="n" * 255))["name"] == "n" * 255
    assert normalize_policy(valid(name=" n "))["name"] == "n"
    assert refusal(valid(name="n" * 256)) == "'name' is longer than 255 characters"
    for wrong in ("", "   ", 5, None, ["n"]):
        assert refusal(valid(name=wrong)) == "'name' must be a non-empty string"


@pytest.mark.parametrize(
    ("place", "field"),
    [
        (lambda i: {"owner": {"id": i}}, "owner.id"),
        (
            lambda i: {"action": {"type": "REASSIGN", "user": {"id": i, "email": "u@x.io"}}},
            "action.user.id",
        ),
        (
            lambda i: {"action": {"type": "REASSIGN", "group": {"id": i, "email": "g@x.io"}}},
            "action.group.id",
        ),
    ],
    ids=["owner", "user", "group"],
)
def test_ids_are_positive_32_bit_integers(place: Any, field: str) -> None:
    """Ids run from 1 to 2**31 - 1 (the columns are 32-bit): both ends are ids, one
    step outside either end is not, nor is a boolean or a numeric string."""
    for good in (1, 2**31 - 1):
        normalize_policy(valid(**place(good)))
    for wrong in (0, -1, 2**31, True, "7", 7.0):
        assert refusal(valid(**place(wrong))) == f"'{field}' must be an integer id", wrong


def test_priorities_run_from_1_to_a_million() -> None:
    for good in (1, 1_000_000):
        assert normalize_policy(valid(priority=good))["priority"] == good
    assert "priority" not in normalize_policy(valid(priority=None))
    for wrong in (0, -3, 1_000_001):
        assert refusal(valid(priority=wrong)) == "'priority' must be from 1 to 1,000,000"
    for wrong in ("1", 1.0, True):
        assert refusal(valid(priority=wrong)) == "'priority' must be a positive integer"


VULNERABLE = LibraryFacts(
    key_uuid="k-2",
    sha1=None,
    group_id="org.example",
    artifact_id="lib",
    version="1.0",
    library_type="java",
    ecosystem="maven",
    licenses=(("MIT", "MIT"),),
    vulnerabilities=(("high", 9.8), ("low", 2.1), ("medium", 5.0), ("medium", None)),
    advisory_ids=(11, 12, 13, 14),
)


def rule_with(policy_filter: dict[str, Any]) -> PolicyRule:
    return PolicyRule(1, "r", PolicyLevel.PROJECT, policy_filter, {"type": "CREATE_ISSUE"})


@pytest.mark.parametrize(
    ("policy_filter", "found"),
    [
        (
            flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="MEDIUM"),
            [("VULNERABILITY", 11), ("VULNERABILITY", 13), ("VULNERABILITY", 14)],
        ),
        (flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="HIGH"), [("VULNERABILITY", 11)]),
        (
            flt("VULNERABILITY_SCORE", minScore=2.1, maxScore=5.0),
            [("VULNERABILITY", 12), ("VULNERABILITY", 13)],
        ),
        (flt("LICENSE", licenses=[{"name": "MIT"}]), [("LICENSE", None)]),
        (flt("GAV_REGEX", artifactId="lib"), [("GAV_REGEX", None)]),
        (flt("LIBRARY_TYPE", libraryTypes=["java"]), [("LIBRARY_TYPE", None)]),
        (flt("RESOURCE", resources=[{"keyUuid": "k-2"}]), [("RESOURCE", None)]),
    ],
)
def test_violations_one_per_advisory_or_one_per_library(
    policy_filter: dict[str, Any], found: list[tuple[str, int | None]]
) -> None:
    """A vulnerability filter finds each advisory it matches on its own (one issue per
    vulnerability); any other filter finds the library once, named by its filter type
    (``LICENSE`` for a license filter)."""
    assert violations(rule_with(policy_filter), VULNERABLE) == found


def test_a_vulnerability_filter_finds_nothing_in_a_library_without_vulnerabilities() -> None:
    clean = LibraryFacts("k", None, None, "x", "1", "python", "pypi")
    severity = flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="LOW")
    assert violations(rule_with(severity), clean) == []

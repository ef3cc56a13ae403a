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
    VulnerabilityFacts,
    deciding_policy,
    filter_matches,
    normalize_policy,
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
    vulnerabilities=(
        VulnerabilityFacts("medium", 5.3, epss=0.2),
        VulnerabilityFacts("high", None, scored=False),  # the default band, no source's
        VulnerabilityFacts("low", None, known_exploited=True),
    ),
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
        (flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="HIGH", includeDefaulted=True), True),
        (flt("KNOWN_EXPLOITED"), True),
        (flt("KNOWN_EXPLOITED", ransomwareOnly=True), False),
        (flt("EPSS", minEpss=0.2), True),
        (flt("EPSS", minEpss=0.5), False),
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
    with pytest.raises(PolicyError, match="'minEpss' must be a probability from 0 to 1"):
        flt("EPSS", minEpss=5)
    with pytest.raises(PolicyError, match="'includeDefaulted' must be true or false"):
        flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="LOW", includeDefaulted="yes")
    assert flt("KNOWN_EXPLOITED") == {"type": "KNOWN_EXPLOITED", "ransomwareOnly": False}


def test_patterns_are_re2_expressions() -> None:
    """GAV patterns run in linear time (RE2): a nested quantifier is fine and still
    matches as written; what only a backtracking engine can do is refused."""
    nested = flt("GAV_REGEX", artifactId="(d+j?a*)+ngo")
    assert filter_matches(nested, False, DJANGO)
    with pytest.raises(PolicyError, match="not a valid RE2 regular expression"):
        flt("GAV_REGEX", artifactId=r"(dj)\1")
    with pytest.raises(PolicyError, match="not a valid RE2 regular expression"):
        flt("GAV_REGEX", version=r"(?=3)3.*")

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
    compile_pattern,
    deciding_policy,
    filter_matches,
    normalize_policy,
    violations,
)


def django() -> LibraryFacts:
    """Built in each test (not at import: see :func:`raw`)."""
    return LibraryFacts(
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
    return normalized(raw(kind, **fields))


def raw(kind: str, **fields: Any) -> dict[str, Any]:
    """A filter as a client sends it. Parameter lists hold these, not normalised filters:
    they are built when tests are collected, before the mutation run picks a mutant, so
    normalising there would test the unmutated code."""
    return {"type": kind, **fields}


def normalized(client_filter: dict[str, Any]) -> dict[str, Any]:
    policy = {"name": "p", "filter": client_filter, "action": {"type": "REJECT"}}
    return normalize_policy(policy)["filter"]


@pytest.mark.parametrize(
    ("policy_filter", "matches"),
    [
        (raw("VULNERABILITY_SEVERITY", vulnerabilitySeverity="MEDIUM"), True),
        (raw("VULNERABILITY_SEVERITY", vulnerabilitySeverity="low"), True),
        (raw("VULNERABILITY_SEVERITY", vulnerabilitySeverity="HIGH"), False),
        (raw("VULNERABILITY_SEVERITY", vulnerabilitySeverity="HIGH", includeDefaulted=True), True),
        (raw("KNOWN_EXPLOITED"), True),
        (raw("KNOWN_EXPLOITED", ransomwareOnly=True), False),
        (raw("EPSS", minEpss=0.2), True),
        (raw("EPSS", minEpss=0.5), False),
        (raw("VULNERABILITY_SCORE", minScore=5.0), True),
        (raw("VULNERABILITY_SCORE", minScore=5.4), False),
        (raw("VULNERABILITY_SCORE", minScore=0, maxScore=5.0), False),
        (raw("RESOURCE", resources=[{"keyUuid": "k-1"}]), True),
        (raw("RESOURCE", resources=[{"sha1": "ab" * 20}]), True),
        (raw("RESOURCE", resources=[{"keyUuid": "k-2"}]), False),
        (raw("GAV_REGEX", artifactId="dj.*", version=r"3\.2\..*"), True),
        (raw("GAV_REGEX", artifactId="dj.*", version=r"4\..*"), False),
        (raw("GAV_REGEX", groupId=".+"), False),  # no group: matched as ""
        (raw("LIBRARY_TYPE", libraryTypes=["PyPI"]), True),
        (raw("LIBRARY_TYPE", libraryTypes=["npm"]), False),
        (raw("LICENSE", licenses=[{"spdxName": "bsd-3-clause"}]), True),
        (raw("LICENSE", licenses=[{"name": "BSD 3-Clause"}]), True),
        (raw("LICENSE", licenses=[{"name": "MIT"}]), False),
    ],
)
def test_each_filter_matches_what_it_names(policy_filter: dict[str, Any], matches: bool) -> None:
    assert filter_matches(normalized(policy_filter), False, django()) is matches


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
    assert deciding_policy([miss, approve, reject], django()) is approve
    assert deciding_policy([miss, reject, approve], django()) is reject
    assert deciding_policy([miss], django()) is None


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
    assert filter_matches(nested, False, django())
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
    # measured after trimming: padding does not count
    assert normalize_policy(valid(name=" " + "n" * 255 + " "))["name"] == "n" * 255
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


def vulnerable() -> LibraryFacts:
    return LibraryFacts(
        key_uuid="k-2",
        sha1=None,
        group_id="org.example",
        artifact_id="lib",
        version="1.0",
        library_type="java",
        ecosystem="maven",
        licenses=(("MIT", "MIT"),),
        vulnerabilities=(
            VulnerabilityFacts("high", 9.8),
            VulnerabilityFacts("low", 2.1),
            VulnerabilityFacts("medium", 5.0),
            VulnerabilityFacts("medium", None),
        ),
        advisory_ids=(11, 12, 13, 14),
    )


def rule_with(policy_filter: dict[str, Any]) -> PolicyRule:
    return PolicyRule(1, "r", PolicyLevel.PROJECT, policy_filter, {"type": "CREATE_ISSUE"})


@pytest.mark.parametrize(
    ("policy_filter", "found"),
    [
        (
            raw("VULNERABILITY_SEVERITY", vulnerabilitySeverity="MEDIUM"),
            [("VULNERABILITY", 11), ("VULNERABILITY", 13), ("VULNERABILITY", 14)],
        ),
        (raw("VULNERABILITY_SEVERITY", vulnerabilitySeverity="HIGH"), [("VULNERABILITY", 11)]),
        (
            raw("VULNERABILITY_SCORE", minScore=2.1, maxScore=5.0),
            [("VULNERABILITY", 12), ("VULNERABILITY", 13)],
        ),
        (raw("LICENSE", licenses=[{"name": "MIT"}]), [("LICENSE", None)]),
        (raw("GAV_REGEX", artifactId="lib"), [("GAV_REGEX", None)]),
        (raw("LIBRARY_TYPE", libraryTypes=["java"]), [("LIBRARY_TYPE", None)]),
        (raw("RESOURCE", resources=[{"keyUuid": "k-2"}]), [("RESOURCE", None)]),
    ],
)
def test_violations_one_per_advisory_or_one_per_library(
    policy_filter: dict[str, Any], found: list[tuple[str, int | None]]
) -> None:
    """A vulnerability filter finds each advisory it matches on its own (one issue per
    vulnerability); any other filter finds the library once, named by its filter type
    (``LICENSE`` for a license filter)."""
    assert violations(rule_with(normalized(policy_filter)), vulnerable()) == found


def test_a_vulnerability_filter_finds_nothing_in_a_library_without_vulnerabilities() -> None:
    clean = LibraryFacts("k", None, None, "x", "1", "python", "pypi")
    severity = flt("VULNERABILITY_SEVERITY", vulnerabilitySeverity="LOW")
    assert violations(rule_with(severity), clean) == []


LICENSE_MIT = {"type": "LICENSE", "licenses": [{"name": "MIT"}]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"filter": None}, "'filter' must be an object with a 'type'"),
        ({"filter": {"licenses": []}}, "'filter' must be an object with a 'type'"),
        (
            {"filter": {"type": "COLOUR"}},
            "unknown filter type 'COLOUR'; expected one of LICENSE, VULNERABILITY_SEVERITY, "
            "VULNERABILITY_SCORE, GAV_REGEX, LIBRARY_TYPE, RESOURCE, KNOWN_EXPLOITED, EPSS",
        ),
        ({"action": "REJECT"}, "'action' must be an object with a 'type'"),
        (
            {"action": {"type": "DESTROY"}},
            "unknown action type 'DESTROY'; expected one of APPROVE, REJECT, REASSIGN, "
            "CONDITIONS, CREATE_ISSUE",
        ),
        (
            {"action": {"type": "REASSIGN", "user": {"name": "only a name"}}},
            "a REASSIGN action needs a 'group' or 'user' with an id",
        ),
        (
            {"action": {"type": "CREATE_ISSUE", "issueSettings": "jira"}},
            "'issueSettings' must be an object",
        ),
        ({"action": {"type": "CONDITIONS", "conditions": "c"}}, "'conditions' must be a list"),
        ({"owner": "admin"}, "'owner' must be an object with the user's id, email or name"),
        ({"owner": {"email": ""}}, "'owner' must be an object with the user's id, email or name"),
        ({"inclusive": "no"}, "'inclusive' must be true or false"),
        ({"enabled": 1}, "'enabled' must be true or false"),
        (
            {"filter": {"type": "VULNERABILITY_SEVERITY"}},
            "'vulnerabilitySeverity' must be LOW, MEDIUM or HIGH",
        ),
        (
            {"filter": {"type": "VULNERABILITY_SEVERITY", "vulnerabilitySeverity": 3}},
            "'vulnerabilitySeverity' must be LOW, MEDIUM or HIGH",
        ),
        (
            {
                "filter": {
                    "type": "VULNERABILITY_SEVERITY",
                    "vulnerabilitySeverity": "LOW",
                    "effectiveVulnerabilitiesOnly": "yes",
                }
            },
            "'effectiveVulnerabilitiesOnly' must be true or false",
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE"}},
            "'minScore' must be a CVSS score from 0 to 10",
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": -0.1}},
            "'minScore' must be a CVSS score from 0 to 10",
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": True}},
            "'minScore' must be a CVSS score from 0 to 10",
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": 1, "maxScore": 10.1}},
            "'maxScore' must be a CVSS score from 0 to 10",
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": 7, "maxScore": 6.9}},
            "'maxScore' is below 'minScore'",
        ),
        (
            {"filter": {"type": "GAV_REGEX"}},
            "a GAV_REGEX filter needs a 'groupId', 'artifactId' or 'version'",
        ),
        (
            {"filter": {"type": "GAV_REGEX", "groupId": "g" * 513}},
            "'groupId' must be a pattern of at most 512 characters",
        ),
        (
            {"filter": {"type": "GAV_REGEX", "version": 3}},
            "'version' must be a pattern of at most 512 characters",
        ),
        (
            {"filter": {"type": "GAV_REGEX", "artifactId": "(["}},
            "'artifactId' is not a valid RE2 regular expression: missing ]: [",
        ),
        (
            {"filter": {"type": "LIBRARY_TYPE", "libraryTypes": []}},
            "a LIBRARY_TYPE filter needs a non-empty 'libraryTypes' list",
        ),
        (
            {"filter": {"type": "LIBRARY_TYPE", "libraryTypes": ["npm", 3]}},
            "a LIBRARY_TYPE filter needs a non-empty 'libraryTypes' list",
        ),
        (
            {"filter": {"type": "RESOURCE", "resources": []}},
            "a RESOURCE filter needs a non-empty 'resources' list",
        ),
        (
            {"filter": {"type": "RESOURCE"}},
            "a RESOURCE filter needs a non-empty 'resources' list",
        ),
        (
            {"filter": {"type": "RESOURCE", "resources": [{"keyUuid": "k"}, {"sha1": 5}]}},
            "each of the filter's 'resources' needs a 'keyUuid' or 'sha1'",
        ),
        (
            {"filter": {"type": "RESOURCE", "resources": ["k"]}},
            "each of the filter's 'resources' needs a 'keyUuid' or 'sha1'",
        ),
    ],
)
def test_each_refusal_says_exactly_what_is_wrong(fields: dict[str, Any], message: str) -> None:
    assert refusal(valid(**fields)) == message


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        (
            {"filter": {"type": "vulnerability_severity", "vulnerabilitySeverity": "medium"}},
            {
                "filter": {
                    "type": "VULNERABILITY_SEVERITY",
                    "vulnerabilitySeverity": "MEDIUM",
                    "effectiveVulnerabilitiesOnly": False,
                    "includeDefaulted": False,
                }
            },
        ),
        (
            {
                "filter": {
                    "type": "VULNERABILITY_SEVERITY",
                    "vulnerabilitySeverity": "High",
                    "effectiveVulnerabilitiesOnly": True,
                }
            },
            {
                "filter": {
                    "type": "VULNERABILITY_SEVERITY",
                    "vulnerabilitySeverity": "HIGH",
                    "effectiveVulnerabilitiesOnly": True,
                    "includeDefaulted": False,
                }
            },
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": 0}},
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": 0.0, "maxScore": 10.0}},
        ),
        (
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": 10, "maxScore": 10}},
            {"filter": {"type": "VULNERABILITY_SCORE", "minScore": 10.0, "maxScore": 10.0}},
        ),
        (
            {"filter": {"type": "GAV_REGEX", "groupId": "g" * 512, "artifactId": None}},
            {"filter": {"type": "GAV_REGEX", "groupId": "g" * 512}},
        ),
        (
            {"filter": {"type": "GAV_REGEX", "artifactId": "a.*", "version": "1\\..*"}},
            {"filter": {"type": "GAV_REGEX", "artifactId": "a.*", "version": "1\\..*"}},
        ),
        (
            {"filter": {"type": "LIBRARY_TYPE", "libraryTypes": ["npm", "PyPI"]}},
            {"filter": {"type": "LIBRARY_TYPE", "libraryTypes": ["npm", "PyPI"]}},
        ),
        (
            {
                "filter": {
                    "type": "RESOURCE",
                    "resources": [
                        {"keyUuid": "k", "name": "x"},
                        {"sha1": "ab"},
                        {"keyUuid": "k2", "sha1": "cd"},
                    ],
                }
            },
            {
                "filter": {
                    "type": "RESOURCE",
                    "resources": [
                        {"keyUuid": "k"},
                        {"sha1": "ab"},
                        {"keyUuid": "k2", "sha1": "cd"},
                    ],
                }
            },
        ),
        (
            {
                "filter": {
                    "type": "LICENSE",
                    "licenses": [{"spdxName": "MIT", "url": "u"}, {"name": "BSD", "id": None}],
                }
            },
            {"filter": {"type": "LICENSE", "licenses": [{"spdxName": "MIT"}, {"name": "BSD"}]}},
        ),
        (
            {"action": {"type": "issue"}},
            {
                "action": {
                    "type": "CREATE_ISSUE",
                    "issueSettings": {"issueTrackerType": "COMMON_ISSUE_TRACKER"},
                }
            },
        ),
        (
            {"action": {"type": "create issue", "issueSettings": {"issueTrackerType": "JIRA"}}},
            {"action": {"type": "CREATE_ISSUE", "issueSettings": {"issueTrackerType": "JIRA"}}},
        ),
        (
            {"action": {"type": "Conditions", "conditions": [{"c": 1}]}},
            {"action": {"type": "CONDITIONS", "conditions": [{"c": 1}]}},
        ),
        ({"action": {"type": "CONDITIONS"}}, {"action": {"type": "CONDITIONS"}}),
        (
            {"action": {"type": "REJECT", "conditions": "ignored", "issueSettings": 5}},
            {"action": {"type": "REJECT"}},
        ),
        (
            {
                "action": {
                    "type": "REASSIGN",
                    "group": {"id": 4, "name": "devs", "extra": 1},
                    "user": {"email": "u@x.io", "name": "U"},
                }
            },
            {
                "action": {
                    "type": "REASSIGN",
                    "group": {"id": 4, "name": "devs"},
                    "user": {"name": "U", "email": "u@x.io"},
                }
            },
        ),
        (
            {"action": {"type": "REASSIGN", "user": {"id": 9}, "group": {"name": "no id"}}},
            {"action": {"type": "REASSIGN", "user": {"id": 9}}},
        ),
        (
            {"owner": {"id": 3, "email": "", "name": None}},
            {"owner": {"id": 3}},
        ),
        ({"owner": {"name": "A"}}, {"owner": {"name": "A"}}),
        ({"inclusive": True, "enabled": False}, {"inclusive": True, "enabled": False}),
    ],
)
def test_what_is_stored_of_a_valid_policy(fields: dict[str, Any], stored: dict[str, Any]) -> None:
    normal = normalize_policy(valid(**fields))
    assert {k: normal[k] for k in stored} == stored
    assert normalize_policy(fields, partial=True) == stored


def test_a_refused_pattern_is_not_logged(capfd: pytest.CaptureFixture[str]) -> None:
    """A bad GAV pattern is the client's error, answered to the client; RE2 must not
    write it to the server's error output as well."""
    capfd.readouterr()
    with pytest.raises(PolicyError):
        compile_pattern("([")
    assert capfd.readouterr().err == ""


def test_a_gav_filter_matches_every_pattern_it_names() -> None:
    """Each named pattern must match in full; a missing group is matched as ""."""
    both = flt("GAV_REGEX", groupId="[a-z]*", artifactId="django")
    assert filter_matches(both, False, django())
    assert not filter_matches(
        flt("GAV_REGEX", groupId="[a-z]+", artifactId="django"), False, django()
    )
    assert not filter_matches(flt("GAV_REGEX", groupId="", artifactId="djang"), False, django())


def test_an_inclusive_rule_needs_every_license_listed() -> None:
    dual = LibraryFacts(
        "k", None, None, "x", "1", "python", "pypi", (("MIT", "MIT"), ("GPL-3.0-only", "GPL"))
    )
    gpl = flt("LICENSE", licenses=[{"name": "GPL-3.0-only"}])
    assert not PolicyRule(1, "r", PolicyLevel.PRODUCT, gpl, {"type": "REJECT"}, True).matches(dual)
    assert PolicyRule(1, "r", PolicyLevel.PRODUCT, gpl, {"type": "REJECT"}).matches(dual)

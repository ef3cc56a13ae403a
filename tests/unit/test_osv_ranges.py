"""The OSV events walk, case by case (spec/osv-matching.md)."""

from __future__ import annotations

from depvault.domain.osv.ranges import (
    Event,
    Range,
    Verdict,
    affected_each,
    is_affected,
    ordering_for,
    parse_range,
)


def rng(*events: tuple[str, str], kind: str = "ECOSYSTEM") -> Range:
    return Range(kind, tuple(Event(k, v) for k, v in events))


def affected(ecosystem: str, version: str, *ranges: Range, versions: tuple[str, ...] = ()) -> bool:
    return is_affected(ecosystem, version, ranges, versions).affected


def test_introduced_and_fixed_in_the_ecosystem_order() -> None:
    r = rng(("introduced", "0"), ("fixed", "1.10.0"))
    assert affected("PyPI", "1.9.0", r)
    assert not affected("PyPI", "1.10.0", r)
    assert affected("PyPI", "1.10.0rc1", r)  # PEP 440: a pre-release comes before
    assert not affected("PyPI", "1.10.0.post1", r)


def test_events_need_not_be_sorted_and_ranges_can_reopen() -> None:
    r = rng(("fixed", "2.0"), ("introduced", "1.0"), ("introduced", "3.0"), ("fixed", "3.5"))
    assert [affected("PyPI", v, r) for v in ("0.9", "1.5", "2.1", "3.2", "3.5")] == [
        False,
        True,
        False,
        True,
        False,
    ]


def test_last_affected_and_limit() -> None:
    last = rng(("introduced", "1.0.0"), ("last_affected", "1.4.2"), kind="SEMVER")
    assert affected("crates.io", "1.4.2", last) and not affected("crates.io", "1.4.3", last)
    limited = rng(("introduced", "0"), ("limit", "2.0.0"), kind="SEMVER")
    assert affected("npm", "1.9.9", limited) and not affected("npm", "2.0.0", limited)


def test_semver_prereleases_and_go_style_versions() -> None:
    r = rng(("introduced", "0"), ("fixed", "1.13.0-0"), kind="SEMVER")
    assert affected("Go", "1.12.9", r)
    assert affected("Go", "v1.12.9", r)
    assert not affected("Go", "1.13.0", r)


def test_explicit_versions_and_git_ranges() -> None:
    git = rng(("introduced", "abc123"), ("fixed", "def456"), kind="GIT")
    assert affected("PyPI", "0.3", git, versions=("0.3",))
    assert not affected("PyPI", "0.4", git, versions=("0.3",))


def test_unparseable_versions_fall_back_to_the_list() -> None:
    r = rng(("introduced", "0"), ("fixed", "1.0"))
    verdict = is_affected("PyPI", "0.1-bulbasaur", [r], ["0.1-bulbasaur"])
    assert verdict.affected
    verdict = is_affected("PyPI", "not a version!", [r], [])
    assert not verdict.affected and not verdict.decided_by_ranges


def test_ecosystems_without_an_ordering_match_by_list_only() -> None:
    r = rng(("introduced", "0"), ("fixed", "9.9"))
    assert not affected("Hackage", "1.0", r)
    assert affected("Hackage", "1.0", r, versions=("1.0",))
    assert affected("Debian:12", "1.0-1", rng(("introduced", "0"), ("fixed", "1.0-2")))


def test_a_star_limit_is_no_limit() -> None:
    """``limit: "*"`` bounds nothing: the range is the same as without it."""
    star = rng(("introduced", "1.0.0"), ("limit", "*"), kind="SEMVER")
    for version in ("1.0.0", "2.5.1", "10.0.0", "999.0.0"):
        verdict = is_affected("npm", version, [star])
        assert verdict.affected and verdict.decided_by_ranges, version
    assert not affected("npm", "0.9.9", star)
    assert affected_each("npm", ["0.9.9", "1.0.0", "10.0.0"], [star]) == [False, True, True]


def test_an_unparseable_event_version_leaves_the_decision_to_the_list() -> None:
    """A range whose event version does not parse in the ecosystem cannot order anything:
    it neither affects a version (as if it said ``introduced: 0``) nor clears one;
    ``versions[]`` decides and the verdict says the ranges could not."""
    for bad in (
        rng(("introduced", "not a version!"), ("fixed", "2.0")),
        rng(("introduced", "1.0"), ("fixed", "not a version!")),
        rng(("introduced", "0"), ("last_affected", "???")),
        rng(("introduced", "0"), ("limit", "no-limit-here!")),
    ):
        verdict = is_affected("PyPI", "1.5", [bad])
        assert not verdict.affected and not verdict.decided_by_ranges, bad
        assert is_affected("PyPI", "1.5", [bad], ["1.5"]).affected
        assert affected_each("PyPI", ["0.5", "1.5", "3.0"], [bad], ["1.5"]) == [
            False,
            True,
            False,
        ]
    good = rng(("introduced", "0"), ("fixed", "1.0"))
    verdict = is_affected("PyPI", "0.5", [rng(("introduced", "??"), ("fixed", "2")), good])
    assert verdict.affected and verdict.decided_by_ranges


def test_semver_drops_one_leading_v_and_keeps_every_digit_of_the_major() -> None:
    """SEMVER versions may come as ``v10.2.0`` (Go): the ``v`` goes, ``10`` stays 10."""
    r = rng(("introduced", "10.0.0"), ("fixed", "10.2.0"), kind="SEMVER")
    with_v = rng(("introduced", "v10.0.0"), ("fixed", "V10.2.0"), kind="SEMVER")
    cases = {
        "0.2.0": False,
        "0.1.0": False,
        "1.0.0": False,
        "9.9.9": False,
        "10.0.0": True,
        "10.1.7": True,
        "v10.1.7": True,
        "V10.1.7": True,
        "10.2.0": False,
        "v10.2.0": False,
        "11.0.0": False,
    }
    for version, expected in cases.items():
        assert affected("Go", version, r) is expected, version
        assert affected("Go", version, with_v) is expected, version
    versions = list(cases)
    assert affected_each("Go", versions, [r]) == list(cases.values())
    assert affected_each("Go", versions, [with_v]) == list(cases.values())
    # an ECOSYSTEM range keeps versions as they are: only SEMVER strips the "v"
    eco = rng(("introduced", "10.0.0"), ("fixed", "10.2.0"))
    assert affected("PyPI", "10.1.0", eco) and not affected("PyPI", "0.1.0", eco)


def test_verdicts_say_whether_the_ranges_decided() -> None:
    r = rng(("introduced", "1.0"), ("last_affected", "1.4"))
    assert is_affected("PyPI", "1.4", [r]) == Verdict(True, True)
    assert is_affected("PyPI", "1.5", [r]) == Verdict(False, True)  # past last_affected
    assert is_affected("PyPI", "0.1", [r], ["0.1"]) == Verdict(True, False)  # the list said so
    assert is_affected("PyPI", "?!", [r]) == Verdict(False, False)
    assert is_affected("PyPI", "1.2", [rng(("introduced", "?!"))]) == Verdict(False, False)


def test_a_version_unparseable_in_one_range_is_still_judged_by_the_next() -> None:
    """Each range is judged on its own: a range that cannot decide does not stop the
    ranges after it from deciding."""
    undecidable = rng(("introduced", "?!"))
    r = rng(("introduced", "1.0"), ("fixed", "2.0"))
    assert is_affected("PyPI", "1.5", [undecidable, r]) == Verdict(True, True)
    assert affected_each("PyPI", ["1.5", "2.5"], [undecidable, r]) == [True, False]


def test_ranges_are_read_from_their_osv_form() -> None:
    data = {
        "type": "SEMVER",
        "events": [
            {"introduced": "0"},
            {"fixed": "1.2.0"},
            {"introduced": "2.0.0"},
            {"last_affected": "2.4.1"},
            {"limit": "3.0.0"},
        ],
    }
    assert parse_range(data) == rng(
        ("introduced", "0"),
        ("fixed", "1.2.0"),
        ("introduced", "2.0.0"),
        ("last_affected", "2.4.1"),
        ("limit", "3.0.0"),
        kind="SEMVER",
    )
    assert parse_range({"type": "GIT"}) == Range("GIT", ())
    assert parse_range({"events": [{"introduced": "0"}]}) == Range("", (Event("introduced", "0"),))


def test_orderings_of_distributions_with_release_suffixes() -> None:
    assert ordering_for("Debian:12") is ordering_for("Debian") is not None
    assert ordering_for("Ubuntu:Pro:18.04:LTS") is ordering_for("Ubuntu") is not None
    assert ordering_for("Pub") is None and ordering_for("Hackage:x") is None


def test_alpine_versions_compare_in_alpine_order() -> None:
    """Alpine's class is compared by its own rules, not its text: 1.10 comes after 1.9."""
    r = rng(("introduced", "0"), ("fixed", "1.10.0-r0"))
    assert affected("Alpine:v3.19", "1.9.0-r0", r)
    assert not affected("Alpine:v3.19", "1.10.0-r0", r)
    assert affected_each("Alpine:v3.19", ["1.9.0-r0", "1.10.1-r0"], [r]) == [True, False]


def test_without_an_ordering_many_versions_match_by_list_only() -> None:
    r = rng(("introduced", "0"))
    assert affected_each("Hackage", ["1.0", "2.0"], [r], ["2.0"]) == [False, True]


def test_a_listed_version_stays_affected_whatever_the_ranges_say() -> None:
    r = rng(("introduced", "1.0"), ("fixed", "2.0"))
    assert is_affected("PyPI", "0.5", [r], ["0.5"]).affected
    assert affected_each("PyPI", ["0.5", "1.5", "2.5"], [r], ["0.5"]) == [True, True, False]


def test_git_ranges_are_skipped_not_the_ranges_after_them() -> None:
    git = rng(("introduced", "abc123"), kind="GIT")
    r = rng(("introduced", "1.0"))
    assert is_affected("PyPI", "1.5", [git, r]) == Verdict(True, True)
    assert affected_each("PyPI", ["0.5", "1.5"], [git, r]) == [False, True]


def test_a_version_below_any_of_several_limits_is_within_them() -> None:
    r = rng(("introduced", "0"), ("limit", "2.0"), ("limit", "3.0"))
    assert [affected("PyPI", v, r) for v in ("1.0", "2.5", "3.0", "3.5")] == [
        True,
        True,
        False,
        False,
    ]

"""The OSV events walk, case by case (spec/osv-matching.md)."""

from __future__ import annotations

from depvault.domain.osv.ranges import Event, Range, is_affected


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

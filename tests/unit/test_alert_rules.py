"""The pure alert rules: newer releases, pre-releases, top fixes, levels."""

from __future__ import annotations

import pytest

from depvault.domain.alert_rules import (
    AlertType,
    level_of,
    newer_version,
    newest_release,
    top_fix,
)


@pytest.mark.parametrize(
    ("ecosystem", "known", "newest"),
    [
        ("PyPI", ["1.0", "1.10", "1.9", "2.0rc1", "2.0.dev3"], "1.10"),  # PEP 440 order
        ("PyPI", ["1.2.post1", "1.2"], "1.2.post1"),  # a post-release is a release
        ("Maven", ["31.1-jre", "32.1.2-jre", "33.0.0-SNAPSHOT", "33.0-rc1"], "32.1.2-jre"),
        ("Maven", ["1.0.Final", "1.1.Beta2", "1.0.1.M1"], "1.0.Final"),
        ("npm", ["1.2.4", "1.10.0", "2.0.0-beta.1"], "1.10.0"),
        ("Go", ["v1.2.4", "v1.3.0-0.20200101000000-abcdef123456"], "v1.2.4"),
        ("RubyGems", ["1.0.1", "1.1.beta", "1.1.0.pre"], "1.0.1"),
        ("crates.io", ["0.9.0", "0.10.1", "not-a-version"], "0.10.1"),
        ("Pub", ["1.0", "2.0"], None),  # no ordering known: nothing is offered
        ("PyPI", [], None),
    ],
)
def test_newest_release(ecosystem: str, known: list[str], newest: str | None) -> None:
    assert newest_release(ecosystem, known) == newest


def test_newer_version_is_major_when_the_first_number_grows() -> None:
    offer = newer_version("npm", "3.10.1", "4.17.21")
    assert offer is not None and offer.major and offer.alert_type is AlertType.NEW_MAJOR_VERSION
    assert offer.description == "Version 4.17.21 is available"
    minor = newer_version("PyPI", "3.2.18", "3.2.19")
    assert minor is not None and not minor.major
    assert minor.alert_type is AlertType.NEW_MINOR_VERSION


@pytest.mark.parametrize(
    ("current", "newest"),
    [("2.0.0", "1.9.9"), ("1.0.0", "1.0.0"), ("garbage!", "2.0.0"), ("1.0.0", None)],
)
def test_no_offer_when_nothing_is_newer(current: str, newest: str | None) -> None:
    assert newer_version("npm", current, newest) is None


def test_top_fix_is_the_lowest_fix_above_the_version() -> None:
    fixes = ["3.2.19", "4.1.9", "4.2.1"]
    assert top_fix("PyPI", "3.2.18", fixes) == "3.2.19"
    assert top_fix("PyPI", "4.1.0", fixes) == "4.1.9"
    assert top_fix("PyPI", "4.2.0", fixes) == "4.2.1"
    # past every fix (a different branch was affected): the first listed
    assert top_fix("PyPI", "5.0", fixes) == "3.2.19"
    assert top_fix("Pub", "1.0", ["2.0", "1.5"]) == "2.0"  # unordered ecosystem
    assert top_fix("PyPI", "1.0", []) is None


def test_levels() -> None:
    assert level_of(AlertType.SECURITY_VULNERABILITY) == "MAJOR"
    assert level_of(AlertType.NEW_MINOR_VERSION) == "MINOR"
    assert level_of(AlertType.MULTIPLE_LIBRARY_VERSIONS) == "MINOR"


def test_newest_release_of_equal_spellings_does_not_depend_on_order() -> None:
    """Equal versions spelt differently give the larger spelling, whatever the order the
    set of known versions iterates in (it varies between processes)."""
    for major in range(1, 30):
        spellings = [f"{major}", f"{major}.0", f"{major}.0.0", f"{major - 1}.9"]
        answers = {newest_release("PyPI", order) for order in (spellings, spellings[::-1])}
        assert answers == {f"{major}.0.0"}, spellings


@pytest.mark.parametrize(
    ("ecosystem", "known"),
    [
        ("PyPI", ["1.0", "1.0.0", "1.10", "1.9", "2.0rc1", "2.0.dev3", "1.2.post1", "x!y", "0.9"]),
        ("Maven", ["31.1-jre", "32.1.2-jre", "33.0.0-SNAPSHOT", "1.0.Final", "1.1.Beta2", "2"]),
        ("npm", ["1.2.4", "1.10.0", "2.0.0-beta.1", "1.10.0-b1", "0.0.1", "junk"]),
        ("Go", ["v1.2.4", "v1.3.0-0.20200101000000-abcdef123456", "v1.2.10", "v0.1.0"]),
        ("crates.io", ["0.9.0", "0.10.1", "not-a-version", "0.10.1-b2", "1.0.0-rc.1"]),
    ],
)
def test_folding_versions_into_a_newest_release_equals_computing_it_again(
    ecosystem: str, known: list[str]
) -> None:
    """``analysis.newest`` folds new versions into a cached newest release instead of
    reading every known version again: for every split of the known versions into old
    and new, the newest of (old newest + new) must be the newest of all."""
    everything = newest_release(ecosystem, known)
    for mask in range(1 << len(known)):
        old = [v for i, v in enumerate(known) if mask >> i & 1]
        new = [v for i, v in enumerate(known) if not mask >> i & 1]
        cached = newest_release(ecosystem, old)
        folded = newest_release(ecosystem, [*new, *([cached] if cached is not None else [])])
        assert folded == everything, (old, new)

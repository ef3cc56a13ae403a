"""The inventory comparison rule (``domain/inventory_comparison.py``), without a database."""

from __future__ import annotations

import pytest

from depvault.domain.inventory_comparison import (
    Change,
    Holding,
    PackageKey,
    compare_inventories,
    sorted_versions,
    version_change,
)


def held(*versions: str, licenses: tuple[str, ...] = (), alerts: int = 0) -> Holding:
    return Holding("Python", frozenset(versions), frozenset(licenses), alerts)


def pypi(name: str) -> PackageKey:
    return PackageKey("pypi", "", name)


@pytest.mark.parametrize(
    ("ecosystem", "source", "target", "expected"),
    [
        # the ecosystem's order, not the text's: "2.10.0" > "2.9.1" though it sorts first
        ("pypi", ["2.9.1"], ["2.10.0"], Change.UPGRADED),
        ("pypi", ["2.10.0"], ["2.9.1"], Change.DOWNGRADED),
        ("pypi", ["1.0rc1"], ["1.0"], Change.UPGRADED),  # PEP 440: a release after its rc
        ("maven", ["1.0"], ["1.0-SNAPSHOT"], Change.DOWNGRADED),  # Maven: a snapshot first
        ("golang", ["v1.2.3"], ["v1.10.0"], Change.UPGRADED),  # Go's "v" is read through
        ("npm", ["1.2.3"], ["1.2.3-beta.1"], Change.DOWNGRADED),
        ("deb", ["1:1.0-1"], ["2.0-1"], Change.DOWNGRADED),  # Debian: the epoch wins
        ("pypi", ["1.0"], ["1.0"], Change.UNCHANGED),
        ("pypi", [], ["1.0"], Change.ADDED),
        ("pypi", ["1.0"], [], Change.REMOVED),
        # cannot be ordered: CHANGED, never a guess
        ("generic", ["1.0"], ["2.0"], Change.CHANGED),  # no ordering for the ecosystem
        ("pypi", ["1.0"], ["not a version!"], Change.CHANGED),  # does not parse
        ("pypi", [""], ["1.0"], Change.CHANGED),  # a library without a version
        ("pypi", ["1.0"], ["1.0.0"], Change.CHANGED),  # one version, two spellings
        # several versions on a side: CHANGED, unless both sides hold the same ones
        ("pypi", ["1.0", "2.0"], ["3.0"], Change.CHANGED),
        ("pypi", ["1.0"], ["2.0", "3.0"], Change.CHANGED),
        ("pypi", ["1.0", "2.0"], ["1.0", "3.0"], Change.CHANGED),
        ("pypi", ["2.0", "1.0"], ["1.0", "2.0"], Change.UNCHANGED),
    ],
)
def test_version_change(
    ecosystem: str, source: list[str], target: list[str], expected: Change
) -> None:
    assert version_change(ecosystem, source, target) is expected


def test_a_package_held_by_neither_side_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="at least one side"):
        version_change("pypi", [], [])


def test_versions_are_listed_in_the_ecosystem_order_else_text_order() -> None:
    assert sorted_versions("pypi", {"2.10.0", "2.9.1", "1.0"}) == ("1.0", "2.9.1", "2.10.0")
    # one unparseable version: the whole list in text order, stable across runs
    assert sorted_versions("pypi", {"2.10.0", "2.9.1", "x y"}) == ("2.10.0", "2.9.1", "x y")
    assert sorted_versions("generic", {"b", "a"}) == ("a", "b")


def test_one_row_per_package_with_both_sides_columns() -> None:
    source = {
        pypi("requests"): held("2.28.1", licenses=("Apache-2.0",), alerts=2),
        pypi("django"): held("4.2.1", alerts=1),
        pypi("six"): held("1.16.0", licenses=("MIT",)),
        pypi("idna"): held("3.4"),
    }
    target = {
        pypi("requests"): held("2.31.0", licenses=("Apache-2.0",)),
        pypi("django"): held("3.2.0"),
        pypi("flask"): held("3.0.0", licenses=("BSD-3-Clause",)),
        pypi("idna"): held("3.4"),
    }
    rows = compare_inventories(source, target)
    by_name = {r.package.name: r for r in rows}
    assert [r.package.name for r in rows] == ["django", "flask", "requests", "six"]
    assert {name: r.change for name, r in by_name.items()} == {
        "django": Change.DOWNGRADED,
        "flask": Change.ADDED,
        "requests": Change.UPGRADED,
        "six": Change.REMOVED,
    }
    requests = by_name["requests"]
    assert (requests.source_versions, requests.target_versions) == (("2.28.1",), ("2.31.0",))
    assert (requests.source_licenses, requests.target_licenses) == (
        ("Apache-2.0",),
        ("Apache-2.0",),
    )
    assert (requests.source_open_alerts, requests.target_open_alerts) == (2, 0)
    flask = by_name["flask"]
    assert (flask.source_versions, flask.source_licenses, flask.source_open_alerts) == (
        (),
        (),
        0,
    )
    assert flask.target_licenses == ("BSD-3-Clause",) and flask.library_type == "Python"
    six = by_name["six"]
    assert (six.target_versions, six.source_licenses) == ((), ("MIT",))


def test_unchanged_rows_only_on_request() -> None:
    side = {pypi("idna"): held("3.4"), pypi("six"): held("1.16.0")}
    assert compare_inventories(side, side) == []
    rows = compare_inventories(side, side, include_unchanged=True)
    assert [(r.package.name, r.change) for r in rows] == [
        ("idna", Change.UNCHANGED),
        ("six", Change.UNCHANGED),
    ]


def test_packages_differ_by_ecosystem_and_group() -> None:
    """The same name in two ecosystems (or two groups) is two packages."""
    source = {
        PackageKey("pypi", "", "yaml"): held("1.0"),
        PackageKey("maven", "org.a", "core"): held("1.0"),
    }
    target = {
        PackageKey("npm", "", "yaml"): held("1.0"),
        PackageKey("maven", "org.b", "core"): held("1.0"),
    }
    rows = compare_inventories(source, target)
    assert sorted(
        (r.package.ecosystem, r.package.group, r.package.name, r.change) for r in rows
    ) == [
        ("maven", "org.a", "core", Change.REMOVED),
        ("maven", "org.b", "core", Change.ADDED),
        ("npm", "", "yaml", Change.ADDED),
        ("pypi", "", "yaml", Change.REMOVED),
    ]


def test_a_multi_version_side_is_changed_and_lists_every_version() -> None:
    source = {pypi("urllib3"): held("1.26.18", "2.0.7")}
    target = {pypi("urllib3"): held("2.2.1")}
    [row] = compare_inventories(source, target)
    assert row.change is Change.CHANGED
    assert row.source_versions == ("1.26.18", "2.0.7") and row.target_versions == ("2.2.1",)

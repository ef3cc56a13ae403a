"""The license compatibility table: the documented pairs are found in either order,
"-or-later" variants and linking exceptions are told apart, permissive pairs never
conflict, and every rule is sourced."""

from __future__ import annotations

import itertools

import pytest

from depvault.domain.licensing.compatibility import GPL_FAMILY, RULES, conflict, conflicts
from depvault.domain.licensing.licenses import license_info

PERMISSIVE = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Zlib", "0BSD",
              "CC0-1.0", "Unlicense", "BSL-1.0", "MIT-0", "PSF-2.0"]  # fmt: skip

# (license whose conditions conflict, conflicting license, two-way)
KNOWN = [
    ("GPL-2.0-only", "Apache-2.0", False),
    ("GPL-2.0-only", "GPL-3.0-only", True),
    ("GPL-2.0-only", "GPL-3.0-or-later", True),
    ("GPL-2.0-only", "LGPL-3.0-only", True),
    ("GPL-2.0-only", "LGPL-3.0-or-later", True),
    ("GPL-2.0-only", "AGPL-3.0-only", True),
    ("GPL-2.0-only", "AGPL-3.0-or-later", True),
    ("GPL-3.0-only", "EPL-1.0", True),
    ("GPL-2.0-or-later", "EPL-2.0", True),
    ("AGPL-3.0-only", "EPL-2.0", True),
    ("GPL-2.0-only", "CPL-1.0", True),
    ("GPL-3.0-or-later", "MPL-1.1", True),
    ("GPL-2.0-only", "CDDL-1.0", True),
    ("GPL-3.0-only", "CDDL-1.1", True),
    ("GPL-2.0-or-later", "BSD-4-Clause", False),
    ("GPL-3.0-only", "LicenseRef-scancode-commercial-license", False),
    ("GPL-2.0-only", "JSON", False),  # "Good, not Evil": a field-of-use restriction
]


@pytest.mark.parametrize(("first", "second", "mutual"), KNOWN)
def test_known_pairs_are_found_in_either_order(first: str, second: str, mutual: bool) -> None:
    forward, backward = conflict(first, second), conflict(second, first)
    assert forward is not None and forward == backward  # symmetric lookup…
    assert (forward.license, forward.conflicting) == (first, second)  # …oriented by its rule
    assert forward.rule.mutual is mutual
    assert forward.direction == ("two-way" if mutual else "one-way")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("GPL-2.0-or-later", "Apache-2.0"),  # reaches GPLv3, which accepts Apache-2.0
        ("GPL-3.0-only", "Apache-2.0"),
        ("GPL-2.0-or-later", "GPL-3.0-only"),
        ("GPL-2.0-or-later", "LGPL-3.0-only"),
        ("GPL-2.0-only", "LGPL-2.1-only"),
        ("GPL-2.0-only", "LGPL-2.1-or-later"),
        ("GPL-3.0-only", "AGPL-3.0-only"),  # GPLv3 §13
        ("GPL-3.0-only", "MPL-2.0"),
        ("GPL-2.0-only", "GPL-2.0-only"),
        ("LGPL-2.1-only", "EPL-2.0"),  # not in the table: not known to conflict
        ("MPL-2.0", "EPL-2.0"),
        # a linking exception lets independent modules under other terms be combined
        ("GPL-2.0-only WITH Classpath-exception-2.0", "Apache-2.0"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "CDDL-1.0"),
        ("GPL-3.0-only", "LicenseRef-depvault-something-unknown"),
    ],
)
def test_pairs_not_in_the_table_are_not_reported(first: str, second: str) -> None:
    assert conflict(first, second) is None
    assert conflict(second, first) is None


def test_an_exception_outside_the_linking_caps_leaves_the_license_matched() -> None:
    hit = conflict("GPL-2.0-only WITH LicenseRef-acme-exception", "Apache-2.0")
    assert hit is not None and hit.license == "GPL-2.0-only WITH LicenseRef-acme-exception"


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(PERMISSIVE, 2)))
def test_a_permissive_pair_never_conflicts(first: str, second: str) -> None:
    assert conflict(first, second) is None


def test_permissive_licenses_meet_no_gpl_v3() -> None:
    for permissive in PERMISSIVE:
        for gpl in GPL_FAMILY - {"GPL-2.0-only", "GPL-1.0-only"}:
            assert conflict(gpl, permissive) is None, (gpl, permissive)


def test_conflicts_of_a_set_are_every_pair_once_in_order() -> None:
    found = conflicts(
        ["MIT", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-or-later", "Apache-2.0", "CDDL-1.0"]
    )
    assert [(c.license, c.conflicting) for c in found] == [
        ("GPL-2.0-only", "Apache-2.0"),
        ("GPL-2.0-only", "CDDL-1.0"),
        ("GPL-2.0-only", "GPL-3.0-or-later"),
        ("GPL-3.0-or-later", "CDDL-1.0"),
    ]
    assert conflicts(PERMISSIVE) == []
    assert conflicts([]) == []


def test_every_rule_is_sourced_and_names_real_licenses() -> None:
    for rule in RULES:
        assert rule.reason and rule.source.startswith("https://www.gnu.org/licenses/")
        assert "#" in rule.source  # the entry itself, not the whole page
        for side in (rule.license, rule.conflicting):
            assert side.ids or side.categories
            for spdx_id in side.ids:  # a known SPDX id, not a typo
                assert license_info(spdx_id).url == f"https://spdx.org/licenses/{spdx_id}.html"

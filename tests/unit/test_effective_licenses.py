"""The effective license rule: a single license is itself, AND keeps every term, OR
resolves to the least restrictive choice, nothing declared is unknown."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depvault.domain.licensing.effective import (
    ALL_OF_AND,
    NO_LICENSE,
    OR_CHOICE,
    SINGLE,
    SINGLE_WITH_EXCEPTION,
    effective_license,
)
from depvault.domain.licensing.licenses import expression_profile
from depvault.domain.licensing.profiles import UNKNOWN_PROFILE, Category, Copyleft


@pytest.mark.parametrize(
    ("declared", "terms", "reason"),
    [
        ("MIT", ("MIT",), SINGLE),
        ("GPL-2.0", ("GPL-2.0-only",), SINGLE),  # normalized first
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            ("GPL-2.0-only WITH Classpath-exception-2.0",),
            SINGLE_WITH_EXCEPTION,
        ),
        ("MIT OR GPL-3.0-only", ("MIT",), OR_CHOICE),
        ("GPL-3.0-only OR MIT", ("MIT",), OR_CHOICE),  # not the first written
        ("GPL-2.0-only OR LGPL-2.1-only", ("LGPL-2.1-only",), OR_CHOICE),
        ("AGPL-3.0-only OR GPL-3.0-only", ("GPL-3.0-only",), OR_CHOICE),
        ("GPL-2.0-only AND Apache-2.0", ("GPL-2.0-only", "Apache-2.0"), ALL_OF_AND),
        ("MIT AND MIT", ("MIT",), ALL_OF_AND),
        (
            "(MIT OR GPL-3.0-only) AND Apache-2.0",
            ("MIT", "Apache-2.0"),
            f"{ALL_OF_AND}; {OR_CHOICE}",
        ),
        (
            "GPL-3.0-only OR (MIT AND BSD-3-Clause)",
            ("MIT", "BSD-3-Clause"),
            f"{OR_CHOICE}; {ALL_OF_AND}",
        ),
        # an unrecognized alternative is assumed to bind: the known one is chosen
        ("Some Custom Terms OR MPL-2.0", ("MPL-2.0",), OR_CHOICE),
        # GlassFish's CDDL+GPL: CDDL (weak copyleft, express patent grant) is the easier
        ("CDDL+GPL", ("CDDL-1.0",), OR_CHOICE),
    ],
)
def test_the_rule(declared: str, terms: tuple[str, ...], reason: str) -> None:
    effective = effective_license(declared)
    assert effective.terms == terms
    assert effective.expression == " AND ".join(terms)
    assert effective.reason == reason


def test_category_and_copyleft_are_the_effective_ones() -> None:
    choice = effective_license("MIT OR GPL-3.0-only")
    assert (choice.profile.category, choice.profile.copyleft) == (Category.PERMISSIVE, Copyleft.NO)
    both = effective_license("MIT AND GPL-3.0-only")
    assert both.profile.category is Category.STRONG_COPYLEFT
    assert both.profile.copyleft is Copyleft.FULL
    linked = effective_license("GPL-2.0-only WITH Classpath-exception-2.0")
    assert linked.profile.category is Category.WEAK_COPYLEFT  # the exception's cap


@pytest.mark.parametrize("declared", [None, "", "   "])
def test_no_license_is_unknown(declared: str | None) -> None:
    effective = effective_license(declared)
    assert (effective.declared, effective.expression, effective.terms) == ("", "", ())
    assert effective.profile == UNKNOWN_PROFILE and effective.reason == NO_LICENSE


def test_an_unrecognized_license_is_kept_as_stated() -> None:
    effective = effective_license("Acme Internal License")
    [term] = effective.terms
    assert term.startswith("LicenseRef-") and effective.reason == SINGLE
    assert effective.profile.category is Category.UNKNOWN


LICENSES = ["MIT", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-or-later", "LGPL-2.1-only",
            "MPL-2.0", "EPL-2.0", "CC0-1.0", "AGPL-3.0-only", "BSD-4-Clause",
            "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-acme"]  # fmt: skip


def _expressions() -> st.SearchStrategy[str]:
    leaves = st.sampled_from(LICENSES)
    return st.recursive(
        leaves,
        lambda inner: st.tuples(inner, st.sampled_from([" AND ", " OR "]), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        max_leaves=6,
    )


@settings(max_examples=200, deadline=None)
@given(_expressions())
def test_agrees_with_the_expression_profile(declared: str) -> None:
    """The effective terms carry exactly the profile ``expression_profile`` gives the
    declared expression (OR least restrictive whole, AND each field's worst), contain no
    OR, and are all among the declared licenses."""
    effective = effective_license(declared)
    assert effective.profile == expression_profile(declared)
    assert " OR " not in effective.expression
    assert set(effective.terms) <= set(LICENSES)
    assert effective.terms and len(set(effective.terms)) == len(effective.terms)

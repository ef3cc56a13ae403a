"""License normalization and risk profiles: the brief's examples, every license stated in
the real SBOMs of ``shared/data/sbom``, expression profiles, and property tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depvault.domain.licensing.licenses import (
    UNRECOGNIZED_PREFIX,
    expression_profile,
    license_info,
    normalize_license,
)
from depvault.domain.licensing.profiles import Category, Copyleft, Linking, RiskScore, RoyaltyFree
from tests.data_files import DATA

CYCLONEDX_FILES = (
    "keycloak-10.0.2.cdx.json",
    "juice-shop-npm.cdx-1.4.json",
    "laravel-7.12.0.cdx-1.4.json",
)
SPDX_FILES = ("examplemaven-0.0.1.spdx-2.3.json", "example7-go-modules.spdx-2.2.json")

# Statements in those SBOMs that stay unrecognized on purpose.
EXPECTED_UNRECOGNIZED = {
    "NOASSERTION": "SPDX's way of saying nobody determined the license",
    "BSD 3-clause License w/nuclear disclaimer": (
        "SPDX has three BSD-3-Clause nuclear variants (No-Nuclear-License, "
        "No-Nuclear-License-2014, No-Nuclear-Warranty); the name does not say which"
    ),
    "GNU General Public Library": "no GNU license has this name: GPL or LGPL is a guess",
    "Indiana University Extreme! Lab Software License 1.1.1": (
        'no SPDX id names this licence; SPDX\'s nearest, xpp ("XPP License"), would be a '
        "guess from the version"
    ),
    "The GNU General Public License, v2 with FOSS exception": (
        "Oracle's FOSS License Exception (MySQL Connector/J) has no SPDX id, and the name "
        "could also mean the Universal FOSS Exception"
    ),
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("apache-2.0", "Apache-2.0"),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
        ("mit and (apache-2.0 or bsd-2-clause)", "MIT AND (Apache-2.0 OR BSD-2-Clause)"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("The Apache Software License, Version 2.0", "Apache-2.0"),
        ("GNU General Public License v2.0 only", "GPL-2.0-only"),
        ("BSD", "BSD-3-Clause"),
        ("Eclipse Public License - v 1.0", "EPL-1.0"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("https://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0"),
        ("http://www.opensource.org/licenses/mit-license.php", "MIT"),
        ("http://www.gnu.org/licenses/old-licenses/lgpl-2.1.html", "LGPL-2.1-only"),
        ("https://creativecommons.org/licenses/by-sa/4.0/legalcode", "CC-BY-SA-4.0"),
        ("GPL-2.0", "GPL-2.0-only"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("AGPL-3.0", "AGPL-3.0-only"),
        ("GPLv3", "GPL-3.0-only"),
        ("LGPLv3+", "LGPL-3.0-or-later"),
        ("Apache 2", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("Mozilla Public License 2.0", "MPL-2.0"),
        ("Lesser General Public License, version 3 or greater", "LGPL-3.0-or-later"),
        ("lgpl_v2_1", "LGPL-2.1-only"),
        ("GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0"),
        (
            "GNU General Public License, version 2 (GPL2), with the classpath exception",
            "GPL-2.0-only WITH Classpath-exception-2.0",
        ),
        ("MPL 2.0 or EPL 1.0", "MPL-2.0 OR EPL-1.0"),
        (
            "Apache License, Version 2.0 and Common Development And Distribution License "
            "(CDDL) Version 1.0",
            "Apache-2.0 AND CDDL-1.0",
        ),
        ("CDDL+GPL", "CDDL-1.0 OR GPL-2.0-only WITH Classpath-exception-2.0"),
        ("Public Domain", "LicenseRef-scancode-public-domain"),
    ],
)
def test_normalizes_ids_expressions_names_and_urls(raw: str, expected: str) -> None:
    result = normalize_license(raw)
    assert (result.expression, result.recognized) == (expected, True)
    assert result.name == raw


def test_lists_license_and_exception_ids() -> None:
    result = normalize_license("(mit OR Apache-2.0) AND GPL-2.0 WITH Classpath-exception-2.0")
    assert result.license_ids == ("MIT", "Apache-2.0", "GPL-2.0-only")
    assert result.exception_ids == ("Classpath-exception-2.0",)


@pytest.mark.parametrize(
    ("raw", "expression"),
    [
        ("", UNRECOGNIZED_PREFIX + "empty"),
        ("Some Corp EULA", UNRECOGNIZED_PREFIX + "some-corp-eula"),
        ("UNLICENSED", UNRECOGNIZED_PREFIX + "unlicensed"),  # npm: "not licensed", not Unlicense
        ("UNKNOWN", "LicenseRef-scancode-unknown"),  # a placeholder, so not recognized
        (
            "http://www.gnu.org/licenses/gpl.txt",
            UNRECOGNIZED_PREFIX + "http-www.gnu.org-licenses-gpl.txt",
        ),
        ("MIT OR Foo", f"MIT OR {UNRECOGNIZED_PREFIX}foo"),  # known parts are kept
        ("LicenseRef-Custom OR MIT", "LicenseRef-Custom OR MIT"),
    ],
)
def test_unmatched_statements_become_license_refs(raw: str, expression: str) -> None:
    result = normalize_license(raw)
    assert (result.expression, result.recognized, result.name) == (expression, False, raw)


def test_refs_for_long_or_non_latin_text_are_distinct_and_valid() -> None:
    first, second = normalize_license("日本語のライセンス"), normalize_license("中文许可证")
    assert first.expression != second.expression
    long_text = "Permission is hereby granted " * 20
    ref = normalize_license(long_text).expression
    assert ref.startswith(UNRECOGNIZED_PREFIX) and len(ref) < 90
    for text in (first.expression, second.expression, ref):
        assert normalize_license(text).expression == text


def test_license_info_names_pages_and_profiles() -> None:
    apache = license_info("Apache-2.0")
    assert apache.name == "Apache License 2.0"  # the SPDX list's full name
    assert apache.url == "https://spdx.org/licenses/Apache-2.0.html"
    assert (apache.profile.copyright_risk_score, apache.profile.patent_risk_score) == (
        RiskScore.THREE,
        RiskScore.ONE,
    )
    assert license_info("gpl-2.0").spdx_id == "GPL-2.0-only"  # retired ids are followed
    public_domain = license_info("LicenseRef-scancode-public-domain")
    assert public_domain.profile.category is Category.PUBLIC_DOMAIN
    assert public_domain.url == "https://scancode-licensedb.aboutcode.org/public-domain.html"
    unknown = license_info(UNRECOGNIZED_PREFIX + "foo")
    assert (unknown.url, unknown.profile.category) == (None, Category.UNKNOWN)
    assert unknown.profile.copyright_risk_score.rank > apache.profile.copyright_risk_score.rank


@pytest.mark.parametrize(
    ("spdx_id", "category", "copyleft", "linking"),
    [
        ("MIT", Category.PERMISSIVE, Copyleft.NO, Linking.NON_VIRAL),
        ("CC0-1.0", Category.PUBLIC_DOMAIN, Copyleft.NO, Linking.NON_VIRAL),
        ("MPL-2.0", Category.WEAK_COPYLEFT, Copyleft.PARTIAL, Linking.NON_VIRAL),
        ("LGPL-2.1-only", Category.WEAK_COPYLEFT, Copyleft.PARTIAL, Linking.DYNAMIC_ONLY),
        ("GPL-3.0-or-later", Category.STRONG_COPYLEFT, Copyleft.FULL, Linking.VIRAL),
        ("AGPL-3.0-only", Category.NETWORK_COPYLEFT, Copyleft.FULL, Linking.VIRAL),
        ("JSON", Category.PROPRIETARY_FREE, Copyleft.NO, Linking.NON_VIRAL),
        # Not in the hand-kept table: license-expression's LicenseDB category decides.
        ("Sleepycat", Category.STRONG_COPYLEFT, Copyleft.FULL, Linking.VIRAL),
        ("HPND", Category.PERMISSIVE, Copyleft.NO, Linking.NON_VIRAL),
        (
            "LicenseRef-scancode-commercial-license",
            Category.COMMERCIAL,
            Copyleft.NO,
            Linking.UNKNOWN,
        ),
    ],
)
def test_license_profiles(
    spdx_id: str, category: Category, copyleft: Copyleft, linking: Linking
) -> None:
    profile = license_info(spdx_id).profile
    assert (profile.category, profile.copyleft, profile.linking) == (category, copyleft, linking)


def test_or_takes_the_least_restrictive_alternative_whole() -> None:
    assert expression_profile("GPL-2.0-only OR MIT") == license_info("MIT").profile
    assert expression_profile("MIT OR Apache-2.0") == license_info("MIT").profile
    assert expression_profile("MIT OR LicenseRef-Custom") == license_info("MIT").profile


def test_and_takes_each_fields_worst_value() -> None:
    profile = expression_profile("Apache-2.0 AND LGPL-2.1-only")
    assert profile.category is Category.WEAK_COPYLEFT
    assert profile.linking is Linking.DYNAMIC_ONLY
    assert profile.copyright_risk_score is RiskScore.FOUR
    assert profile.patent_risk_score is RiskScore.TWO  # LGPL-2.1's implied grant
    assert expression_profile("MIT AND Foo Corp EULA").category is Category.UNKNOWN


def test_with_an_exception_relaxes_the_license() -> None:
    classpath = expression_profile("GPL-2.0-only WITH Classpath-exception-2.0")
    assert (classpath.category, classpath.copyleft, classpath.linking) == (
        Category.WEAK_COPYLEFT,
        Copyleft.PARTIAL,
        Linking.NON_VIRAL,
    )
    assert expression_profile("GPL-2.0-with-classpath-exception") == classpath
    assert license_info("GPL-2.0-with-classpath-exception").profile == classpath
    llvm = expression_profile("Apache-2.0 WITH LLVM-exception")
    assert llvm == license_info("Apache-2.0").profile  # nothing left to relax
    # An exception we cannot weigh leaves the license as it is.
    assert (
        expression_profile("GPL-2.0-only WITH Foo-exception")
        == license_info("GPL-2.0-only").profile
    )
    assert expression_profile("(MIT OR GPL-3.0-only) AND CDDL+GPL").royalty_free is (
        RoyaltyFree.YES
    )


def _sbom_folder() -> Path:
    return DATA / "sbom"


def _stated_licenses(node: Any) -> Iterator[str]:
    """``licenses[].license.id/name`` and ``licenses[].expression`` (CycloneDX) and
    ``licenseDeclared`` (SPDX), anywhere in a document."""
    if isinstance(node, list):
        for item in node:
            yield from _stated_licenses(item)
    elif isinstance(node, dict):
        choices = node.get("licenses")
        for choice in choices if isinstance(choices, list) else []:
            license_ = choice.get("license", {})
            yield from (license_[key] for key in ("id", "name") if key in license_)
            if "expression" in choice:
                yield choice["expression"]
        if isinstance(node.get("licenseDeclared"), str):
            yield node["licenseDeclared"]
        for value in node.values():
            yield from _stated_licenses(value)


@pytest.fixture(scope="module")
def stated_licenses() -> list[str]:
    folder = _sbom_folder()
    if not folder.is_dir():
        pytest.skip(
            f"real SBOMs not found at {folder} (DEPVAULT_SHARED_DATA names another data folder)"
        )
    values: set[str] = set()
    for name in (*CYCLONEDX_FILES, *SPDX_FILES):
        values.update(_stated_licenses(json.loads((folder / name).read_text(encoding="utf-8"))))
    return sorted(values)


def test_every_license_in_the_real_sboms_is_recognized_or_explained(
    stated_licenses: list[str],
) -> None:
    assert len(stated_licenses) >= 40
    unrecognized = {raw for raw in stated_licenses if not normalize_license(raw).recognized}
    recognized = len(stated_licenses) - len(unrecognized)
    print(
        f"\nlicense recognition on the real SBOMs: {recognized}/{len(stated_licenses)} "
        f"({recognized / len(stated_licenses):.0%}); unmapped: {sorted(unrecognized)}"
    )
    assert unrecognized == set(EXPECTED_UNRECOGNIZED) & set(stated_licenses)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ALv2", "Apache-2.0"),
        ("ASL, version 2", "Apache-2.0"),
        ("Apache Software Licenses", "Apache-2.0"),
        ("Apache2", "Apache-2.0"),
        ("BSD 3-clause New License", "BSD-3-Clause"),
        ("Bouncy Castle Licence", "MIT"),
        ("CC0", "CC0-1.0"),
        ("COMMON DEVELOPMENT AND DISTRIBUTION LICENSE (CDDL) Version 1.0", "CDDL-1.0"),
        ("Eclipse Distribution License - v 1.0", "BSD-3-Clause"),
        ("GNU Lesser General Public Licence", "LGPL-2.1-or-later"),
        ("LGPL, version 2.1", "LGPL-2.1-only"),
        ("MIT/X11", "MIT"),
        ("The W3C Software License", "W3C"),
        ("WTFPL OR ISC", "WTFPL OR ISC"),
        ("gpl", "GPL-1.0-or-later"),
    ],
)
def test_real_maven_and_npm_names(raw: str, expected: str) -> None:
    assert normalize_license(raw).expression == expected


MIX = [
    "MIT", "mit", "Apache-2.0", "apache-2.0", "GPL-2.0", "GPL-2.0+", "LGPL-2.1", "ISC",
    "BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause", "MIT OR GPL-3.0-or-later",
    "GPL-2.0-only WITH Classpath-exception-2.0", "Apache License, Version 2.0",
    "The Apache Software License, Version 2.0", "GNU Lesser General Public License",
    "Eclipse Public License - v 1.0", "BSD", "MIT License", "CDDL+GPL",
    "http://www.apache.org/licenses/LICENSE-2.0.txt", "Some Corp EULA", "NOASSERTION",
]  # fmt: skip


def test_statements_differing_in_spaces_normalize_alike() -> None:
    """Trailing spaces do not change what a statement means (the cache keys on the
    stripped text; its speed is a benchmark's business, not a timed assertion's)."""
    normalize_license.cache_clear()
    for index in range(len(MIX) * 5):
        plain = MIX[index % len(MIX)]
        assert normalize_license(f"{plain}{' ' * (index % 5)}") == normalize_license(plain)


LICENSE_WORDS = st.sampled_from(
    [*MIX, "AND", "OR", "WITH", "and", "or", "(", ")", "+", ",", "/", "LicenseRef-x",
     "Classpath-exception-2.0", "DocumentRef-a:LicenseRef-b", "GPL", "v2", "version"]
)  # fmt: skip
STATEMENTS = st.one_of(
    st.text(max_size=80),
    st.lists(LICENSE_WORDS, max_size=8).map(" ".join),
    st.lists(st.one_of(LICENSE_WORDS, st.text(max_size=6)), max_size=6).map("".join),
)


@settings(deadline=None, max_examples=300)
@given(STATEMENTS)
def test_normalize_never_raises_and_is_idempotent(raw: str) -> None:
    first = normalize_license(raw)
    again = normalize_license(first.expression)
    assert again.expression == first.expression
    assert again.recognized == first.recognized
    assert first.license_ids
    expression_profile(raw)  # never raises either

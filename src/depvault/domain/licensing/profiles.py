"""The hand-kept license tables: what a license exposes its user to (risk profiles), and
the spellings and pages the libraries do not know (the normalization tables at the end).

Mend reports a ``profileInfo`` per license (catalog §4: ``copyrightRiskScore``,
``patentRiskScore``, ``copyleft``, ``linking``, ``royaltyFree``) but its vocabulary is only
partly seen (``THREE``/``ONE`` scores, ``NO|PARTIAL|FULL``). depvault therefore defines its
own values here, each documented, and keeps them in string enums so a response can carry
``.value`` as is.

Scales (declaration order is restrictiveness order, least restrictive first):

- ``Category``: public-domain < permissive < weak-copyleft < strong-copyleft <
  network-copyleft < proprietary-free < unknown < commercial. Proprietary-free (free to use,
  but with field-of-use or redistribution limits) ranks above the copyleft families because
  its limits cannot be met by publishing source; unknown ranks just below commercial so
  that an unreviewed license never looks safer than any known open one.
- ``Copyleft``: ``NO`` (your changes may stay closed), ``PARTIAL`` (changed files or the
  library itself stay under the license), ``FULL`` (the combined work does).
- ``Linking``: ``NON_VIRAL`` (static or dynamic linking never puts your code under the
  license), ``DYNAMIC_ONLY`` (dynamic linking is free; static linking brings obligations,
  e.g. LGPL's relinking), ``VIRAL`` (any linking makes the combined work subject to it),
  ``UNKNOWN``.
- ``RoyaltyFree``: ``YES``, ``CONDITIONAL`` (free only under conditions, e.g.
  non-commercial use, or not known), ``NO`` (needs a paid licence).
- ``RiskScore`` ``ONE``..``FIVE``, ONE is the lowest risk.
  Copyright score, how much the license asks of you: ONE no conditions; TWO attribution;
  THREE attribution plus notices or change records (Apache-2.0 scores THREE, as in Mend's
  own responses); FOUR weak copyleft, use restrictions, or unknown; FIVE strong or network
  copyleft, or a commercial licence.
  Patent score: ONE express patent grant; TWO implied grant (GPLv2 family); THREE silent;
  FOUR terms unknown to us; FIVE patent rights expressly withheld (CC0-1.0 §4a, CC-BY §2b).

An expression combines profiles (see ``licenses.expression_profile``): ``AND`` takes the
most restrictive value of every field, ``OR`` the least restrictive alternative as a whole,
and ``WITH`` lowers the license's profile to the exception's cap, since SPDX exceptions only
ever grant additional permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Self

__all__ = [
    "ALIASES",
    "EXCEPTION_CAPS",
    "LICENSE_HOSTS",
    "PROFILES",
    "RETIRED_WITH",
    "UNKNOWN_PROFILE",
    "URLS",
    "Category",
    "Copyleft",
    "Linking",
    "RiskProfile",
    "RiskScore",
    "RoyaltyFree",
    "fallback_profile",
    "least_restrictive",
    "most_restrictive",
]


class _Ranked(StrEnum):
    """A string enum whose declaration order is its restrictiveness order.

    String enums compare as strings; ``rank`` is the order that matters here.
    """

    @property
    def rank(self) -> int:
        return type(self)._member_names_.index(self.name)

    @classmethod
    def highest(cls, values: Iterable[Self]) -> Self:
        return max(values, key=lambda value: value.rank)

    @classmethod
    def lowest(cls, values: Iterable[Self]) -> Self:
        return min(values, key=lambda value: value.rank)


class Category(_Ranked):
    PUBLIC_DOMAIN = "public-domain"
    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak-copyleft"
    STRONG_COPYLEFT = "strong-copyleft"
    NETWORK_COPYLEFT = "network-copyleft"
    PROPRIETARY_FREE = "proprietary-free"
    UNKNOWN = "unknown"
    COMMERCIAL = "commercial"


class Copyleft(_Ranked):
    NO = "NO"
    PARTIAL = "PARTIAL"
    FULL = "FULL"


class Linking(_Ranked):
    NON_VIRAL = "NON_VIRAL"
    DYNAMIC_ONLY = "DYNAMIC_ONLY"
    VIRAL = "VIRAL"
    UNKNOWN = "UNKNOWN"


class RoyaltyFree(_Ranked):
    YES = "YES"
    CONDITIONAL = "CONDITIONAL"
    NO = "NO"


class RiskScore(_Ranked):
    ONE = "ONE"
    TWO = "TWO"
    THREE = "THREE"
    FOUR = "FOUR"
    FIVE = "FIVE"


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """What a license (or an expression) exposes its user to; scales in the module doc."""

    category: Category
    copyleft: Copyleft
    linking: Linking
    royalty_free: RoyaltyFree
    copyright_risk_score: RiskScore
    patent_risk_score: RiskScore

    def restrictiveness(self) -> tuple[int, ...]:
        """Sort key: category first, then the other fields in declaration order."""
        return tuple(getattr(self, f.name).rank for f in fields(self))

    def capped_by(self, cap: RiskProfile) -> RiskProfile:
        """Each field lowered to at most the cap's (how an exception relaxes a license)."""
        return RiskProfile(
            *(
                type(getattr(self, f.name)).lowest((getattr(self, f.name), getattr(cap, f.name)))
                for f in fields(self)
            )
        )


def most_restrictive(profiles: Iterable[RiskProfile]) -> RiskProfile:
    """The conjunction (``AND``): every obligation applies, so each field's worst value."""
    items = list(profiles)
    return RiskProfile(
        *(
            type(getattr(items[0], f.name)).highest(getattr(p, f.name) for p in items)
            for f in fields(RiskProfile)
        )
    )


def least_restrictive(profiles: Iterable[RiskProfile]) -> RiskProfile:
    """The choice (``OR``): a user complies with one alternative whole, the easiest one."""
    return min(profiles, key=RiskProfile.restrictiveness)


def _profile(spec: str) -> RiskProfile:
    """One table row: ``category copyleft linking royalty copyright patent``."""
    category, copyleft, linking, royalty, copyright_, patent = spec.split()
    return RiskProfile(
        Category(category),
        Copyleft(copyleft),
        Linking(linking),
        RoyaltyFree(royalty),
        RiskScore(copyright_),
        RiskScore(patent),
    )


# Shared rows.          category          copyleft linking      royalty copyr. patent
_NO_CONDITIONS = _profile("permissive       NO       NON_VIRAL    YES     ONE    THREE")
_ATTRIBUTION = _profile("permissive         NO       NON_VIRAL    YES     TWO    THREE")
_NOTICES = _profile("permissive             NO       NON_VIRAL    YES     THREE  THREE")
_NOTICES_PATENT = _profile("permissive      NO       NON_VIRAL    YES     THREE  ONE")
_CC_BY = _profile("permissive               NO       NON_VIRAL    YES     THREE  FIVE")
_FILE_COPYLEFT = _profile("weak-copyleft    PARTIAL  NON_VIRAL    YES     FOUR   ONE")
_LGPL_2 = _profile("weak-copyleft           PARTIAL  DYNAMIC_ONLY YES     FOUR   TWO")
_LGPL_3 = _profile("weak-copyleft           PARTIAL  DYNAMIC_ONLY YES     FOUR   ONE")
_GPL_2 = _profile("strong-copyleft          FULL     VIRAL        YES     FIVE   TWO")
_GPL_3 = _profile("strong-copyleft          FULL     VIRAL        YES     FIVE   ONE")
_NETWORK = _profile("network-copyleft       FULL     VIRAL        YES     FIVE   ONE")

UNKNOWN_PROFILE = _profile("unknown         FULL     UNKNOWN      CONDITIONAL FOUR FOUR")
"""Cautious on purpose: an unreviewed license is assumed to bind until a person says not."""

_ATTRIBUTION_ONLY = (
    "MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "X11", "Zlib", "PostgreSQL", "NCSA",
    "BSL-1.0", "Unicode-DFS-2016", "Unicode-3.0", "W3C", "W3C-19980720",
)  # fmt: skip

PROFILES: dict[str, RiskProfile] = {
    # Public domain dedications and no-condition licenses.
    "CC0-1.0": _profile("public-domain NO NON_VIRAL YES ONE FIVE"),  # §4a keeps patents
    "Unlicense": _profile("public-domain NO NON_VIRAL YES ONE THREE"),
    "SAX-PD": _profile("public-domain NO NON_VIRAL YES ONE THREE"),
    "WTFPL": _NO_CONDITIONS,
    "0BSD": _NO_CONDITIONS,
    "MIT-0": _NO_CONDITIONS,
    # Permissive, attribution only.
    **dict.fromkeys(_ATTRIBUTION_ONLY, _ATTRIBUTION),
    "BlueOak-1.0.0": _profile("permissive NO NON_VIRAL YES TWO ONE"),  # express patent grant
    # Permissive with notice, acknowledgement or change-record duties.
    "Apache-2.0": _NOTICES_PATENT,  # NOTICE file, state changes; §3 patent grant
    "MS-PL": _NOTICES_PATENT,  # source form only under MS-PL; §2(B) patent grant
    "AFL-2.1": _NOTICES_PATENT,
    "AFL-3.0": _NOTICES_PATENT,
    "Apache-1.0": _NOTICES,  # advertising clause
    "Apache-1.1": _NOTICES,  # end-user documentation acknowledgement
    "BSD-4-Clause": _NOTICES,  # advertising clause
    "Python-2.0": _NOTICES,  # summary of changes
    "PSF-2.0": _NOTICES,  # summary of changes
    "CC-BY-3.0": _CC_BY,  # §8(f)/§2(b)(2): patent rights not licensed
    "CC-BY-4.0": _CC_BY,
    # Not open source although free of charge: "shall be used for Good, not Evil" is a
    # field-of-use restriction (OSI and FSF reject it; Apache lists it as Category X).
    "JSON": _profile("proprietary-free NO NON_VIRAL YES FOUR THREE"),
    # Weak copyleft: file, module or library level.
    **dict.fromkeys(
        ("MPL-1.1", "MPL-2.0", "EPL-1.0", "EPL-2.0", "CPL-1.0", "CDDL-1.0", "CDDL-1.1", "MS-RL"),
        _FILE_COPYLEFT,
    ),
    # A modified work must be renamed or made freely available; combining is free.
    "Artistic-2.0": _profile("weak-copyleft PARTIAL NON_VIRAL YES THREE ONE"),
    "Ruby": _profile("weak-copyleft PARTIAL NON_VIRAL YES THREE THREE"),
    # Fonts: a modified font stays OFL; bundling it with any software is allowed.
    "OFL-1.1": _profile("weak-copyleft PARTIAL NON_VIRAL YES THREE THREE"),
    # Share-alike reaches adaptations of the work, not a collection it sits in.
    "CC-BY-SA-3.0": _profile("weak-copyleft PARTIAL NON_VIRAL YES FOUR FIVE"),
    "CC-BY-SA-4.0": _profile("weak-copyleft PARTIAL NON_VIRAL YES FOUR FIVE"),
    # Dynamic linking is free; static linking must leave the user able to relink.
    **dict.fromkeys(
        ("LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later"), _LGPL_2
    ),
    **dict.fromkeys(("LGPL-3.0-only", "LGPL-3.0-or-later"), _LGPL_3),
    # Strong copyleft.
    **dict.fromkeys(
        ("GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later"), _GPL_2
    ),
    **dict.fromkeys(("GPL-3.0-only", "GPL-3.0-or-later"), _GPL_3),
    # The European Commission reads linking as not creating a derivative; scored as
    # reciprocal anyway until a person reviews the combination.
    "EUPL-1.1": _GPL_3,
    "EUPL-1.2": _GPL_3,
    # Network copyleft: offering the software as a service triggers the source duty; SSPL
    # extends it to the whole service stack.
    **dict.fromkeys(("AGPL-3.0-only", "AGPL-3.0-or-later", "SSPL-1.0"), _NETWORK),
    **dict.fromkeys(
        ("AGPL-1.0-only", "AGPL-1.0-or-later"), _profile("network-copyleft FULL VIRAL YES FIVE TWO")
    ),
}
"""The licenses that matter in practice, classified by hand (the rest: ``fallback_profile``)."""

_LINKING_EXCEPTION = _profile("weak-copyleft PARTIAL NON_VIRAL NO FOUR FIVE")

EXCEPTION_CAPS: dict[str, RiskProfile] = dict.fromkeys(
    (
        # Linking the library into independent modules leaves those modules free; the
        # library itself stays under its license (hence weak copyleft, not permissive).
        "Classpath-exception-2.0",
        "LGPL-3.0-linking-exception",
        "OCaml-LGPL-linking-exception",
        "WxWindows-exception-3.1",
        # Runtime libraries and generated output of the GNU toolchain may be used freely.
        "GCC-exception-2.0",
        "GCC-exception-3.1",
        "LLVM-exception",
        "Autoconf-exception-2.0",
        "Autoconf-exception-3.0",
        "Bison-exception-2.2",
        "Libtool-exception",
        "Font-exception-2.0",
        "eCos-exception-2.0",
    ),
    _LINKING_EXCEPTION,
)
"""Upper bounds an exception puts on a license's profile. Royalty and patent are not
capped (``NO``/``FIVE`` are the tops of their scales). An exception not listed leaves the
license's profile as it is: it may relax it, but we cannot say how far."""

_BY_LICENSEDB_CATEGORY: dict[str, RiskProfile] = {
    "Public Domain": _profile("public-domain NO NON_VIRAL YES ONE THREE"),
    "Permissive": _ATTRIBUTION,
    "Copyleft Limited": _profile("weak-copyleft PARTIAL DYNAMIC_ONLY YES FOUR THREE"),
    "Copyleft": _profile("strong-copyleft FULL VIRAL YES FIVE THREE"),
    "Proprietary Free": _profile("proprietary-free NO NON_VIRAL CONDITIONAL FOUR FOUR"),
    "Free Restricted": _profile("proprietary-free NO NON_VIRAL CONDITIONAL FOUR FOUR"),
    "Source-available": _profile("proprietary-free NO NON_VIRAL CONDITIONAL FOUR FOUR"),
    "Commercial": _profile("commercial NO UNKNOWN NO FIVE FOUR"),
}
"""license-expression's ScanCode LicenseDB category → a cautious default profile. The
categories "CLA", "Patent License" and "Unstated License" say nothing about use, so they
stay unknown. A weak copyleft we have not read is assumed LGPL-like (``DYNAMIC_ONLY``)."""


def fallback_profile(licensedb_category: str | None) -> RiskProfile:
    """The default profile for a license not in ``PROFILES``, from its LicenseDB category."""
    if licensedb_category is None:
        return UNKNOWN_PROFILE
    return _BY_LICENSEDB_CATEGORY.get(licensedb_category, UNKNOWN_PROFILE)


# --- Normalization tables (used by ``licenses.normalize_license``) ---

# Spellings neither library knows, target -> spellings (matched after ``_name_key``
# folding, so "ASL, version 2" is "ASL 2.0"). Sources: the keycloak, juice-shop and laravel
# SBOMs in shared/data/sbom, and the tools that write them.
ALIASES: dict[str, tuple[str, ...]] = {
    # OPS4J Pax, cglib, JBoss parent POM, Fedora and JNA, npm's bare "Apache" (spdx-correct
    # reads it so too), PyPI's classifier and slf4j (linking LICENSE-2.0), Maven Central's
    # most common spelling ("The Apache Software License, Version 2.0").
    "Apache-2.0": ("ALv2", "ASF 2.0", "ASL", "ASL 2.0", "Apache", "Apache Software License",
                   "Apache Software License 2.0"),
    # Bare "BSD" is ambiguous: 3-clause is the cautious reading (its duties include the
    # 2-clause ones) and what ASM, OpenCV and dom4j use. SPDX gave the Eclipse Distribution
    # License no id because its text is BSD-3-Clause.
    "BSD-3-Clause": ("BSD", "New BSD", "BSD New", "BSD 3-clause New", "Revised BSD",
                     "Modified BSD", "EDL 1.0", "Eclipse Distribution License 1.0"),
    "BSD-2-Clause": ("Simplified BSD", "BSD Simplified"),
    # npm's "MIT/X11" (traverse, chainsaw) is the MIT text; Bouncy Castle calls its licence
    # "an adaptation of the MIT X11 License".
    "MIT": ("MIT/X11", "Bouncy Castle Licence"),
    "CC0-1.0": ("CC0",),  # the only CC0 version
    "CPL-1.0": ("CPL", "Common Public License"),  # the only CPL version
    # Unversioned CDDL in Sun-era javax POMs is 1.0 (1.1 is Oracle's 2010 revision).
    "CDDL-1.0": ("CDDL", "Common Development and Distribution License"),
    "CDDL-1.0 OR GPL-2.0-only WITH Classpath-exception-2.0": ("CDDL+GPL",),  # GlassFish
    "GPL-2.0-only WITH Classpath-exception-2.0": ("GPL2 w/ CPE",),  # GlassFish, Jakarta EE
    # Unversioned GNU names mean "any version ever published" (GPLv2 §9, LGPLv2.1 §13), as
    # license-expression reads a bare "GPL"; "Lesser" exists from 2.1 on.
    "LGPL-2.0-or-later": ("LGPL", "GNU Library General Public License"),
    "LGPL-2.1-or-later": ("GNU Lesser General Public License",),
    "GPL-1.0-or-later": ("GNU General Public License",),
    "W3C": ("W3C Software License",),
}  # fmt: skip

# Retired SPDX ids naming a license and an exception in one (SPDX's replacements).
RETIRED_WITH: dict[str, str] = {
    "GPL-2.0-with-autoconf-exception": "GPL-2.0-only WITH Autoconf-exception-2.0",
    "GPL-2.0-with-bison-exception": "GPL-2.0-only WITH Bison-exception-2.2",
    "GPL-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
    "GPL-2.0-with-font-exception": "GPL-2.0-only WITH Font-exception-2.0",
    "GPL-2.0-with-GCC-exception": "GPL-2.0-only WITH GCC-exception-2.0",
    "GPL-3.0-with-autoconf-exception": "GPL-3.0-only WITH Autoconf-exception-3.0",
    "GPL-3.0-with-GCC-exception": "GPL-3.0-only WITH GCC-exception-3.1",
    "eCos-2.0": "GPL-2.0-or-later WITH eCos-exception-2.0",
    "wxWindows": "LGPL-2.0-or-later WITH WxWindows-exception-3.1",
}

# License pages whose last path segment does not name the license (no scheme, "www.",
# or extension); pages on LICENSE_HOSTS are looked up by their last segment.
_GPL_CPE = "GPL-2.0-only WITH Classpath-exception-2.0"
URLS: dict[str, str] = {
    "apache.org/licenses/license-2.0": "Apache-2.0",
    "apache.org/licenses/license-1.1": "Apache-1.1",
    "eclipse.org/legal/epl-v10": "EPL-1.0",
    "eclipse.org/legal/epl-v20": "EPL-2.0",
    "eclipse.org/legal/epl-2.0": "EPL-2.0",
    "eclipse.org/org/documents/edl-v10": "BSD-3-Clause",
    "mozilla.org/mpl/2.0": "MPL-2.0",
    "creativecommons.org/publicdomain/zero/1.0": "CC0-1.0",
    "glassfish.dev.java.net/public/cddl+gpl": f"CDDL-1.0 OR {_GPL_CPE}",
    "glassfish.java.net/public/cddl+gpl": f"CDDL-1.0 OR {_GPL_CPE}",
    "glassfish.java.net/public/cddl+gpl_1_1": f"CDDL-1.1 OR {_GPL_CPE}",
    "openjdk.java.net/legal/gplv2+ce": _GPL_CPE,
    "repository.jboss.org/licenses/gpl-2.0-ce": _GPL_CPE,
    "json.org/license": "JSON",
    "unlicense.org": "Unlicense",
    "wtfpl.net": "WTFPL",
}
LICENSE_HOSTS = frozenset({
    "spdx.org", "opensource.org", "choosealicense.com", "mozilla.org", "repository.jboss.org",
    "repository.jboss.com",
})  # fmt: skip

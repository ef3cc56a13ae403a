"""Pairs of licenses known not to combine in one distributed work.

A small, explicit table of well-established incompatibilities, each with its reason and
its source: the FSF's license list (https://www.gnu.org/licenses/license-list.html), the
GPL FAQ's compatibility matrix, and the licenses' own texts. The GPL family's conditions
are the heart of it: GPLv2 §6 and GPLv3 §10 (AGPLv3 §10 alike) forbid imposing "any
further restrictions" on the recipients of the combined work, and GPLv2 §2(b) / GPLv3
§5(c) put the whole work under the GPL, so a license whose terms go beyond the GPL's,
or that demands its own terms for its part, cannot sit beside it.

A rule names the license whose conditions cause the conflict first (``license``), the
license that cannot meet them second (``conflicting``); ``mutual`` says each license's
conditions rule the other out (both demand their own terms for the shared work, e.g.
GPLv2-only and GPLv3), otherwise the conflict is one-way: it comes from the first
license alone (Apache-2.0 code may go into a GPLv3 work, not a GPLv2-only one). Either
way a pair is found whatever order it is asked in, oriented as its rule says.

Matching: licenses by SPDX id, "-only" and "-or-later" kept apart (GPL-2.0-or-later
reaches GPLv3, so it meets Apache-2.0 and the v3 family); the proprietary side by the
category ``license_profiles`` gives it (``commercial``, ``proprietary-free``). A term
``id WITH exception`` counts as its license unless the exception is a linking or runtime
exception of ``license_profiles.EXCEPTION_CAPS``: those exist precisely to let
independent modules under other terms be combined with the library.

What is not in the table is not reported. Absence means "not known to conflict" to this
table, not a legal clearance: dual-licensing choices, secondary-license designations
(EPL-2.0 §"Secondary Licenses") and the exact way the parts are combined are for a
person to review.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from depvault.domain.licensing.licenses import license_info
from depvault.domain.licensing.profiles import EXCEPTION_CAPS, Category

__all__ = [
    "GPL_FAMILY",
    "RULES",
    "Conflict",
    "Rule",
    "conflict",
    "conflicts",
]

GPL_2_ONLY = frozenset({"GPL-2.0-only"})
# Every GNU GPL whose conditions put the whole combined work under it ("GPL-*"); the
# AGPLv3 is the GPLv3 with §13 added, same §10.
GPL_FAMILY = frozenset(
    {
        "GPL-1.0-only",
        "GPL-1.0-or-later",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
    }
)
# The version-3 licenses: GPLv3, LGPLv3 (GPLv3 plus additional permissions) and AGPLv3.
VERSION_3 = frozenset(
    {
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
    }
)
NONFREE = frozenset({Category.COMMERCIAL, Category.PROPRIETARY_FREE})

_LICENSE_LIST = "https://www.gnu.org/licenses/license-list.html"
_GPL_FAQ = "https://www.gnu.org/licenses/gpl-faq.html"


@dataclass(frozen=True, slots=True)
class Side:
    """The licenses one side of a rule covers: by SPDX id, or by profile category."""

    ids: frozenset[str] = frozenset()
    categories: frozenset[Category] = frozenset()

    def matches(self, license_id: str) -> bool:
        if license_id in self.ids:
            return True
        return bool(self.categories) and license_info(license_id).profile.category in (
            self.categories
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """One known incompatibility: ``license``'s conditions cannot be met together with
    ``conflicting``'s terms (``mutual``: and the other way round too)."""

    license: Side
    conflicting: Side
    mutual: bool
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """A pair of licenses (as stated, e.g. ``GPL-2.0-only``) and the rule they meet."""

    license: str
    conflicting: str
    rule: Rule

    @property
    def direction(self) -> str:
        return "two-way" if self.rule.mutual else "one-way"


def _ids(*ids: str) -> Side:
    return Side(frozenset(ids))


_GPL = Side(GPL_FAMILY)

RULES: tuple[Rule, ...] = (
    Rule(
        Side(GPL_2_ONLY),
        _ids("Apache-2.0"),
        False,
        "Apache-2.0's patent termination and indemnification terms are restrictions GPLv2 "
        "does not allow (compatible with GPLv3, hence with GPL-2.0-or-later, not GPLv2-only)",
        f"{_LICENSE_LIST}#apache2",
    ),
    Rule(
        Side(GPL_2_ONLY),
        Side(VERSION_3),
        True,
        "GPLv2-only code has no upgrade path to version 3, and version-3 terms (LGPLv3 "
        "and AGPLv3 build on GPLv3) cannot be met under GPLv2",
        f"{_GPL_FAQ}#AllCompatibility",
    ),
    Rule(
        _GPL,
        _ids("CPL-1.0"),
        True,
        "the CPL's weak copyleft and choice-of-law clause make it incompatible with the GNU GPL",
        f"{_LICENSE_LIST}#CommonPublicLicense10",
    ),
    Rule(
        _GPL,
        _ids("EPL-1.0"),
        True,
        "EPL-1.0 (the CPL's successor, same weak copyleft and choice-of-law clause) is "
        "incompatible with the GNU GPL",
        f"{_LICENSE_LIST}#EPL",
    ),
    Rule(
        _GPL,
        _ids("EPL-2.0"),
        True,
        "EPL-2.0 is incompatible with the GNU GPL by default; only code whose author named "
        "a GPL as Secondary License (declared as an OR choice) may be combined",
        f"{_LICENSE_LIST}#EPL2",
    ),
    Rule(
        _GPL,
        _ids("MPL-1.1"),
        True,
        "MPL-1.1's file-level copyleft has complex restrictions incompatible with the GNU "
        "GPL (unlike MPL-2.0)",
        f"{_LICENSE_LIST}#MPL",
    ),
    Rule(
        _GPL,
        _ids("CDDL-1.0", "CDDL-1.1"),
        True,
        "CDDL requires its files to be distributed under the CDDL only (§3.1), a "
        "restriction incompatible with the GNU GPL",
        f"{_LICENSE_LIST}#CDDL",
    ),
    Rule(
        _GPL,
        _ids("BSD-4-Clause"),
        False,
        "the original BSD license's advertising clause is a further restriction the GNU "
        "GPL forbids",
        f"{_LICENSE_LIST}#OriginalBSD",
    ),
    Rule(
        _GPL,
        Side(categories=NONFREE),
        False,
        "a proprietary or restricted (nonfree) license imposes further restrictions the "
        "GNU GPL forbids (GPLv2 §6, GPLv3 §10); linking needs the GPL author's permission",
        f"{_GPL_FAQ}#GPLIncompatibleLibs",
    ),
)
"""Sources: the FSF license list entries (Apache License 2.0, Common Public License 1.0,
Eclipse Public License 1.0 and 2.0, Mozilla Public License 1.1, CDDL 1.0, original BSD
license) and the GPL FAQ (compatibility matrix; GPL-incompatible
libraries). CDDL-1.1 keeps CDDL-1.0's §3.1 source-distribution clause word for word."""


def _matched_license(term: str) -> str | None:
    """The license id a term is matched by: the license of ``id WITH exception`` unless
    the exception is a linking/runtime one (then None: not matched)."""
    license_id, _, exception = term.partition(" WITH ")
    if exception and exception.strip() in EXCEPTION_CAPS:
        return None
    return license_id.strip()


@functools.lru_cache(maxsize=65536)
def conflict(first: str, second: str) -> Conflict | None:
    """The known incompatibility between two licenses (SPDX ids or ``id WITH
    exception``), oriented as its rule says; None when the table knows none."""
    if first == second:
        return None
    a, b = _matched_license(first), _matched_license(second)
    if a is None or b is None:
        return None
    for rule in RULES:
        if rule.license.matches(a) and rule.conflicting.matches(b):
            return Conflict(first, second, rule)
        if rule.license.matches(b) and rule.conflicting.matches(a):
            return Conflict(second, first, rule)
    return None


def conflicts(licenses: Iterable[str]) -> list[Conflict]:
    """Every known incompatibility among these licenses, ordered by (license,
    conflicting license)."""
    present = sorted(set(licenses))
    found = [
        hit
        for i, first in enumerate(present)
        for second in present[i + 1 :]
        if (hit := conflict(first, second)) is not None
    ]
    return sorted(found, key=lambda hit: (hit.license, hit.conflicting))

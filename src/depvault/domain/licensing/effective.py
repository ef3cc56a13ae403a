"""The effective license of a library: the licenses that actually govern its use, from
the SPDX expression it declares.

The rule follows how a user complies with an expression (the reading
``licenses.expression_profile`` scores, here made to name the licenses):

- a single license governs by itself, and so does ``license WITH exception`` (the
  exception only ever grants extra permissions);
- ``A AND B``: every operand applies, so every operand (each resolved in turn) stays;
- ``A OR B``: the user picks one alternative and complies with it whole: the least
  restrictive one by its risk profile (``license_profiles.least_restrictive``'s order:
  category first, then copyleft, linking, royalty, copyright and patent scores). On a tie
  the alternative written first wins, so the answer is stable;
- no license at all: nothing governs that we know of; the profile is the cautious
  ``UNKNOWN_PROFILE`` (an unlicensed work reserves every right).

With every ``OR`` resolved, what remains is a conjunction: ``terms`` lists its operands
(an id, a ``LicenseRef-…``, or ``id WITH exception``), ``expression`` joins them with
``AND``. The parse is license-expression's; ids are canonical already
(``licenses.normalize_license`` runs first, memoized).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from license_expression import (  # type: ignore[import-untyped]
    AND,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
)

from depvault.domain.licensing.licenses import expression_profile, normalize_license
from depvault.domain.licensing.profiles import UNKNOWN_PROFILE, RiskProfile

__all__ = [
    "ALL_OF_AND",
    "NO_LICENSE",
    "OR_CHOICE",
    "SINGLE",
    "SINGLE_WITH_EXCEPTION",
    "EffectiveLicense",
    "effective_license",
]

SINGLE = "single license"
SINGLE_WITH_EXCEPTION = "single license with exception"
ALL_OF_AND = "all of AND terms"
OR_CHOICE = "most permissive of OR choices"
NO_LICENSE = "no license declared"

# A parser without a symbol table: the expression is canonical already, so it only has
# to be taken apart, not resolved.
_PARSER = Licensing()


@dataclass(frozen=True, slots=True)
class EffectiveLicense:
    """What governs a library's use.

    ``declared`` is the normalized expression as declared ("" for none); ``terms`` the
    licenses that apply (every one of them), ``expression`` those joined with ``AND``;
    ``profile`` their combined risk profile; ``reason`` the rules that led there, in the
    order they were applied ("; "-separated).
    """

    declared: str
    expression: str
    terms: tuple[str, ...]
    profile: RiskProfile
    reason: str


@dataclass(frozen=True, slots=True)
class _Resolved:
    terms: tuple[str, ...]
    reasons: tuple[str, ...]


def _resolve(node: object) -> _Resolved:
    if isinstance(node, LicenseWithExceptionSymbol):
        return _Resolved((f"{node.license_symbol.key} WITH {node.exception_symbol.key}",), ())
    if isinstance(node, LicenseSymbol):
        return _Resolved((str(node.key),), ())
    parts = [_resolve(arg) for arg in node.args]  # type: ignore[attr-defined]
    if isinstance(node, AND):
        terms = tuple(dict.fromkeys(t for part in parts for t in part.terms))
        reasons = (ALL_OF_AND, *(r for part in parts for r in part.reasons))
        return _Resolved(terms, tuple(dict.fromkeys(reasons)))
    # OR: the alternative whose own effective terms are least restrictive, first on a tie
    chosen = min(parts, key=lambda part: _profile(part.terms).restrictiveness())
    return _Resolved(chosen.terms, tuple(dict.fromkeys((OR_CHOICE, *chosen.reasons))))


def _profile(terms: tuple[str, ...]) -> RiskProfile:
    return expression_profile(" AND ".join(f"({t})" if " " in t else t for t in terms))


@functools.lru_cache(maxsize=16384)
def effective_license(declared: str | None) -> EffectiveLicense:
    """The effective license of a library declaring ``declared`` (an SPDX expression, or
    None/"" for no license). Pure, never raises, memoized per distinct expression."""
    text = (declared or "").strip()
    if not text:
        return EffectiveLicense("", "", (), UNKNOWN_PROFILE, NO_LICENSE)
    canonical = normalize_license(text).expression
    try:
        resolved = _resolve(_PARSER.parse(canonical))
    except Exception:  # normalize_license renders only what parses; belt and braces
        resolved = _Resolved((canonical,), ())
    reasons = resolved.reasons
    if not reasons:  # no operator: the license (with its exception, if any) itself
        reasons = (SINGLE_WITH_EXCEPTION if " WITH " in resolved.terms[0] else SINGLE,)
    expression = " AND ".join(resolved.terms)
    return EffectiveLicense(
        canonical, expression, resolved.terms, _profile(resolved.terms), "; ".join(reasons)
    )

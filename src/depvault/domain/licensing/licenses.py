"""Turning what an SBOM or an agent says about a license into an SPDX expression.

Tools write licenses every way: SPDX ids (``MIT``), expressions, retired ids (``GPL-2.0``,
``LGPL-2.1+``), Maven and npm names (``The Apache Software License, Version 2.0``), URLs.
:func:`normalize_license` maps them onto SPDX ids with, in this order of trust:

1. ``license_profiles.ALIASES``: spellings the libraries miss, each with its source;
2. license-expression's vendored ScanCode LicenseDB index, the one ``get_spdx_licensing``
   builds from: SPDX keys, their aliases (``other_spdx_license_keys``, which is how retired
   ids become current ones) and ScanCode's own keys;
3. the SPDX License List's full names, from the copy cyclonedx-python-lib ships for its
   schema validation (license-expression carries keys, not names).

What none of them matches becomes ``LicenseRef-depvault-<slug>`` with ``recognized`` False
and the original text kept as ``name``: identical statements still group together and a
person can map them later. Nothing here raises, whatever the text.

:func:`license_info` and :func:`expression_profile` attach the risk profiles of
``license_profiles`` (scales documented there).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from license_expression import (  # type: ignore[import-untyped]
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    build_spdx_licensing,
    get_license_index,
)

from depvault.domain.licensing import profiles as tables
from depvault.domain.licensing.profiles import UNKNOWN_PROFILE, RiskProfile

__all__ = [
    "UNRECOGNIZED_PREFIX",
    "LicenseExpression",
    "LicenseInfo",
    "expression_profile",
    "license_info",
    "normalize_license",
]

UNRECOGNIZED_PREFIX = "LicenseRef-depvault-"
_MAX_TEXT = 1000  # a longer "name" is a license text: it is kept, not parsed
_CACHE_SIZE = 16384  # distinct strings; inventories repeat a few hundred licenses

_URL = re.compile(r"[a-z][a-z0-9+.\-]*://(?:www\.)?([^?#\s]*)", re.IGNORECASE)
_CREATIVE_COMMONS = re.compile(r"creativecommons\.org/licenses/([a-z-]+)/(\d\.\d)(?:/.*)?")
_LICENSE_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+")
_CONNECTIVE = re.compile(r"\s+(and|or)\s+", re.IGNORECASE)
_FILLER = frozenset({"the", "license", "licenses", "version", "ver", "v", "gnu"})


@dataclass(frozen=True, slots=True)
class LicenseExpression:
    """A license statement made canonical.

    ``expression`` is an SPDX expression in canonical ids and casing; ``license_ids`` and
    ``exception_ids`` list its symbols in order of appearance; ``recognized`` is True when
    every symbol is a known SPDX id, exception or license-expression LicenseRef (e.g.
    ``LicenseRef-scancode-public-domain``); ``name`` is the text as it was stated.
    """

    expression: str
    license_ids: tuple[str, ...]
    exception_ids: tuple[str, ...]
    recognized: bool
    name: str


@dataclass(frozen=True, slots=True)
class LicenseInfo:
    """One license as the API shows it: SPDX id, full name, reference page, risk profile.

    ``url`` is the SPDX page for SPDX ids, the LicenseDB page for ScanCode LicenseRefs,
    and None for licenses nobody has a page for.
    """

    spdx_id: str
    name: str
    url: str | None
    profile: RiskProfile


@dataclass(frozen=True)
class _Knowledge:
    """Everything the libraries know, indexed for lookups; built once (it takes ~0.2 s)."""

    licensing: Any
    ids: dict[str, str]  # casefolded id or alias -> canonical expression (usually one id)
    exceptions: dict[str, str]  # casefolded exception id -> canonical id
    names: dict[str, str]  # _name_key(name) -> canonical expression
    full_names: dict[str, str]  # casefolded SPDX id -> full name
    categories: dict[str, str]  # canonical id -> LicenseDB category
    licensedb_pages: dict[str, str]  # LicenseRef-scancode-* -> LicenseDB page file
    known: frozenset[str]  # canonical ids that count as recognized


def _name_key(text: str) -> str:
    """Fold a license name so spellings of one name meet: case, punctuation, "version",
    "v2"/"2.0"/"2", "+"/"or greater"/"or later", "licence"/"license", "w/"/"with"."""
    s = unicodedata.normalize("NFKC", text).casefold().replace("licence", "license")
    s = re.sub(r"(\d)_(\d)", r"\1.\2", s.replace("w/", "with "))
    s = re.sub(r"\b(?:or|and) (?:greater|newer|any later version|later version)\b", "or later", s)
    s = re.sub(r"\+(?=[\s)]|$)", " or later ", s).replace("+", " plus ")
    s = re.sub(r"([a-z])v(?=\d)", r"\1 ", s)
    s = re.sub(r"[^a-z0-9.]+", " ", re.sub(r"([a-z])(?=\d)", r"\1 ", s))
    tokens = (token.strip(".") for token in s.split())
    return " ".join(
        re.sub(r"(?:\.0)+$", "", token) if token[0].isdigit() else token
        for token in tokens
        if token and token not in _FILLER
    )


def _name_keys(text: str) -> Iterator[str]:
    """The folded name, then without parenthesised asides ("... (CDDL) Version 1.0")."""
    yield _name_key(text)
    bare = re.sub(r"\([^()]*\)", " ", text)
    if bare != text:
        yield _name_key(bare)


def _spdx_list() -> dict[str, str]:
    """SPDX License List id -> full name, from cyclonedx-python-lib's copy (``meta:enum``
    of its SPDX schema). If a release moves the file, names fall back to ids (a test says)."""
    try:
        schema = resources.files("cyclonedx.schema").joinpath("_res")
        data = json.loads(schema.joinpath("spdx.SNAPSHOT.schema.json").read_text("utf-8"))
    except (ImportError, OSError, ValueError):
        return {}
    names = data.get("meta:enum") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}


def _unambiguous(pairs: Iterable[tuple[str, str]], into: dict[str, str]) -> None:
    """Add name keys that point at one target only; earlier sources keep precedence."""
    batch: dict[str, set[str]] = {}
    for text, target in pairs:
        batch.setdefault(_name_key(text), set()).add(target)
    for key, targets in batch.items():
        if key and key not in into and len(targets) == 1:
            into[key] = targets.pop()


@functools.cache
def _knowledge() -> _Knowledge:
    index: list[dict[str, Any]] = get_license_index()
    ids: dict[str, str] = {}
    exceptions: dict[str, str] = {}
    categories: dict[str, str] = {}
    pages: dict[str, str] = {}
    scancode_keys: dict[str, str] = {}
    for entry in sorted(index, key=lambda item: bool(item.get("is_deprecated"))):
        spdx = entry.get("spdx_license_key")
        if not spdx:
            continue
        target = exceptions if entry.get("is_exception") else ids
        for alias in (spdx, *entry.get("other_spdx_license_keys", ())):
            target.setdefault(alias.casefold(), spdx)
        categories.setdefault(spdx, entry.get("category", ""))
        if spdx.startswith("LicenseRef-scancode-"):
            pages.setdefault(spdx, entry.get("html", ""))
        if target is ids:
            scancode_keys.setdefault(entry["license_key"], spdx)
    spdx_list = _spdx_list()
    for spdx_id in spdx_list:  # ids newer than license-expression's index
        folded = spdx_id.casefold()
        if folded not in ids and folded not in exceptions:
            (exceptions if "exception" in folded else ids)[folded] = spdx_id
    full_names = {spdx_id.casefold(): name for spdx_id, name in spdx_list.items()}
    for retired, expression in tables.RETIRED_WITH.items():
        exceptions.pop(retired.casefold(), None)
        ids[retired.casefold()] = expression
    names: dict[str, str] = {}
    aliases = ((text, target) for target, texts in tables.ALIASES.items() for text in texts)
    _unambiguous(aliases, names)
    _unambiguous(ids.items(), names)
    _unambiguous(
        ((name, ids[folded]) for folded, name in full_names.items() if folded in ids), names
    )
    _unambiguous(scancode_keys.items(), names)
    # ScanCode's "unknown", "no-license"… are placeholders, not licenses: not recognized.
    known = frozenset(
        v
        for v in (*ids.values(), *exceptions.values())
        if " " not in v
        and not (v.startswith("LicenseRef-scancode-") and categories.get(v) == "Unstated License")
    )
    licensing = build_spdx_licensing(index)
    return _Knowledge(licensing, ids, exceptions, names, full_names, categories, pages, known)


def _lookup(k: _Knowledge, text: str) -> str | None:
    """The canonical expression one license id, alias or name stands for, if known."""
    hit = k.ids.get(text.strip().casefold())
    if hit is not None:
        return hit
    for key in _name_keys(text):
        # A bare version means "only" (SPDX retired GPL-2.0 in favour of GPL-2.0-only).
        hit = k.names.get(key) or k.names.get(f"{key} only")
        if hit is not None:
            return hit
    return None


def _lookup_url(k: _Knowledge, text: str) -> str | None:
    """A license page's address -> the license, from ``URLS`` or the page's last segment."""
    match = _URL.fullmatch(text)
    if match is None:
        return None
    path = re.sub(r"\.(?:txt|html?|php|md)$", "", match[1].casefold().rstrip("/")).rstrip("/")
    if path in tables.URLS:
        return tables.URLS[path]
    host, _, rest = path.partition("/")
    last = rest.rsplit("/", 1)[-1]
    # gnu.org/licenses/gpl.txt is whatever GPL is current: only versioned pages count.
    versioned_gnu = host == "gnu.org" and re.search(r"\d", last)
    if last and (host in tables.LICENSE_HOSTS or versioned_gnu):
        return _lookup(k, last)
    creative_commons = _CREATIVE_COMMONS.fullmatch(path)
    if creative_commons:
        return _lookup(k, f"CC-{creative_commons[1]}-{creative_commons[2]}")
    return None


def _slug_ref(text: str) -> str:
    """``LicenseRef-depvault-<slug>``: readable, valid in SPDX expressions, stable per text;
    a digest keeps long or non-Latin texts apart."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9.]+", "-", ascii_text.casefold()).strip("-.")
    if not text.strip():
        slug = "empty"
    elif not slug or len(slug) > 60:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        slug = f"{slug[:48].rstrip('-.')}-{digest}".lstrip("-")
    return UNRECOGNIZED_PREFIX + slug


def _grouped(expression: str) -> str:
    return f"({expression})" if " " in expression else expression


@dataclass
class _Tally:
    resolved: int = 0
    refs: int = 0  # LicenseRef-… symbols kept as stated
    unknown: int = 0


def _resolve_tree(k: _Knowledge, node: Any, tally: _Tally) -> str:
    """Render a parsed expression with every symbol resolved (or made a LicenseRef)."""
    if isinstance(node, LicenseWithExceptionSymbol):
        stated = str(node.license_symbol.key)
        hit = _lookup(k, stated)
        # "(A OR B) WITH x" is not SPDX: an alias that expands so counts as unknown.
        license_part = _resolved(stated, hit if hit and " " not in hit else None, tally)
        stated = str(node.exception_symbol.key)
        exception = _resolved(stated, k.exceptions.get(stated.casefold()), tally)
        return f"{license_part} WITH {exception}"
    if isinstance(node, LicenseSymbol):
        return _grouped(_resolved(str(node.key), _lookup(k, str(node.key)), tally))
    operator = " AND " if isinstance(node, k.licensing.AND) else " OR "
    return "(" + operator.join(_resolve_tree(k, arg, tally) for arg in node.args) + ")"


def _resolved(stated: str, hit: str | None, tally: _Tally) -> str:
    """The symbol's canonical form if known, else a LicenseRef: as stated, or a new one."""
    if hit is not None:
        tally.resolved += 1
        return hit
    if _LICENSE_REF.fullmatch(stated):
        tally.refs += 1
        return stated
    tally.unknown += 1
    return _slug_ref(stated)


def _resolve_segments(k: _Knowledge, text: str) -> str | None:
    """Names joined by "and"/"or" ("MPL 2.0 or EPL 1.0"), where names may themselves hold
    those words ("Common Development and Distribution License"): the split into the fewest
    known names wins."""
    parts = _CONNECTIVE.split(text)
    words, connectives = parts[0::2], [c.upper() for c in parts[1::2]]
    if not 1 < len(words) <= 8:
        return None
    best: list[list[str] | None] = [[], *([None] * len(words))]
    for end in range(1, len(words) + 1):
        for start in range(end):
            prefix = best[start]
            if prefix is None:
                continue
            group = words[start] + "".join(
                f" {connectives[i - 1]} {words[i]}" for i in range(start + 1, end)
            )
            hit = _lookup(k, group)
            if hit is None:
                continue
            candidate = [*prefix, *([connectives[start - 1]] if start else []), _grouped(hit)]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[-1]
    return " ".join(found) if found else None


def _finish(k: _Knowledge, expression: str, name: str) -> LicenseExpression:
    """Canonical rendering and the symbol lists of a resolved expression."""
    parsed = k.licensing.parse(expression)
    licenses: list[str] = []
    exceptions: list[str] = []
    for symbol in k.licensing.license_symbols(parsed, unique=True, decompose=False):
        if isinstance(symbol, LicenseWithExceptionSymbol):
            licenses.append(str(symbol.license_symbol.key))
            exceptions.append(str(symbol.exception_symbol.key))
        else:
            licenses.append(str(symbol.key))
    licenses, exceptions = list(dict.fromkeys(licenses)), list(dict.fromkeys(exceptions))
    recognized = all(symbol in k.known for symbol in (*licenses, *exceptions))
    return LicenseExpression(
        str(parsed.render()), tuple(licenses), tuple(exceptions), recognized, name
    )


def _normalize(text: str) -> LicenseExpression | None:
    if not text or len(text) > _MAX_TEXT:
        return None
    k = _knowledge()
    if _URL.fullmatch(text):
        hit = _lookup_url(k, text)
        return _finish(k, hit, text) if hit else None
    hit = _lookup(k, text)
    if hit is not None:
        return _finish(k, hit, text)
    try:
        parsed = k.licensing.parse(text)
    except Exception:  # any parser complaint means "not an expression"
        parsed = None
    tally = _Tally()
    rendered = None if parsed is None else _resolve_tree(k, parsed, tally)
    if rendered is not None and tally.unknown == 0:
        return _finish(k, rendered, text)
    hit = _resolve_segments(k, text)
    if hit is not None:
        return _finish(k, hit, text)
    if rendered is not None and (tally.resolved or tally.refs):
        return _finish(k, rendered, text)  # keep what is known, refs for the rest
    return None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def normalize_license(raw: str) -> LicenseExpression:
    """The SPDX expression a license statement means; never raises.

    Unmatched statements come back as one ``LicenseRef-depvault-<slug>`` with
    ``recognized`` False; an expression whose parts are partly known keeps the known parts
    and makes LicenseRefs of the rest. Memoized per distinct string (inventories repeat the
    same few hundred statements).
    """
    text = raw.strip()
    try:
        found = _normalize(text)
    except Exception:  # a library bug on odd input must not fail an SBOM upload
        found = None
    if found is not None:
        return found
    ref = _slug_ref(text)
    return LicenseExpression(ref, (ref,), (), False, text)


@functools.lru_cache(maxsize=4096)
def license_info(spdx_id: str) -> LicenseInfo:
    """Name, page and risk profile of one SPDX id (current, retired or LicenseRef).

    Unknown ids get the id as name, no page and the cautious ``UNKNOWN_PROFILE``.
    """
    k = _knowledge()
    folded = spdx_id.strip().casefold()
    canonical = k.ids.get(folded) or k.exceptions.get(folded)
    if canonical is None:
        return LicenseInfo(spdx_id.strip(), spdx_id.strip(), None, UNKNOWN_PROFILE)
    name = k.full_names.get(canonical.casefold()) or k.full_names.get(folded, canonical)
    if " " in canonical:  # a retired "license-with-exception" id
        page = _page(k, spdx_id.strip())
        return LicenseInfo(canonical, name, page, expression_profile(canonical))
    category = k.categories.get(canonical)
    profile = tables.PROFILES.get(canonical) or tables.fallback_profile(category)
    return LicenseInfo(canonical, name, _page(k, canonical), profile)


def _page(k: _Knowledge, spdx_id: str) -> str | None:
    if spdx_id in k.licensedb_pages:
        return f"https://scancode-licensedb.aboutcode.org/{k.licensedb_pages[spdx_id]}"
    if spdx_id.startswith("LicenseRef-"):
        return None
    return f"https://spdx.org/licenses/{spdx_id}.html"


@functools.lru_cache(maxsize=4096)
def expression_profile(expression: str) -> RiskProfile:
    """The risk profile of a license statement (normalized first).

    ``OR``: the least restrictive alternative, taken whole (a user complies with one);
    ``AND``: each field's most restrictive value (every obligation applies);
    ``WITH``: the license lowered to the exception's cap (``EXCEPTION_CAPS``), since an
    SPDX exception only grants extra permissions; so GPL-2.0-only WITH
    Classpath-exception-2.0 is weak copyleft.
    """
    k = _knowledge()
    try:
        parsed = k.licensing.parse(normalize_license(expression).expression)
    except Exception:  # normalize_license renders only what parses; belt and braces
        return UNKNOWN_PROFILE
    return _profile_of(k, parsed)


def _profile_of(k: _Knowledge, node: Any) -> RiskProfile:
    if isinstance(node, LicenseWithExceptionSymbol):
        profile = license_info(str(node.license_symbol.key)).profile
        cap = tables.EXCEPTION_CAPS.get(str(node.exception_symbol.key))
        return profile if cap is None else profile.capped_by(cap)
    if isinstance(node, LicenseSymbol):
        return license_info(str(node.key)).profile
    parts = [_profile_of(k, arg) for arg in node.args]
    conjunction = isinstance(node, k.licensing.AND)
    return (tables.most_restrictive if conjunction else tables.least_restrictive)(parts)

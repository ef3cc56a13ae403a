"""From the license strings a document states to what the store keeps: one SPDX
expression per library and its license ids with display names.

Several stated licenses (CycloneDX ``licenses`` lists, agent license lists) are joined
with AND: the document does not say which alternative applies, and reporting all of
them as applying is the cautious reading for compliance.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from depvault.domain.licensing.licenses import license_info, normalize_license
from depvault.store.inventories.writes import LicenseFacts

__all__ = ["license_facts"]

NO_LICENSE = frozenset({"", "NOASSERTION", "NONE"})


@lru_cache(maxsize=65536)
def _facts(raws: tuple[str, ...]) -> LicenseFacts:
    expressions: list[str] = []
    licenses: dict[str, str] = {}
    for raw in raws:
        if raw.strip().upper() in NO_LICENSE:
            continue
        normalized = normalize_license(raw)
        expressions.append(normalized.expression)
        for license_id in normalized.license_ids:
            licenses.setdefault(license_id, license_info(license_id).name)
    unique = list(dict.fromkeys(expressions))
    if not unique:
        return LicenseFacts(None, ())
    if len(unique) == 1:
        expression = unique[0]
    else:
        expression = " AND ".join(f"({e})" if " " in e else e for e in unique)
    return LicenseFacts(expression, tuple(licenses.items()))


def license_facts(raws: Sequence[str]) -> LicenseFacts:
    """The normalised licenses of one component (cached: inventories repeat them)."""
    return _facts(tuple(raws))

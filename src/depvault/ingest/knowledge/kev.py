"""CISA's Known Exploited Vulnerabilities catalog (https://www.cisa.gov/known-exploited-
vulnerabilities-catalog): ``known_exploited_vulnerabilities.json``, an object whose
``vulnerabilities[]`` entries name a ``cveID``, the ``dateAdded`` and
``knownRansomwareCampaignUse`` ("Known" or "Unknown"). A few thousand entries: read
whole. It lists every CVE CISA knows exploited, so an import replaces the previous one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from depvault.ingest.knowledge.epss import CVE
from depvault.ingest.knowledge.feeds import FeedStats, Problems, import_feed, open_feed
from depvault.store.engine.db import Database
from depvault.store.models import KevEntry

__all__ = ["import_kev", "read_kev"]


def read_kev(path: Path, problems: Problems) -> tuple[list[dict[str, Any]], str | None]:
    """The catalog's rows and its ``dateReleased``; a file that is not the catalog is
    one problem and no rows, a malformed entry one problem named by its position."""
    with open_feed(path) as raw:
        try:
            catalog = orjson.loads(raw.read())
        except (orjson.JSONDecodeError, OSError, EOFError) as exc:
            problems.add(path.name, f"not JSON ({exc})")
            return [], None
    entries = catalog.get("vulnerabilities") if isinstance(catalog, dict) else None
    if not isinstance(entries, list):
        problems.add(path.name, "no 'vulnerabilities' list: not the KEV catalog")
        return [], None
    released = catalog.get("dateReleased")
    return list(_rows(path.name, entries, problems)), str(released) if released else None


def _rows(name: str, entries: list[Any], problems: Problems) -> Iterator[dict[str, Any]]:
    for index, entry in enumerate(entries):
        where = f"{name} vulnerabilities[{index}]"
        cve = entry.get("cveID") if isinstance(entry, dict) else None
        if not isinstance(cve, str) or not CVE.fullmatch(cve.strip()):
            problems.add(where, f"cveID {cve!r} is not a CVE id")
            continue
        added = entry.get("dateAdded")
        try:
            day = date.fromisoformat(added) if added else None
        except (TypeError, ValueError):
            problems.add(where, f"dateAdded {added!r} is not a date (YYYY-MM-DD)")
            continue
        ransomware = str(entry.get("knownRansomwareCampaignUse") or "").strip().lower()
        yield {"cve": cve.strip(), "date_added": day, "ransomware": ransomware == "known"}


def import_kev(database: Database, path: Path, origin: str | None = None) -> FeedStats:
    """Import the KEV catalog (the whole of it), then re-analyse what changed; ``origin``
    names where it came from (default: its path)."""
    problems = Problems()
    rows, released = read_kev(path, problems)
    return import_feed(
        database,
        "kev",
        origin or str(path),
        KevEntry,
        rows,
        problems,
        whole_catalog=True,
        newest=lambda: released,
    )

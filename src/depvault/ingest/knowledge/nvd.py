"""NVD's CVE JSON 2.0 feeds: the scores and weaknesses NVD gives each CVE.

The feed files (``nvdcve-2.0-YYYY.json.gz``, ``nvdcve-2.0-modified.json.gz``,
``nvdcve-2.0-recent.json.gz``) hold ``vulnerabilities[]`` items ``{"cve": {...}}`` with
``id``, ``lastModified``, ``metrics`` (``cvssMetricV40``, ``cvssMetricV31``,
``cvssMetricV30``, ``cvssMetricV2``: lists of ``{source, type, cvssData:
{vectorString}}``) and ``weaknesses`` (``description[].value`` = ``CWE-…``). A year's
file expands to hundreds of megabytes, so items are parsed one at a time as the gzip
stream expands (ijson on its C backend): memory holds one batch of rows, never the
file. Of each metric version NVD's own (``type`` Primary) vector is taken, else the
first other (the CNA's: a measured score beats none). Vectors the cvss library cannot
read are refused with the item named.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson  # type: ignore[import-untyped]
from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from depvault.ingest.knowledge.epss import CVE
from depvault.ingest.knowledge.feeds import FeedStats, Problems, import_feed, open_feed
from depvault.store.engine.db import Database
from depvault.store.models import NvdCve

__all__ = ["import_nvd", "nvd_row", "read_nvd"]

# metric list → (stored column, calculator), best first within a column
_METRICS = (
    ("cvssMetricV40", "cvss4_vector", CVSS4),
    ("cvssMetricV31", "cvss3_vector", CVSS3),
    ("cvssMetricV30", "cvss3_vector", CVSS3),
    ("cvssMetricV2", "cvss2_vector", CVSS2),
)


class NvdItemError(ValueError):
    """An item that cannot be imported; the message says why."""


def nvd_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``vulnerabilities[]`` item as an ``nvd_cves`` row; raises
    :class:`NvdItemError`."""
    cve = item.get("cve") if isinstance(item, Mapping) else None
    if not isinstance(cve, Mapping):
        raise NvdItemError("no 'cve' object")
    cve_id = cve.get("id")
    if not isinstance(cve_id, str) or not CVE.fullmatch(cve_id):
        raise NvdItemError(f"id {cve_id!r} is not a CVE id")
    row: dict[str, Any] = {
        "cve": cve_id,
        "last_modified": _time(cve.get("lastModified"), cve_id),
        "cvss2_vector": None,
        "cvss3_vector": None,
        "cvss4_vector": None,
    }
    metrics = cve.get("metrics") or {}
    for key, column, calculator in _METRICS:
        if row[column] is None:
            row[column] = _vector(metrics.get(key) or [], calculator, cve_id, key)
    row["cwes"] = sorted(
        {
            str(d.get("value"))
            for w in cve.get("weaknesses") or []
            for d in w.get("description") or []
            if str(d.get("value", "")).startswith("CWE-")
        }
    )
    return row


def _time(text: Any, cve_id: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise NvdItemError(f"{cve_id}: lastModified {text!r} is not a time") from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _vector(entries: Iterable[Any], calculator: Any, cve_id: str, key: str) -> str | None:
    listed = [e for e in entries if isinstance(e, Mapping)]
    listed.sort(key=lambda e: e.get("type") != "Primary")  # NVD's own first
    for entry in listed[:1]:
        vector = (entry.get("cvssData") or {}).get("vectorString")
        try:
            calculator(str(vector))
        except (CVSSError, KeyError, ValueError, IndexError, TypeError):
            raise NvdItemError(f"{cve_id}: {key} vector {vector!r} is not valid") from None
        return str(vector)
    return None


def read_nvd(paths: Iterable[Path], problems: Problems) -> Iterator[dict[str, Any]]:
    """The rows of NVD feed files, item by item; a refused item is a problem named by
    its file and CVE (or position), a file that breaks off one more."""
    for path in paths:
        position = -1
        try:
            with open_feed(path) as raw:
                for position, item in enumerate(ijson.items(raw, "vulnerabilities.item")):
                    try:
                        yield nvd_row(item)
                    except NvdItemError as exc:
                        problems.add(f"{path.name} vulnerabilities[{position}]", str(exc))
        except (ijson.JSONError, ijson.IncompleteJSONError, OSError, EOFError) as exc:
            problems.add(f"{path.name} after item {position + 1}", f"unreadable: {exc}")
            problems.truncated = True


def import_nvd(
    database: Database, paths: list[Path], progress: Any = None, origin: str | None = None
) -> FeedStats:
    """Import NVD feed files, incrementally (an unchanged CVE writes nothing; an entry
    older than the stored one, as a yearly file read after ``-modified``, neither), then
    re-analyse the vulnerabilities whose scores or weaknesses changed. ``origin`` names
    where the files came from (default: their paths)."""
    problems = Problems()
    newest: list[datetime] = []

    def rows() -> Iterator[dict[str, Any]]:
        for row in read_nvd(paths, problems):
            if not newest or row["last_modified"] > newest[0]:
                newest[:] = [row["last_modified"]]
            yield row

    return import_feed(
        database,
        "nvd",
        origin or ", ".join(str(p) for p in paths),
        NvdCve,
        rows(),
        problems,
        whole_catalog=False,
        newest=lambda: newest[0].isoformat() if newest else None,
        progress=progress,
    )

"""FIRST's EPSS: the probability that a CVE is exploited in the next 30 days.

The daily file (``epss_scores-YYYY-MM-DD.csv.gz``, https://www.first.org/epss/data_stats)
is a comment line ``#model_version:…,score_date:…``, a header ``cve,epss,percentile``,
then one line per scored CVE. It lists every CVE FIRST scores, so an import replaces
the previous one (a CVE no longer listed loses its score).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from depvault.ingest.knowledge.feeds import FeedStats, Problems, import_feed, open_feed
from depvault.store.engine.db import Database
from depvault.store.models import EpssScore

__all__ = ["EpssFile", "import_epss"]

CVE = re.compile(r"CVE-\d{4}-\d{4,}")
HEADER = ["cve", "epss", "percentile"]


class EpssFile:
    """The rows of an EPSS file, read as they are iterated; malformed lines go to
    ``problems`` named by their line number. ``score_date`` is the comment's date."""

    def __init__(self, path: Path, problems: Problems) -> None:
        self.path, self.problems = path, problems
        self.score_date: str | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with open_feed(self.path) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            lines = csv.reader(text)
            number = 0
            try:
                for number, line in enumerate(lines, start=1):
                    row = self._line(line, number)
                    if row is not None:
                        yield row
            except (OSError, EOFError, csv.Error) as exc:  # a truncated or corrupt file
                self.problems.add(f"{self.path.name} line {number + 1}", f"unreadable: {exc}")
                self.problems.truncated = True

    def _line(self, line: list[str], number: int) -> dict[str, Any] | None:
        if not line or (len(line) == 1 and not line[0].strip()):
            return None
        if line[0].startswith("#"):
            self._comment(",".join(line))
            return None
        if [c.strip().lower() for c in line] == HEADER:
            return None
        return self._row(line, f"{self.path.name} line {number}")

    def _comment(self, text: str) -> None:
        for part in text.lstrip("#").split(","):
            name, _, value = part.partition(":")
            if name.strip() == "score_date" and value.strip():
                self.score_date = value.strip()

    def _row(self, line: list[str], where: str) -> dict[str, Any] | None:
        if len(line) != 3:
            self.problems.add(where, f"expected 3 fields (cve,epss,percentile), got {len(line)}")
            return None
        cve, epss, percentile = (field.strip() for field in line)
        if not CVE.fullmatch(cve):
            self.problems.add(where, f"{cve!r} is not a CVE id")
            return None
        try:
            score, rank = float(epss), float(percentile)
        except ValueError:
            self.problems.add(where, f"{epss!r} or {percentile!r} is not a number")
            return None
        if not (0.0 <= score <= 1.0 and 0.0 <= rank <= 1.0):
            self.problems.add(where, "epss and percentile must lie between 0 and 1")
            return None
        return {"cve": cve, "epss": score, "percentile": rank}


def import_epss(database: Database, path: Path, origin: str | None = None) -> FeedStats:
    """Import an EPSS file (the whole catalog), then re-analyse what changed; ``origin``
    names where it came from (default: its path)."""
    problems = Problems()
    rows = EpssFile(path, problems)
    return import_feed(
        database,
        "epss",
        origin or str(path),
        EpssScore,
        rows,
        problems,
        whole_catalog=True,
        newest=lambda: rows.score_date,
    )

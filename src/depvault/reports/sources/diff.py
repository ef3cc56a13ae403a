"""The Diff reports' rows: the inventory history of the scope's projects.

Every inventory write records what it brought in and took out (``inventory_changes``).
A row is one change of one project at one update, newest first; a package whose version
changed in an update (one version out, one in) is one UPDATED row, from the old version
to the new, instead of a REMOVED and an ADDED one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from pydantic import field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.timefmt import format_timestamp, parse_timestamp
from depvault.reports.filters import NoFilter
from depvault.reports.sources.core import in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import InventoryChange, Library, Product, Project

__all__ = ["DiffFilter", "diff_rows"]


class DiffFilter(NoFilter):
    """``fromDate`` / ``toDate`` (``yyyy-MM-dd[ HH:mm:ss]``, GMT, both included) narrow
    the history to the updates made between them."""

    from_date: str | None = None
    to_date: str | None = None

    @field_validator("from_date", "to_date")
    @classmethod
    def _timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            parse_timestamp(value)  # raises ValueError naming the format
        return value


def diff_rows(db: Session, which: ProjectFilter, options: Any = None) -> Iterator[Sequence[object]]:
    """Product, project, date, change, library, type, from version, to version, key."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            InventoryChange.project_id,
            InventoryChange.at,
            InventoryChange.change,
            InventoryChange.write_key,
            Library.ecosystem,
            Library.group_id,
            Library.name,
            Library.version,
            Library.filename,
            Library.library_type,
            Library.key_uuid,
        )
        .select_from(InventoryChange)
        .join(Project, Project.id == InventoryChange.project_id)
        .join(Library, Library.id == InventoryChange.library_id),
        which,
    )
    start = getattr(options, "from_date", None)
    end = getattr(options, "to_date", None)
    if start:
        statement = statement.where(InventoryChange.at >= parse_timestamp(start))
    if end:
        statement = statement.where(InventoryChange.at <= _end_of(end))
    # a project's writes never interleave (its row is locked), so its changes in id order
    # are its writes in order, each a contiguous run
    statement = statement.order_by(InventoryChange.project_id, InventoryChange.id.desc())
    rows = (row for chunk in stream_chunks(db, statement) for row in chunk)
    for _, update in groupby(rows, key=lambda row: (row[2], row[5])):
        yield from _update_rows(list(update))


def _end_of(text: str) -> datetime:
    """A date alone ends with its last second."""
    moment = parse_timestamp(text)
    if len(text.strip()) <= len("yyyy-MM-dd"):
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment


def _update_rows(changes: list[Sequence[Any]]) -> Iterator[Sequence[object]]:
    """The rows of one update of one project, by library name."""
    by_package: dict[tuple[str, str | None, str], dict[str, list[Sequence[Any]]]] = defaultdict(
        lambda: {"ADDED": [], "REMOVED": []}
    )
    for change in changes:
        by_package[(change[6], change[7], change[8])][change[4]].append(change)
    for _, sides in sorted(by_package.items(), key=lambda item: (item[0][2], item[0][1] or "")):
        added, removed = sides["ADDED"], sides["REMOVED"]
        if len(added) == 1 and len(removed) == 1:
            new, old = added[0], removed[0]
            yield _row(new, "UPDATED", old[9], new[9])
            continue
        for old in removed:
            yield _row(old, "REMOVED", old[9], None)
        for new in added:
            yield _row(new, "ADDED", None, new[9])


def _row(
    change: Sequence[Any], kind: str, before: str | None, after: str | None
) -> Sequence[object]:
    product, project, _, at, _, _, _, _, _, _, filename, library_type, key_uuid = change
    return (
        product, project, format_timestamp(at), kind, filename, library_type,
        before or "", after or "", key_uuid,
    )  # fmt: skip

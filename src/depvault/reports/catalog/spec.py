"""What a report type is: its spec (columns, row source, JSON root, filter, formats) and
its name at a scope; the interface document reports share."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple, Protocol

from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.reports.filters import NoFilter
from depvault.reports.formats.xlsx import Column
from depvault.store.inventories.hierarchy import ProjectFilter

FORMATS = ("xlsx", "json", "xml", "pdf")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
Source = Callable[[Session, ProjectFilter, Any], Iterator[Sequence[object]]]


class Document(Protocol):
    """A document writer: the whole file of a report, in ``fmt`` (one of the formats its
    spec offers), into ``target``; ``title`` names the scope. Returns how many items it
    holds."""

    def __call__(
        self,
        db: Session,
        which: ProjectFilter,
        options: Any,
        target: BinaryIO,
        title: str,
        *,
        fmt: str,
    ) -> int: ...


class Offered(NamedTuple):
    """The formats a report is offered in, and what in its options decides them
    (``"standard SPDX"``; empty when they do not depend on options)."""

    formats: tuple[str, ...]
    given: str = ""

    def refusal(self, report: str) -> str:
        """Why another format of ``report`` is refused: the formats there are."""
        given = f" with {self.given}" if self.given else ""
        return f"{report}{given} is offered as {', '.join(self.formats)}"


@dataclass(frozen=True)
class ReportSpec:
    """What a report is, whatever its scope."""

    key: str
    title: str
    columns: tuple[Column, ...] = ()
    source: Source | None = None
    root: str = "rows"
    item: str = "row"
    formats: tuple[str, ...] = FORMATS
    filter: type[NoFilter] = NoFilter
    # JSON rows as API objects (``reports.json_rows``) instead of one key per column: a
    # converter of the whole row stream, so it may share work between rows.
    json_objects: Callable[[Iterable[Sequence[Any]]], Iterator[dict[str, Any]]] | None = None
    # A report that is one document rather than a table (an SBOM): it writes the whole
    # file itself, in the format requested, and returns how many items it holds.
    document: Document | None = None
    # When the formats depend on the options (the SBOM's ``standard``): those the
    # validated options offer, a subset of ``formats`` (which then lists them all).
    formats_for: Callable[[Any], Offered] | None = None
    # Why a report is always empty (depvault holds no such data); empty for the others.
    always_empty: str = ""

    def offered(self, options: Any) -> Offered:
        """The formats this report is offered in with these validated options."""
        return self.formats_for(options) if self.formats_for is not None else Offered(self.formats)

    def default_format(self, options: Any) -> str:
        """The format of a request that names none (document 003): xlsx where it is
        offered, else the first offered."""
        formats = self.offered(options).formats
        return "xlsx" if "xlsx" in formats else formats[0]

    @property
    def built(self) -> bool:
        return self.source is not None or self.document is not None


@dataclass(frozen=True)
class ReportType:
    """One ``reportType`` value: its name, scope level and report."""

    name: str
    level: Level
    spec: ReportSpec

    @property
    def process_type(self) -> str:
        """``ProjectInventoryReport`` → ``PROJECT_INVENTORY_REPORT`` (as Mend spells
        ``PROJECT_SBOM_REPORT``)."""
        return _WORD_BREAK.sub("_", self.name).upper()

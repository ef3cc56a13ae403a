"""The Attribution report: what legal teams turn into third-party notices, for a product
or a project (``getProductAttributionReport``, ``getProjectAttributionReport``, and the
asynchronous ``ProductAttributionReport`` / ``AttributionReport``).

Its options are the SDK's (catalog §5), each checked here once for both paths; a value
is matched in any case. Missing ones take the SDK's defaults, as the synchronous reports
take a default ``format``: ``BY_PROJECT``, every reporting scope, ``BLANK``,
``LICENSE_SECTION``, versions included. ``reportingScope`` may name several scopes
separated by commas (Mend's own filter example: ``"SUMMARY, LICENSES, COPYRIGHTS"``).

What each scope adds (the JSON keys; TXT and HTML show the same as sections):

- SUMMARY: ``summary`` {projects, libraries, licenses, librariesWithoutLicense,
  byLicense {<license id>: entries}};
- LICENSES: ``detail`` {<license id>: [{library, version?, project?, licenses:
  [{license, licenseText}]}]} (mend-sbom-export-cli reads it; libraries without a
  license come under "" with BLANK, under "Generic License" with GENERIC_LICENSE), and
  ``licenses`` [{license, name, url, libraries, licenseText?}]: with
  ``APPENDIX_SECTION`` the texts are there, once, and ``licenseText`` is null in
  ``detail``;
- PRIMARY_ATTRIBUTES, COPYRIGHTS, NOTICES: ``libraries`` [{library, version?, project?,
  copyrights?: [text], notices?: [{text, reference}]}]: identity always, copyrights
  with COPYRIGHTS, notices with NOTICES.

``version`` is there with ``includeVersions`` (its versions merged into one entry per
name without it), ``project`` with ``BY_PROJECT`` (entries ordered by project). The
caller's ``reportTitle``, ``reportHeader``, ``reportFooter`` come back under those keys,
and ``customAttribute`` as {name, value}: the attribute's value on the product or
project reported (depvault keeps no library-level attributes); each key only when given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from itertools import chain, groupby, islice
from operator import itemgetter
from typing import Any, BinaryIO, Final, TypeVar

from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from depvault.reports.attribution import reads
from depvault.reports.attribution.documents import HtmlSyntax, TextSyntax
from depvault.reports.attribution.json_document import JsonSyntax
from depvault.reports.attribution.model import (
    Entry,
    Head,
    Layout,
    LicensedGroup,
    LicenseUse,
    Summary,
    Syntax,
)
from depvault.reports.filters import NoFilter
from depvault.reports.sbom.labels import library_labels, spdx_safe
from depvault.store.inventories.hierarchy import ProjectFilter

__all__ = ["EXPORT_FORMATS", "MEDIA_TYPES", "AttributionFilter", "write_attribution"]

BY_COMPONENT: Final = "BY_COMPONENT"
BY_PROJECT: Final = "BY_PROJECT"
SUMMARY, LICENSES, COPYRIGHTS, NOTICES = "SUMMARY", "LICENSES", "COPYRIGHTS", "NOTICES"
PRIMARY_ATTRIBUTES: Final = "PRIMARY_ATTRIBUTES"
REPORTING_SCOPES: Final = (SUMMARY, LICENSES, COPYRIGHTS, NOTICES, PRIMARY_ATTRIBUTES)
_LIBRARY_SCOPES: Final = frozenset({COPYRIGHTS, NOTICES, PRIMARY_ATTRIBUTES})
BLANK, GENERIC_LICENSE = "BLANK", "GENERIC_LICENSE"
LICENSE_SECTION, APPENDIX_SECTION = "LICENSE_SECTION", "APPENDIX_SECTION"
# How a library without a license shows with GENERIC_LICENSE.
GENERIC: Final = "Generic License"
GENERIC_TEXT: Final = (
    "No license was identified for this library. It is used under the terms its authors "
    "distribute it with: read them in the library's own distribution."
)

# ``exportFormat`` (any case) → its syntax; the keys are what ``write_attribution`` takes.
EXPORT_FORMATS: Final[dict[str, Callable[[BinaryIO, Layout], Syntax]]] = {
    "json": JsonSyntax,
    "txt": TextSyntax,
    "html": HtmlSyntax,
}
# Text carries its charset: the SDK reads a body as text only when the type names one.
MEDIA_TYPES: Final = {
    "json": "application/json",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
T = TypeVar("T")


def _either(accepted: Iterable[str]) -> str:
    *head, last = accepted
    return f"{', '.join(head)} or {last}"


def _one_of(value: object, accepted: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    if isinstance(value, str) and value.strip().upper() in accepted:
        return value.strip().upper()
    raise ValueError(f"expected {_either(accepted)}")


class AttributionFilter(NoFilter):
    """The report's options, the same for the synchronous requests and the asynchronous
    ``filter``; wire names are camelCase (``reportingAggregationMode`` …)."""

    reporting_aggregation_mode: str = BY_PROJECT
    reporting_scope: tuple[str, ...] = REPORTING_SCOPES
    missing_license_display_option: str = BLANK
    license_reference_text_placement: str = LICENSE_SECTION
    include_versions: bool = True
    report_header: str | None = Field(default=None, max_length=10_000)
    report_title: str | None = Field(default=None, max_length=1_000)
    report_footer: str | None = Field(default=None, max_length=10_000)
    custom_attribute: str | None = Field(default=None, max_length=255)

    @field_validator("reporting_aggregation_mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> str:
        return _one_of(value, (BY_COMPONENT, BY_PROJECT), BY_PROJECT)

    @field_validator("missing_license_display_option", mode="before")
    @classmethod
    def _missing(cls, value: object) -> str:
        return _one_of(value, (BLANK, GENERIC_LICENSE), BLANK)

    @field_validator("license_reference_text_placement", mode="before")
    @classmethod
    def _placement(cls, value: object) -> str:
        return _one_of(value, (LICENSE_SECTION, APPENDIX_SECTION), LICENSE_SECTION)

    @field_validator("reporting_scope", mode="before")
    @classmethod
    def _scopes(cls, value: object) -> tuple[str, ...]:
        """One scope, or several separated by commas (or in a list); none means all."""
        parts = value.split(",") if isinstance(value, str) else value
        if parts is None:
            return REPORTING_SCOPES
        named: set[str] = set()
        for part in parts if isinstance(parts, list | tuple) else [parts]:
            if isinstance(part, str) and not part.strip():
                continue
            if not isinstance(part, str) or part.strip().upper() not in REPORTING_SCOPES:
                raise ValueError(
                    f"expected {_either(REPORTING_SCOPES)}, or several separated by commas"
                )
            named.add(part.strip().upper())
        return tuple(s for s in REPORTING_SCOPES if s in named) or REPORTING_SCOPES

    @field_validator("include_versions", mode="before")
    @classmethod
    def _versions(cls, value: object) -> bool:
        if value is None or isinstance(value, bool):
            return value is not False
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError("expected True or False")


@dataclass
class _Reading:
    """Counts the rows read from the database, reading at most ``limit + 1``: a caller
    refusing reports over ``limit`` sees the count pass it (merging versions may write
    fewer entries than were read, so what is written is not the measure)."""

    limit: int | None
    rows: int = 0

    def __call__(self, rows: Iterable[T]) -> Iterator[T]:
        for row in rows if self.limit is None else islice(rows, self.limit + 1):
            self.rows += 1
            yield row


def write_attribution(
    db: Session,
    which: ProjectFilter,
    options: Any,
    target: BinaryIO,
    title: str,
    *,
    fmt: str = "json",
    limit: int | None = None,
) -> int:
    """Write the report of the scope (``title`` names it) in ``fmt``, a key of
    :data:`EXPORT_FORMATS`; returns how many rows its longest section read. With
    ``limit``, each section reads at most ``limit + 1`` rows and the document is cut
    there: a caller refusing reports over ``limit`` discards it."""
    opts = options if isinstance(options, AttributionFilter) else AttributionFilter()
    scopes = set(opts.reporting_scope)
    by_project = opts.reporting_aggregation_mode == BY_PROJECT
    versions = opts.include_versions
    layout = Layout(
        versions=versions,
        projects=by_project,
        copyrights=COPYRIGHTS in scopes,
        notices=NOTICES in scopes,
        texts_inline=opts.license_reference_text_placement == LICENSE_SECTION,
    )
    out = EXPORT_FORMATS[fmt](target, layout)
    out.head(_head(db, which, opts, title))
    counts = (
        reads.license_counts(db, which, by_project=by_project, by_version=versions)
        if scopes & {SUMMARY, LICENSES}
        else {}
    )
    if SUMMARY in scopes:
        out.summary(_summary(db, which, counts, by_project=by_project, by_version=versions))
    read = 0
    if scopes & _LIBRARY_SCOPES:
        read = _libraries(db, which, opts, out, limit)
    uses: list[LicenseUse] | None = None
    if LICENSES in scopes:
        uses = reads.license_uses(counts)
        read = max(read, _detail(db, which, opts, out, uses, counts, limit))
    out.end(uses, opts.report_footer)
    return read


def _libraries(
    db: Session, which: ProjectFilter, opts: AttributionFilter, out: Syntax, limit: int | None
) -> int:
    """The ``libraries`` section; returns the rows it read."""
    by_project = opts.reporting_aggregation_mode == BY_PROJECT
    notices = NOTICES in opts.reporting_scope
    org = reads.organization_of(db, which) if notices else None
    reading = _Reading(limit)
    labels = library_labels(db, which)
    entries = reads.library_entries(db, which, labels, by_project=by_project, notices_of=org)
    with closing(entries):  # closed when cut short: the next queries use the connection
        out.libraries(_versions(reading(entries), opts.include_versions))
    return reading.rows


def _detail(
    db: Session,
    which: ProjectFilter,
    opts: AttributionFilter,
    out: Syntax,
    uses: list[LicenseUse],
    counts: dict[str, int],
    limit: int | None,
) -> int:
    """The ``detail`` section (``uses`` gains the generic license when it shows);
    returns the rows it read."""
    generic = opts.missing_license_display_option == GENERIC_LICENSE
    if generic and counts.get(reads.NO_LICENSE):
        uses.append(LicenseUse(GENERIC, GENERIC, None, GENERIC_TEXT, counts[reads.NO_LICENSE]))
    by_project = opts.reporting_aggregation_mode == BY_PROJECT
    reading = _Reading(limit)
    pairs = reads.licensed_entries(db, which, library_labels(db, which), by_project=by_project)
    with closing(pairs):
        groups = _groups(reading(pairs), versions=opts.include_versions, generic=generic)
        out.detail(groups, {use.license_id: use for use in uses})
    return reading.rows


def _head(db: Session, which: ProjectFilter, opts: AttributionFilter, scope: str) -> Head:
    attribute = None
    if opts.custom_attribute:
        name = opts.custom_attribute
        attribute = (name, reads.custom_attribute_value(db, which, name))
    return Head(scope, opts.report_title, opts.report_header, attribute)


def _summary(
    db: Session, which: ProjectFilter, counts: dict[str, int], *, by_project: bool, by_version: bool
) -> Summary:
    by_license = tuple(sorted((k, n) for k, n in counts.items() if k != reads.NO_LICENSE))
    return Summary(
        projects=reads.project_count(db, which),
        libraries=reads.entry_count(db, which, by_project=by_project, by_version=by_version),
        licenses=len(by_license),
        without_license=counts.get(reads.NO_LICENSE, 0),
        by_license=by_license,
    )


def _versions(entries: Iterable[Entry], shown: bool) -> Iterable[Entry]:
    """The entries as they are, or without versions: the versions of one name (in one
    project) merged into one entry holding all their licenses, copyrights and notices
    (they come one after the other, ordered by name)."""
    if shown:
        return entries
    return (_merged(list(same)) for _, same in groupby(entries, key=lambda e: (e.project, e.name)))


def _merged(same: list[Entry]) -> Entry:
    first = same[0]
    return replace(
        first,
        version=None,
        label=spdx_safe(first.name),  # every version of the name: its name alone
        licenses=tuple(sorted(set(chain.from_iterable(e.licenses for e in same)))),
        copyrights=tuple(dict.fromkeys(chain.from_iterable(e.copyrights for e in same))),
        notices=tuple(dict.fromkeys(chain.from_iterable(e.notices for e in same))),
    )


def _groups(
    pairs: Iterable[tuple[str, Entry]], *, versions: bool, generic: bool
) -> Iterator[LicensedGroup]:
    """The ``detail`` groups: the entries under each license key. With GENERIC_LICENSE
    the libraries without a license come under the generic one, showing it."""
    for key, group in groupby(pairs, key=itemgetter(0)):
        entries = _versions((entry for _, entry in group), versions)
        if generic and key == reads.NO_LICENSE:
            yield GENERIC, (e if e.licenses else replace(e, licenses=(GENERIC,)) for e in entries)
        else:
            yield key, entries

"""The values the Attribution report is made of, and the one interface its formats share.

``reports/attribution/report.py`` reads them (``reports/attribution/reads.py``) and feeds them,
in document order, to the :class:`Syntax` of the requested format (JSON, TXT, HTML): a
syntax writes as it is fed, so no report is ever held whole in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Entry", "Head", "Layout", "LicenseUse", "LicensedGroup", "Notice", "Summary", "Syntax"]


@dataclass(frozen=True, slots=True)
class Notice:
    """An organization's notice of a library (``setLibraryNotice``)."""

    text: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One library as the report lists it: in one project (``BY_PROJECT``) or once for
    the whole scope (``BY_COMPONENT``, ``project`` None). ``version`` is None when the
    report leaves versions out (``includeVersions`` False), and then an entry stands for
    every version of the name. ``licenses`` are SPDX ids (or ``LicenseRef-``).
    ``label`` is the name the JSON gives as ``library``: the one the SPDX export's
    package id carries (``reports/sbom/labels.py``)."""

    project: str | None
    name: str
    version: str | None
    licenses: tuple[str, ...]
    copyrights: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()
    label: str = ""


@dataclass(frozen=True, slots=True)
class LicenseUse:
    """A license of the scope as the report shows it, with how many entries it covers;
    ``text`` is None when no text is known (a custom ``LicenseRef``)."""

    license_id: str
    name: str
    url: str | None
    text: str | None
    entries: int


# The entries under one key of the ``detail`` map: a license id, or "" for the
# libraries without one (``missingLicenseDisplayOption`` BLANK).
LicensedGroup = tuple[str, Iterable[Entry]]


@dataclass(frozen=True)
class Head:
    """What precedes the report's sections. ``title`` and ``header`` are the caller's
    (None when not given); ``scope`` names the product or project; ``attribute`` is
    (custom attribute name, its value on the scope or None)."""

    scope: str
    title: str | None
    header: str | None
    attribute: tuple[str, str | None] | None


@dataclass(frozen=True)
class Summary:
    """The counts of the SUMMARY scope; ``libraries`` counts the report's entries (per
    project with ``BY_PROJECT``), ``by_license`` the entries under each license."""

    projects: int
    libraries: int
    licenses: int
    without_license: int
    by_license: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Layout:
    """What every entry shows, decided once from the options: the version, the project
    (``BY_PROJECT``), copyrights (COPYRIGHTS), notices (NOTICES), and whether license
    texts go with each license (``LICENSE_SECTION``) or into an appendix."""

    versions: bool
    projects: bool
    copyrights: bool
    notices: bool
    texts_inline: bool


class Syntax(Protocol):
    """One output format of the report, fed in document order: ``head``, then the
    sections the reporting scopes ask for (``summary``, ``libraries``, ``detail``), then
    ``end``. ``licenses`` maps each license id of the entries to what the report shows
    of it; ``end`` gets the licenses of the scope (None when LICENSES is not asked for)
    and the caller's footer."""

    def head(self, head: Head) -> None: ...
    def summary(self, summary: Summary) -> None: ...
    def libraries(self, entries: Iterable[Entry]) -> None: ...
    def detail(
        self, groups: Iterable[LicensedGroup], licenses: Mapping[str, LicenseUse]
    ) -> None: ...
    def end(self, licenses: Sequence[LicenseUse] | None, footer: str | None) -> None: ...

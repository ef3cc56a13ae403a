"""Reports of data depvault does not hold (``reports.always_empty``): their headers and
no rows, in every format of their family."""

from __future__ import annotations

from depvault.reports import always_empty
from depvault.reports.always_empty import no_rows
from depvault.reports.catalog.spec import ReportSpec
from depvault.reports.formats.xlsx import Column


def _empty(family: tuple[str, str, tuple[Column, ...], str, str, str]) -> ReportSpec:
    key, title, columns, root, item, reason = family
    return ReportSpec(key, title, columns, no_rows, root=root, item=item, always_empty=reason)


BUGS = _empty(always_empty.BUGS)
CONTAINER_VULNERABILITY = _empty(always_empty.CONTAINER_VULNERABILITY)
CLUSTER_INVENTORY = _empty(always_empty.CLUSTER_INVENTORY)
EFFECTIVE_USAGE = _empty(always_empty.EFFECTIVE_USAGE)

"""The Product and Project Comparison reports (catalog §6.4.1): how two products' (or
two projects') current inventories differ, one row per package, the question "what
does release B change compared to release A". The rule is
``domain/inventory_comparison.py``; each side is read by ``store/inventories/comparison_reads.py``.

Names and parameters are the request catalog's best reconstruction, not a verified
spelling: Mend's documentation lists "Product Comparison report" and "Project
Comparison report" in its table of contents only, and the catalog marks
``getProductsComparisonReport`` (``sourceProductToken``, ``targetProductToken``) and
``getProjectsComparisonReport`` (``sourceProjectToken``, ``targetProjectToken``)
"NAME & PARAMS UNVERIFIED". Both are organization requests answering xlsx (the
catalog's format, the default) or, with ``format: json``, ``{"comparison": [...]}``
as the other synchronous reports answer their rows.

Both tokens must name a product (project) of the call's organization: a missing or
empty one is a missing parameter, an unknown one an invalid token, another
organization's one does not belong to the organization (as the edge says of a scope
token), each naming the parameter. One token on both sides is allowed: every package
is UNCHANGED.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import Field

from depvault.api.authorize import require_visible
from depvault.api.call import Call
from depvault.api.request_types import (
    BinaryResult,
    Category,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Level
from depvault.domain.inventory_comparison import ComparisonRow, compare_inventories
from depvault.domain.scope import Ref
from depvault.errors import (
    InvalidParameter,
    MissingParameter,
    ReportTooLarge,
    TokenMismatch,
    UnknownToken,
)
from depvault.reports.engine import MEDIA_TYPES, Column, member_name, xlsx_bytes
from depvault.store.inventories.comparison_reads import package_holdings
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.organizations.scopes import resolve_token

__all__ = ["REQUEST_TYPES"]

FORMATS = ("xlsx", "json")

COLUMNS = (
    Column("Library", 32),
    Column("Group", 24),
    Column("Type", 14),
    Column("Source Version(s)", 18),
    Column("Target Version(s)", 18),
    Column("Change", 12),
    Column("Source Licenses", 28),
    Column("Target Licenses", 28),
    Column("Source Open Security Alerts", 12, "number"),
    Column("Target Open Security Alerts", 12, "number"),
)

SUMMARY = (
    "How two {nouns}' current inventories differ, one row per package (same ecosystem, "
    "group and name) either side holds: xlsx (default) or format json "
    '{{"comparison": [{{library, groupId, type, sourceVersions, targetVersions, change, '
    "sourceLicenses, targetLicenses, sourceOpenSecurityAlerts, "
    "targetOpenSecurityAlerts}}]}}. change: ADDED, REMOVED, UPGRADED, DOWNGRADED (one "
    "version each side, in the ecosystem's order), CHANGED (versions that cannot be "
    "ordered, or several on a side); UNCHANGED rows only with includeUnchanged true. "
    "Name and parameters unverified (the catalog's reconstruction)."
)


class Comparison(Params):
    format: str | None = Field(default=None, max_length=10)
    include_unchanged: bool = False

    def sides(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """(parameter, token) of the source, then of the target."""
        raise NotImplementedError


class ProductsComparison(Comparison):
    source_product_token: str = Field(max_length=100)
    target_product_token: str = Field(max_length=100)

    def sides(self) -> tuple[tuple[str, str], tuple[str, str]]:
        return (
            ("sourceProductToken", self.source_product_token),
            ("targetProductToken", self.target_product_token),
        )


class ProjectsComparison(Comparison):
    source_project_token: str = Field(max_length=100)
    target_project_token: str = Field(max_length=100)

    def sides(self) -> tuple[tuple[str, str], tuple[str, str]]:
        return (
            ("sourceProjectToken", self.source_project_token),
            ("targetProjectToken", self.target_project_token),
        )


def _side(call: Call, level: Level, parameter: str, token: str) -> Ref:
    """The product or project ``token`` names, if it is of the call's organization and
    the caller sees it; otherwise the error naming ``parameter``."""
    if not token.strip():
        raise MissingParameter(parameter)
    scope = resolve_token(call.db, level, token)
    if scope is None:
        raise UnknownToken(parameter)
    org = scope.ref(Level.ORG)
    if org is None or org.id != call.org.id:
        require_visible(call.db, call.caller, scope, parameter)
        raise TokenMismatch(parameter, "organization")
    if not call.sees_product(scope.require(Level.PRODUCT).id):
        # a product role sees its own products only: the others do not exist for it
        raise UnknownToken(parameter)
    return scope.require(level)


def _json(row: ComparisonRow) -> dict[str, Any]:
    return {
        "library": row.package.name,
        "groupId": row.package.group,
        "type": row.library_type,
        "sourceVersions": list(row.source_versions),
        "targetVersions": list(row.target_versions),
        "change": row.change.value,
        "sourceLicenses": list(row.source_licenses),
        "targetLicenses": list(row.target_licenses),
        "sourceOpenSecurityAlerts": row.source_open_alerts,
        "targetOpenSecurityAlerts": row.target_open_alerts,
    }


def _cells(rows: Iterable[ComparisonRow]) -> Iterable[Sequence[object]]:
    for row in rows:
        yield (
            row.package.name,
            row.package.group,
            row.library_type,
            ", ".join(row.source_versions),
            ", ".join(row.target_versions),
            row.change.value,
            ", ".join(row.source_licenses),
            ", ".join(row.target_licenses),
            row.source_open_alerts,
            row.target_open_alerts,
        )


def _comparison(level: Level, report: str, title: str) -> Callable[[Call, Comparison], Result]:
    """The handler comparing the two scopes of ``level`` the parameters name."""
    noun = "product" if level is Level.PRODUCT else "project"

    def handler(call: Call, params: Comparison) -> Result:
        fmt = (params.format or FORMATS[0]).strip().lower()
        if fmt not in FORMATS:
            raise InvalidParameter("format", f"this report is offered as {', '.join(FORMATS)}")
        sides = [_side(call, level, parameter, token) for parameter, token in params.sides()]
        source, target = sides
        holdings = [
            package_holdings(
                call.db,
                ProjectFilter(product_id=side.id)
                if level is Level.PRODUCT
                else ProjectFilter(project_id=side.id),
            )
            for side in sides
        ]
        rows = compare_inventories(*holdings, include_unchanged=params.include_unchanged)
        limit = call.config.sync_report_max_rows
        if len(rows) > limit:
            raise ReportTooLarge(
                f"The comparison has more than {limit} rows (DEPVAULT_SYNC_REPORT_MAX_ROWS): "
                f"compare smaller {noun}s, or leave out includeUnchanged"
            )
        if fmt == "json":
            return {"comparison": [_json(row) for row in rows]}
        body = xlsx_bytes(title, COLUMNS, _cells(rows))
        name = member_name(report, f"{source.name}_vs_{target.name}", source.id, "xlsx")
        return BinaryResult(MEDIA_TYPES["xlsx"], body, name)

    handler.__doc__ = (
        f"The {title} report: how the target {noun}'s inventory differs from the "
        f"source {noun}'s, one row per package (xlsx, or json)."
    )
    return handler


REQUEST_TYPES = in_category(
    Category.REPORTS,
    [
        RequestType(
            "getProductsComparisonReport",
            Level.ORG,
            ProductsComparison,
            _comparison(Level.PRODUCT, "ProductsComparisonReport", "Product Comparison"),
            summary=SUMMARY.format(nouns="products"),
        ),
        RequestType(
            "getProjectsComparisonReport",
            Level.ORG,
            ProjectsComparison,
            _comparison(Level.PROJECT, "ProjectsComparisonReport", "Project Comparison"),
            summary=SUMMARY.format(nouns="projects"),
        ),
    ],
)

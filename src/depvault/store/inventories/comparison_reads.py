"""One side of an inventory comparison (``domain.inventory_comparison``): the packages a
product's or project's inventories hold, with their versions, licenses and open
security alerts.

Three statements whatever the size of the side, each grouped in the database: a
product of a million library rows hands Python one row per distinct library (and per
license of one, and per package with alerts), never one per project occurrence.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.domain.inventory_comparison import Holding, PackageKey
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.library_reads import scope_library_ids
from depvault.store.models import Alert, Library, LibraryLicense, Project

__all__ = ["package_holdings"]

_PACKAGE = (Library.ecosystem, Library.group_id, Library.name)


def package_holdings(db: Session, which: ProjectFilter) -> dict[PackageKey, Holding]:
    """Every package the projects of ``which`` hold: its versions ("" for a library
    without one), its libraries' license names and its Active security alerts (one per
    project, library and vulnerability, as alert listings count them)."""
    in_scope: ColumnElement[bool] = Library.id.in_(scope_library_ids(which))
    versions: dict[PackageKey, set[str]] = defaultdict(set)
    types: dict[PackageKey, str] = {}
    for ecosystem, group, name, version, kind in db.execute(
        select(*_PACKAGE, Library.version, Library.library_type).where(in_scope).distinct()
    ):
        key = PackageKey(ecosystem, group or "", name)
        versions[key].add(version or "")
        # one type per package, whichever the rows' order
        types[key] = min(kind, types.get(key, kind))
    licenses: dict[PackageKey, set[str]] = defaultdict(set)
    for ecosystem, group, name, license_name in db.execute(
        select(*_PACKAGE, LibraryLicense.name)
        .join(LibraryLicense, LibraryLicense.library_id == Library.id)
        .where(in_scope)
        .distinct()
    ):
        licenses[PackageKey(ecosystem, group or "", name)].add(license_name)
    alerts: dict[PackageKey, int] = {}
    for ecosystem, group, name, count in db.execute(
        select(*_PACKAGE, func.count())
        .select_from(Alert)
        .join(Project, Project.id == Alert.project_id)
        .join(Library, Library.id == Alert.library_id)
        .where(
            *which.clauses(),
            Alert.type == AlertType.SECURITY_VULNERABILITY.value,
            Alert.status == AlertStatus.ACTIVE.value,
        )
        .group_by(*_PACKAGE)
    ):
        alerts[PackageKey(ecosystem, group or "", name)] = int(count)
    return {
        key: Holding(
            library_type=types[key],
            versions=frozenset(held),
            licenses=frozenset(licenses.get(key, ())),
            open_alerts=alerts.get(key, 0),
        )
        for key, held in versions.items()
    }

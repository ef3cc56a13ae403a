"""Writing a project's inventory: set-based, in a fixed number of statements.

An import of any size costs the same handful of statements (``store.bulk``: COPY on
PostgreSQL, executemany on SQLite, and key lookups through one join), never one query
per component: this is what lets a 10,000-component SBOM land in well under 3 s
(``docs/performance.md``). Deletes of listed libraries go in chunks of :data:`CHUNK`. The caller's
transaction makes the write atomic: a failure anywhere leaves the previous inventory
as it was.
"""

from __future__ import annotations

import secrets
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from depvault.domain.identity import LibraryIdentity, identify
from depvault.domain.inventory import Component, Inventory
from depvault.domain.osv.packages import osv_package
from depvault.store.engine.bulk import bulk_insert, ids_by_key
from depvault.store.models import (
    InventoryChange,
    Library,
    LibraryLicense,
    LibraryLocation,
    Product,
    Project,
    ProjectDependency,
    ProjectLibrary,
    SourceFileRow,
)

__all__ = ["CHUNK", "LicenseFacts", "UpdateType", "WriteResult", "write_inventory"]

CHUNK = 2000


class UpdateType(StrEnum):
    """How an update changes the inventory (the agent's ``updateType``)."""

    OVERRIDE = "OVERRIDE"  # replace the inventory
    APPEND = "APPEND"  # add to it (an existing library takes the new facts)
    REMOVE = "REMOVE"  # take the listed libraries out
    SOFT_RUN = "SOFT_RUN"  # analyse without writing


@dataclass(frozen=True)
class LicenseFacts:
    """A component's licenses after normalisation: the SPDX expression and its
    ``(license id, display name)`` parts."""

    expression: str | None
    licenses: tuple[tuple[str, str], ...]


LicenseNormalizer = Callable[[Sequence[str]], LicenseFacts]


@dataclass(frozen=True)
class WriteResult:
    """What a write did."""

    libraries: int
    new_libraries: int
    edges: int


@dataclass
class _Entry:
    identity: LibraryIdentity
    component: Component
    direct: bool = False
    depth: int = 0


def _library_rows(
    entries: Iterable[_Entry], licenses: LicenseNormalizer, now: datetime
) -> tuple[list[dict[str, Any]], dict[str, LicenseFacts]]:
    rows, facts = [], {}
    for entry in entries:
        c, ident = entry.component, entry.identity
        fact = licenses(c.licenses)
        package = osv_package(ident.ecosystem, ident.group_id, ident.name)
        facts[ident.key] = fact
        rows.append(
            {
                "key": ident.key,
                "key_uuid": ident.key_uuid,
                "ecosystem": ident.ecosystem,
                "name": ident.name,
                "group_id": ident.group_id,
                "version": ident.version,
                "classifier": ident.classifier,
                "packaging": ident.packaging,
                "purl": ident.purl,
                "osv_ecosystem": package[0] if package else None,
                "osv_name": package[1] if package else None,
                "library_type": ident.library_type,
                "filename": ident.filename,
                "sha1": ident.sha1,
                "description": c.description,
                "license_expression": fact.expression,
                "copyright": "\n".join(c.copyrights) or None,
                "references": dict(c.references),
                "created_at": now,
            }
        )
    return rows, facts


def _entries(inventory: Inventory) -> tuple[dict[str, _Entry], dict[str, str]]:
    """One entry per library key (components naming the same library merge) and the
    map from document ref to key, with depth from the project by breadth-first walk."""
    by_key: dict[str, _Entry] = {}
    key_of_ref: dict[str, str] = {}
    for component in inventory.components:
        identity = identify(component)
        key_of_ref[component.ref] = identity.key
        by_key.setdefault(identity.key, _Entry(identity, component))
    children: dict[str, list[str]] = defaultdict(list)
    for parent, child in inventory.edges:
        if parent in key_of_ref and child in key_of_ref:
            children[key_of_ref[parent]].append(key_of_ref[child])
    queue: deque[str] = deque()
    for ref in inventory.direct_refs():
        key = key_of_ref.get(ref)
        if key is not None and not by_key[key].direct:
            by_key[key].direct, by_key[key].depth = True, 1
            queue.append(key)
    while queue:
        key = queue.popleft()
        for child in children[key]:
            if by_key[child].depth == 0:
                by_key[child].depth = by_key[key].depth + 1
                queue.append(child)
    for entry in by_key.values():
        if entry.depth == 0:  # only reachable through a cycle: hang it under the project
            entry.direct, entry.depth = True, 1
    return by_key, key_of_ref


def write_inventory(
    db: Session,
    project_id: int,
    inventory: Inventory,
    update_type: UpdateType,
    licenses: LicenseNormalizer,
    now: datetime,
) -> WriteResult:
    """Write ``inventory`` into a project according to ``update_type``."""
    by_key, key_of_ref = _entries(inventory)
    if update_type is UpdateType.SOFT_RUN:
        return WriteResult(len(by_key), 0, 0)
    keys = list(by_key)
    known_before = ids_by_key(db, Library, keys)
    # Only libraries new to the catalog need their row built (licenses normalised …):
    # in a re-import that is none of them.
    fresh = (entry for key, entry in by_key.items() if key not in known_before)
    new_rows, facts = _library_rows(fresh, licenses, now)
    # A new version may be its package's newest release now: the analysis that follows
    # folds it into the cache (analysis.newest).
    bulk_insert(db, Library, new_rows, skip_existing=True)
    ids = {**known_before, **ids_by_key(db, Library, [r["key"] for r in new_rows])}
    license_rows = [
        {"library_id": ids[r["key"]], "license_id": lid, "name": name}
        for r in new_rows
        for lid, name in dict(facts[r["key"]].licenses).items()
    ]
    bulk_insert(db, LibraryLicense, license_rows, skip_existing=True)

    library_ids = {ids[k] for k in keys}
    before = set(
        db.scalars(select(ProjectLibrary.library_id).where(ProjectLibrary.project_id == project_id))
    )
    if update_type is UpdateType.REMOVE:
        _remove(db, project_id, library_ids)
        edges = 0
        after = before - library_ids
    else:
        if update_type is UpdateType.OVERRIDE:
            _clear(db, project_id)
            after = library_ids
        else:  # APPEND: the new facts replace those of the same libraries
            _remove(db, project_id, library_ids)
            after = before | library_ids
        edges = _insert_project_rows(db, project_id, inventory, by_key, key_of_ref, ids)
    _record_changes(db, project_id, before, after, now)
    _touch(db, project_id, now)
    return WriteResult(len(by_key), len(new_rows), edges)


def _record_changes(
    db: Session, project_id: int, before: set[int], after: set[int], now: datetime
) -> None:
    """The inventory history: what this write brought in and took out."""
    write_key = secrets.randbits(62)
    rows = [
        {
            "project_id": project_id,
            "at": now,
            "write_key": write_key,
            "change": change,
            "library_id": library_id,
        }
        for change, changed in (("ADDED", after - before), ("REMOVED", before - after))
        for library_id in sorted(changed)
    ]
    bulk_insert(db, InventoryChange, rows)


def _insert_project_rows(
    db: Session,
    project_id: int,
    inventory: Inventory,
    by_key: dict[str, _Entry],
    key_of_ref: dict[str, str],
    ids: dict[str, int],
) -> int:
    bulk_insert(
        db,
        ProjectLibrary,
        [
            {
                "project_id": project_id,
                "library_id": ids[key],
                "direct": entry.direct,
                "depth": entry.depth,
                "scope": entry.component.scope,
            }
            for key, entry in by_key.items()
        ],
    )
    edges = {
        (ids[key_of_ref[parent]], ids[key_of_ref[child]])
        for parent, child in inventory.edges
        if parent in key_of_ref and child in key_of_ref and key_of_ref[parent] != key_of_ref[child]
    }
    bulk_insert(
        db,
        ProjectDependency,
        [{"project_id": project_id, "parent_id": p, "child_id": c} for p, c in edges],
    )
    locations = {
        (ids[key_of_ref[c.ref]], loc.path, loc.dependency_file)
        for c in inventory.components
        for loc in c.locations
    }
    if locations:
        bulk_insert(
            db,
            LibraryLocation,
            [
                {"project_id": project_id, "library_id": lib, "path": p, "dependency_file": f}
                for lib, p, f in locations
            ],
        )
    sources = {
        (ids[key_of_ref[c.ref]], s.sha1, s.name, s.path)
        for c in inventory.components
        for s in c.source_files
    }
    if sources:
        bulk_insert(
            db,
            SourceFileRow,
            [
                {"project_id": project_id, "library_id": lib, "sha1": h, "name": n, "path": p}
                for lib, h, n, p in sources
            ],
        )
    return len(edges)


def _clear(db: Session, project_id: int) -> None:
    for model in (ProjectDependency, LibraryLocation, SourceFileRow, ProjectLibrary):
        db.execute(delete(model).where(model.project_id == project_id))


def _remove(db: Session, project_id: int, library_ids: set[int]) -> None:
    listed = list(library_ids)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        db.execute(
            delete(ProjectDependency).where(
                ProjectDependency.project_id == project_id,
                ProjectDependency.parent_id.in_(chunk) | ProjectDependency.child_id.in_(chunk),
            )
        )
        for model in (LibraryLocation, SourceFileRow, ProjectLibrary):
            db.execute(
                delete(model).where(model.project_id == project_id, model.library_id.in_(chunk))
            )


def _touch(db: Session, project_id: int, now: datetime) -> None:
    db.execute(update(Project).where(Project.id == project_id).values(updated_at=now))
    product_id = select(Project.product_id).where(Project.id == project_id).scalar_subquery()
    db.execute(update(Product).where(Product.id == product_id).values(updated_at=now))

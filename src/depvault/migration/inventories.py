"""Phase 4, inventories: each project's libraries and dependency tree, read from the
source (``getProjectHierarchy`` with ``getProjectLibraryLocations``) and written
through the path every SBOM import takes: an OVERRIDE update queued for the project
(channel ``MIGRATION``) and processed by the update worker, which writes the inventory
and then matches it against this server's knowledge and derives its alerts and
policy decisions. Nothing of the source's analysis is copied: it derives here.

Queuing and its progress step share one transaction; processing follows the update
lifecycle, whose recovery re-queues an item a killed run left IN_PROGRESS.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select

from depvault.domain.inventory import Component, Inventory, Location
from depvault.domain.timefmt import utcnow
from depvault.domain.updates import ItemState
from depvault.ingest.licensing import license_facts
from depvault.jobs.liveness import Lease
from depvault.jobs.updates import ProjectUpdate, UpdateWorker, enqueue, recover
from depvault.migration.progress import Steps
from depvault.migration.reading import SourceScope
from depvault.migration.source import SourceClient
from depvault.store.engine.db import Database
from depvault.store.inventories.writes import UpdateType
from depvault.store.models import Project, UpdateItem, UpdateRequest

__all__ = ["drain", "inventory_from_source", "queue_inventory"]

CHANNEL = "MIGRATION"
REFERENCE_KINDS = {
    "homePage": "homePage",
    "scmUrl": "scmUrl",
    "issueUrl": "issueUrl",
    "downloadLink": "downloadUrl",
    "genericPackageIndex": "pomUrl",
}


def _component(item: dict[str, Any], locations: tuple[Location, ...]) -> Component:
    """A library of the source's answer as a component stating the same facts, so that
    identity (``domain/identity``) gives it the same key here."""
    references = item.get("references") or {}
    name = item.get("artifactId") or item.get("name") or item["filename"]
    group = item.get("groupId") or None
    purl = item.get("purl") or None
    if purl and purl.startswith("pkg:generic/"):
        # A generic purl is made from a name that may hold slashes ("golang.org/x/text"),
        # which parsing it back would split into namespace and name: the name and group
        # as stated give the same key and keep the name whole.
        purl = None
    return Component(
        ref=item["keyUuid"],
        name=name,
        version=item.get("version") or None,
        group=group if group != name else None,
        purl=purl,
        classifier=item.get("classifier") or None,
        filename=item.get("filename") or None,
        description=item.get("description") or None,
        licenses=tuple(lic.get("spdxName") or lic["name"] for lic in item.get("licenses") or []),
        hashes=(("SHA-1", item["sha1"]),) if item.get("sha1") else (),
        references=tuple(
            (kind, references[field])
            for field, kind in REFERENCE_KINDS.items()
            if references.get(field)
        ),
        scope=item.get("scope") or None,
        locations=locations,
    )


def _walk(
    nodes: list[dict[str, Any]], parent: str | None
) -> Iterator[tuple[dict[str, Any], str | None]]:
    for node in nodes:
        yield node, parent
        yield from _walk(node.get("dependencies") or [], node["keyUuid"])


def inventory_from_source(hierarchy: dict[str, Any], locations: dict[str, Any]) -> Inventory:
    """The project's inventory from its hierarchy (every library with its tree: a
    library under several parents appears under each) and its library locations."""
    where: dict[str, tuple[Location, ...]] = {
        entry["keyUuid"]: tuple(
            Location(
                path=loc.get("path") or None, dependency_file=loc.get("dependencyFile") or None
            )
            for loc in entry.get("locations") or []
        )
        for entry in locations.get("libraryLocations") or []
    }
    components: dict[str, Component] = {}
    order: dict[str, int] = {}
    edges: dict[tuple[str, str], None] = {}
    roots = hierarchy.get("libraries") or []
    for node, parent in _walk(roots, None):
        key = node["keyUuid"]
        if key not in components:
            components[key] = _component(node, where.get(key, ()))
            order[key] = int(node.get("keyId") or 0)
        if parent is not None:
            edges[(parent, key)] = None
    # In the source's catalog order: libraries new here enter the catalog in the same
    # relative order, so listings ordered by catalog id list them as the source did.
    return Inventory(
        components=tuple(sorted(components.values(), key=lambda c: order[c.ref])),
        direct=tuple(n["keyUuid"] for n in roots),
        edges=tuple(sorted(edges, key=lambda e: (order[e[0]], order[e[1]]))),
        source_format=CHANNEL,
        tool="depvault migrate",
    )


def read_inventory(client: SourceClient, project_token: str) -> Inventory:
    """One project's inventory, read from the source (two requests)."""
    scope = {"projectToken": project_token}
    return inventory_from_source(
        client.call("getProjectHierarchy", **scope),
        client.call("getProjectLibraryLocations", **scope),
    )


def queue_inventory(
    database: Database, client: SourceClient, project: SourceScope, steps: Steps
) -> int:
    """Read the project's inventory and queue it, recording the step in the same
    transaction; returns how many libraries it holds."""
    inventory = read_inventory(client, project.token)
    agent, _, version = (project.plugin_name or "").partition(":")
    with database.transaction() as db:
        project_id = db.scalar(select(Project.id).where(Project.token == project.token))
        org_id = db.scalar(select(Project.org_id).where(Project.token == project.token))
        assert project_id is not None and org_id is not None
        request_token = enqueue(
            db,
            org_id=org_id,
            channel=CHANNEL,
            update_type=UpdateType.OVERRIDE,
            updates=[ProjectUpdate(project_id, inventory)],
            user_email=project.uploaded_by,
            agent=agent or "depvault-migrate",
            agent_version=version or None,
        )
        steps.record(db, "inventory", project.token, utcnow(), request_token)
    return len(inventory.components)


def drain(database: Database, request_tokens: list[str], tick: Callable[[int], None]) -> None:
    """Process queued updates until those of ``request_tokens`` are all done (a server
    running on the same store may take some: both follow one lifecycle)."""
    lease = Lease(database)
    try:
        recover(database, lease.owner)
        worker = UpdateWorker(database, license_facts, lease.owner)
        while True:
            open_items = _open(database, request_tokens)
            tick(len(request_tokens) - open_items)
            if not open_items:
                return
            if not worker.run_once():
                time.sleep(0.2)  # a server's worker holds them: wait for it
    finally:
        lease.release()


def _open(database: Database, request_tokens: list[str]) -> int:
    done = {ItemState.FINISHED.value, ItemState.FAILED.value, ItemState.SKIPPED.value}
    with database.transaction(write=False) as db:
        count = 0
        for start in range(0, len(request_tokens), 500):
            states = db.scalars(
                select(UpdateItem.state)
                .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
                .where(UpdateRequest.request_token.in_(request_tokens[start : start + 500]))
            )
            count += sum(1 for s in states if s not in done)
        return count

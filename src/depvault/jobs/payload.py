"""An update's normalized inventory as stored with its queued item: gzip-compressed
JSON (never pickle), so any worker process can read it from the database.

The process that queues an update usually writes it too (the embedded server's
workers, or inline): for it, the queued inventory is also handed over in memory
(:class:`Handoff`), and its worker takes the very value the request built instead of
decompressing and decoding the stored copy (a gzip + orjson round trip and 17 fields
rebuilt per component: 12 % of a 50,000-component import, issue 15). The stored copy
stays the durable one: another process, or this one after a restart, reads it.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from typing import Any

import orjson
from sqlalchemy.orm import Session

from depvault.domain.inventory import Component, Inventory, Location, SourceFile
from depvault.store.engine.db import LOCAL_KEY, Database

__all__ = ["Handoff", "decode_inventory", "encode_inventory", "handoff_of"]

# Inventories held for this process's workers at most; an older one is dropped and
# its worker decodes the stored copy (a burst of uploads must not pile up in memory).
HANDOFF_ITEMS = 8


class Handoff:
    """Queued inventories of this process, by (request token, item id): the token is
    random, so an item id reused after a rolled-back enqueue never finds another's."""

    def __init__(self, limit: int = HANDOFF_ITEMS) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, int], Inventory] = OrderedDict()

    def put(self, request_token: str, item_id: int, inventory: Inventory) -> None:
        """Hold an inventory just queued."""
        with self._lock:
            self._items[(request_token, item_id)] = inventory
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def take(self, request_token: str, item_id: int) -> Inventory | None:
        """The inventory queued as that item by this process, once; else None."""
        with self._lock:
            return self._items.pop((request_token, item_id), None)


def handoff_of(where: Session | Database) -> Handoff:
    """The handoff of the database a session or a database object belongs to."""
    local = where.info[LOCAL_KEY] if isinstance(where, Session) else where.local
    handoff = local.get("handoff")
    if handoff is None:
        handoff = local.setdefault("handoff", Handoff())
    assert isinstance(handoff, Handoff)
    return handoff


def encode_inventory(inventory: Inventory) -> bytes:
    """Serialize an inventory for the queue (dataclasses become JSON objects)."""
    return gzip.compress(orjson.dumps(inventory), compresslevel=1)


def _component(data: dict[str, Any]) -> Component:
    return Component(
        ref=data["ref"],
        name=data["name"],
        version=data["version"],
        group=data["group"],
        purl=data["purl"],
        ecosystem=data["ecosystem"],
        packaging=data["packaging"],
        classifier=data["classifier"],
        filename=data["filename"],
        description=data["description"],
        licenses=tuple(data["licenses"]),
        copyrights=tuple(data["copyrights"]),
        hashes=tuple((a, v) for a, v in data["hashes"]),
        references=tuple((k, u) for k, u in data["references"]),
        scope=data["scope"],
        locations=tuple(Location(**loc) for loc in data["locations"]),
        source_files=tuple(SourceFile(**s) for s in data["source_files"]),
    )


def decode_inventory(blob: bytes) -> Inventory:
    """The inventory :func:`encode_inventory` stored."""
    data = orjson.loads(gzip.decompress(blob))
    return Inventory(
        components=tuple(_component(c) for c in data["components"]),
        direct=tuple(data["direct"]),
        edges=tuple((p, c) for p, c in data["edges"]),
        source_format=data["source_format"],
        tool=data["tool"],
        warnings=tuple(data["warnings"]),
    )

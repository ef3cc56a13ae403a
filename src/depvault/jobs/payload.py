"""An update's normalized inventory as stored with its queued item: gzip-compressed
JSON (never pickle), so any worker process can read it from the database."""

from __future__ import annotations

import gzip
from typing import Any

import orjson

from depvault.domain.inventory import Component, Inventory, Location, SourceFile

__all__ = ["decode_inventory", "encode_inventory"]


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

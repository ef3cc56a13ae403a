"""``depvault status``: is the server up, which version, how fresh its knowledge is,
and how much work waits (``GET /status``; needs no key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from depvault.cli.remote.client import CA_FILE, URL, connect
from depvault.cli.remote.output import JSON, answer


def status(
    json_output: bool = JSON,
    url: str | None = URL,
    ca_file: Path | None = CA_FILE,
) -> None:
    """Show the server's health, version, knowledge freshness and queue depth."""
    server = connect(url, None, ca_file, key_needed=False)
    found = server.get("/status")
    knowledge = found.get("knowledge") or {}
    queue = found.get("queue") or {}
    rows: list[dict[str, Any]] = [
        {"what": "server", "value": f"{server.url} ({found.get('status')})"},
        {"what": "version", "value": found.get("version")},
        {"what": "database", "value": found.get("database")},
        {"what": "advisories", "value": knowledge.get("advisories")},
        {"what": "newest advisory change", "value": knowledge.get("newestModified") or "never"},
        *({"what": f"waiting: {k}", "value": v} for k, v in queue.items()),
    ]
    answer(found, json_output, rows, [("what", "what"), ("value", "value")], "status")
    if found.get("status") != "ok":
        raise typer.Exit(1)

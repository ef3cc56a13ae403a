"""The lifecycle of an inventory update, as ``getRequestState`` reports it (catalog §5).

An update request holds one item per project. Each item moves QUEUED → IN_PROGRESS →
UPDATED (inventory written) → FINISHED (analysis done), or ends FAILED (with a reason)
or SKIPPED (a newer full update of the same project superseded it before it ran). The
request's state is derived from its items' states.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

__all__ = ["ItemState", "request_state"]


class ItemState(StrEnum):
    """The state of one project's update."""

    QUEUED = "QUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    UPDATED = "UPDATED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


def request_state(states: Collection[ItemState], *, skipped_known: bool = True) -> str:
    """The ``requestState`` of a request whose items are in ``states``.

    Any failure fails the request; anything not yet written keeps it IN_PROGRESS; a
    request all of whose items were superseded is SKIPPED (API v1.3 and later — v1.2
    knows no SKIPPED, and such a request is FINISHED there: nothing more will happen).
    """
    if not states:
        return "UNKNOWN"
    if ItemState.FAILED in states:
        return "FAILED"
    if ItemState.QUEUED in states or ItemState.IN_PROGRESS in states:
        return "IN_PROGRESS"
    if all(s is ItemState.SKIPPED for s in states):
        return "SKIPPED" if skipped_known else "FINISHED"
    if ItemState.UPDATED in states:
        return "UPDATED"
    return "FINISHED"

"""``GET /health`` and ``GET /ready``: what orchestrators and load balancers ask.

Liveness and readiness are different questions. ``/health`` says the process answers
(restart it when it does not) and touches nothing else, so a database outage does not
get every API node restarted at once. ``/ready`` says this node can serve requests now
(send it traffic): the database answers and its schema is the one this version of
depvault expects — during a rolling upgrade a node whose code is older or newer than the
schema stays out of the pool rather than answering errors.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import cache

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from depvault.store.engine.db import Database
from depvault.store.engine.migrate import current_revision, head_revision

__all__ = ["health_endpoint", "ready_endpoint"]

log = logging.getLogger("depvault.api")


def health_endpoint(database: Database) -> Callable[[Request], Awaitable[Response]]:
    """``GET /health``: the process is up (the database is not asked)."""

    async def endpoint(request: Request) -> Response:
        return JSONResponse({"status": "ok", "database": database.dialect})

    return endpoint


@cache
def _expected_revision() -> str | None:
    return head_revision()  # read from the migration scripts once per process


def ready_endpoint(database: Database) -> Callable[[Request], Awaitable[Response]]:
    """``GET /ready``: 200 when the database answers at the expected schema, else 503
    saying which of the two is wrong."""

    async def endpoint(request: Request) -> Response:
        expected = _expected_revision()
        try:
            revision = await run_in_threadpool(current_revision, database)
        except SQLAlchemyError as exc:
            log.warning("readiness: database unreachable: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        if revision != expected:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "database": database.dialect,
                    "schema": revision,
                    "expectedSchema": expected,
                },
                503,
            )
        return JSONResponse({"status": "ok", "database": database.dialect, "schema": revision})

    return endpoint

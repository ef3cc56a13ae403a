"""The ASGI application: one POST endpoint per API version, and the probes.

The endpoint reads the body (capped), parses it, hands it to the dispatcher in a worker
thread (handlers use the synchronous SQLAlchemy session), and writes the answer in the
negotiated charset. Every refusal is the protocol's error envelope; nothing reaches the
client as a stack trace.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from depvault.api.agent.endpoint import agent_endpoint
from depvault.api.body import parse_json_object, read_capped
from depvault.api.charset import DEFAULT_CHARSET, encode_json_text, negotiate_charset
from depvault.api.dispatch import Dispatcher
from depvault.api.errors import UNEXPECTED_ERROR_CODE, error_code, http_status
from depvault.api.probes import health_endpoint, ready_endpoint
from depvault.api.registry import Registry, build_registry
from depvault.api.request_types import ApiVersion, BinaryResult, Result
from depvault.config import Config
from depvault.errors import DepvaultError, MethodNotAllowed
from depvault.ingest.licensing import license_facts
from depvault.jobs.reports import ReportWorker
from depvault.jobs.runner import InlineRunner, LocalWorkerPool, Runner
from depvault.jobs.updates import UpdateWorker
from depvault.jobs.worker import Worker
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.jobs.report_files import report_files

__all__ = ["create_app", "error_response", "json_response"]

log = logging.getLogger("depvault.api")


def json_response(
    payload: Any,
    charset: str = DEFAULT_CHARSET,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON answer encoded in ``charset`` (characters it lacks become JSON escapes)."""
    raw = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    body = raw if charset == "utf-8" else encode_json_text(raw.decode("utf-8"), charset)
    response = Response(body, status_code=status, headers=headers)
    response.headers["content-type"] = f"application/json; charset={charset}"
    return response


def error_response(exc: DepvaultError, charset: str = DEFAULT_CHARSET) -> Response:
    """The error envelope for a deliberate refusal."""
    headers = {"allow": "POST"} if isinstance(exc, MethodNotAllowed) else None
    return json_response(
        {"errorCode": error_code(exc), "errorMessage": exc.message},
        charset,
        status=http_status(exc),
        headers=headers,
    )


def unexpected_response(charset: str = DEFAULT_CHARSET) -> Response:
    """The envelope for a fault of the server: logged with a reference, never shown."""
    reference = secrets.token_hex(6)
    log.exception("unexpected error, reference %s", reference)
    return json_response(
        {
            "errorCode": UNEXPECTED_ERROR_CODE,
            "errorMessage": f"Unexpected server error (reference {reference})",
        },
        charset,
    )


def result_response(result: Result, charset: str) -> Response:
    """A handler's answer: JSON in the charset, or a raw file with its own type."""
    if isinstance(result, BinaryResult):
        headers = {}
        if result.filename:
            headers["content-disposition"] = f'attachment; filename="{result.filename}"'
        response: Response
        if result.path is not None:
            response = FileResponse(result.path, headers=headers)
        elif result.chunks is not None:
            response = StreamingResponse(result.chunks, headers=headers)
        else:
            response = Response(result.body, headers=headers)
        # Binary bodies carry no charset: the SDK decodes any body with one as text.
        response.headers["content-type"] = result.content_type
        return response
    return json_response(result, charset)


def api_endpoint(
    dispatcher: Dispatcher, version: ApiVersion, max_body_bytes: int
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of one API version."""

    async def endpoint(request: Request) -> Response:
        charset = negotiate_charset(request.headers.get("accept-charset"))
        try:
            if request.method != "POST":
                raise MethodNotAllowed(request.method)
            raw = await read_capped(
                request.stream(), request.headers.get("content-length"), max_body_bytes
            )
            body = parse_json_object(raw, request.headers.get("content-type"))
            digest = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
            result = await run_in_threadpool(dispatcher.dispatch, version, body, digest)
            return result_response(result, charset)
        except DepvaultError as exc:
            log.info("refused %s: %s", request.url.path, type(exc).__name__)
            return error_response(exc, charset)
        except Exception:
            return unexpected_response(charset)

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response(
        {"errorCode": 3000, "errorMessage": f"{exc.detail}: {request.url.path}"},
        status=exc.status_code,
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    return unexpected_response()


def create_app(
    config: Config,
    database: Database | None = None,
    registry: Registry | None = None,
    *,
    migrate: bool = True,
    inline_jobs: bool = False,
    jobs: Runner | None = None,
) -> Starlette:
    """Build the application; the database is migrated to the newest schema first.

    Background work runs where ``jobs`` says (``depvault serve``: worker processes it
    only wakes); without it, in ``config.workers`` local threads started with the
    application, or, with ``inline_jobs`` (tests), inside the request that queued it.
    """
    database = database or create_database(config)
    if migrate:
        upgrade(database)
    registry = registry or build_registry()
    worker = Worker(UpdateWorker(database, license_facts), ReportWorker(database, config))
    if jobs is None:
        jobs = InlineRunner(worker) if inline_jobs else LocalWorkerPool(worker, config.workers)
    dispatcher = Dispatcher(database, registry, config, jobs, report_files(config, database))
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes = [
        Route(
            f"/api/v{version.value}",
            api_endpoint(dispatcher, version, config.max_body_bytes),
            methods=methods,
        )
        for version in ApiVersion
    ]
    routes.append(Route("/health", health_endpoint(database), methods=["GET"]))
    routes.append(Route("/ready", ready_endpoint(database), methods=["GET"]))
    routes.append(
        Route("/agent", agent_endpoint(dispatcher, config.max_body_bytes), methods=["POST"])
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(jobs.start)
        try:
            yield
        finally:
            await run_in_threadpool(jobs.stop)

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.database = database
    app.state.registry = registry
    app.state.config = config
    return app

"""The ASGI application: one POST endpoint per API version, and the probes.

The endpoint admits the client (:mod:`~depvault.api.edge`: address, failed-key
throttle), receives the body (capped, spooled), parses and dispatches it in one of the
answering threads (:mod:`~depvault.api.answer_threads`: handlers use the synchronous
SQLAlchemy session), and writes the answer in the negotiated charset. Every refusal
is the protocol's error envelope; nothing reaches the client as a stack trace, and a
client gone mid-request is not an error.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from depvault import __version__
from depvault.api.agent.endpoint import agent_endpoint
from depvault.api.body import Body, parse_json_object
from depvault.api.charset import DEFAULT_CHARSET, encode_json_text, negotiate_charset
from depvault.api.dispatch import Dispatcher
from depvault.api.docs_page import docs_endpoint
from depvault.api.edge import Edge
from depvault.api.errors import UNEXPECTED_ERROR_CODE, error_code, http_status
from depvault.api.probes import health_endpoint, ready_endpoint
from depvault.api.registry import Registry, build_registry
from depvault.api.request_types import ApiVersion, BinaryResult, JsonBytes, Result
from depvault.config import Config
from depvault.console.app import console_mount
from depvault.errors import DepvaultError, MethodNotAllowed, TryLater
from depvault.ingest.licensing import license_facts
from depvault.jobs.kb_sync import KnowledgeSync
from depvault.jobs.reports import ReportWorker
from depvault.jobs.runner import InlineRunner, LocalWorkerPool, Runner
from depvault.jobs.updates import UpdateWorker
from depvault.jobs.worker import Worker
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.jobs.report_files import report_files
from depvault.store.jobs.status_reads import store_status

__all__ = ["create_app", "error_response", "json_response"]

log = logging.getLogger("depvault.api")


def json_response(
    payload: Any,
    charset: str = DEFAULT_CHARSET,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON answer encoded in ``charset`` (characters it lacks become JSON escapes)."""
    return json_bytes_response(
        orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS), charset, status, headers
    )


def json_bytes_response(
    raw: bytes,
    charset: str = DEFAULT_CHARSET,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A serialised JSON answer (UTF-8) sent in ``charset``."""
    body = raw if charset == "utf-8" else encode_json_text(raw.decode("utf-8"), charset)
    return Response(
        body, status_code=status, headers=headers, media_type=f"application/json; charset={charset}"
    )


def error_response(exc: DepvaultError, charset: str = DEFAULT_CHARSET) -> Response:
    """The error envelope for a deliberate refusal."""
    headers = {"allow": "POST"} if isinstance(exc, MethodNotAllowed) else None
    if isinstance(exc, TryLater):
        headers = {"retry-after": str(exc.retry_after)}
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
    if isinstance(result, JsonBytes):
        return json_bytes_response(result.body, charset)
    return json_response(result, charset)


def answer_json(
    dispatcher: Dispatcher, edge: Edge, version: ApiVersion, body: Body, content_type: str | None
) -> Result:
    """Parse a received body and dispatch it (in a worker thread: both may take a while);
    a large body is parsed and answered in an expansion slot."""
    with edge.parsing(body):
        parsed = parse_json_object(body.read(), content_type)
        return dispatcher.dispatch(version, parsed, body.sha1)


def api_endpoint(
    dispatcher: Dispatcher, edge: Edge, version: ApiVersion
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of one API version."""

    async def endpoint(request: Request) -> Response:
        async with edge.releasing():
            return await respond(request)

    async def respond(request: Request) -> Response:
        charset = negotiate_charset(request.headers.get("accept-charset"))
        address = "unknown"
        try:
            if request.method != "POST":
                raise MethodNotAllowed(request.method)
            address = edge.admit(request)
            body = await edge.receive(request)
            try:
                result = await edge.threads.run(
                    answer_json,
                    dispatcher,
                    edge,
                    version,
                    body,
                    request.headers.get("content-type"),
                )
            finally:
                body.close()
            return result_response(result, charset)
        except ClientDisconnect:
            edge.log_gone(address, request.url.path)
            return Response(status_code=400)  # nobody is left to read it
        except DepvaultError as exc:
            edge.refused(exc, address, request.url.path)
            return error_response(exc, charset)
        except Exception:
            return unexpected_response(charset)

    return endpoint


def status_endpoint(database: Database) -> Callable[[Request], Awaitable[Response]]:
    """``GET /status``: the version, the knowledge base's freshness and the work
    waiting (``depvault status``). Counts only: nothing an organization owns."""

    def read() -> dict[str, Any]:
        with database.transaction(write=False) as db:
            return store_status(db)

    async def endpoint(request: Request) -> Response:
        try:
            found = await run_in_threadpool(read)
        except Exception:
            log.exception("status: database unreachable")
            return json_response({"status": "unavailable", "version": __version__}, status=503)
        return json_response(
            {"status": "ok", "version": __version__, "database": database.dialect, **found}
        )

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return json_response(
        {"errorCode": 3000, "errorMessage": f"{exc.detail}: {request.url.path}"},
        status=exc.status_code,
    )


async def _to_console(request: Request) -> Response:
    """``GET /``: the web console."""
    return RedirectResponse("/ui/", status_code=307)


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
    only wakes, which run the knowledge-base sync too); without it, in
    ``config.workers`` local threads started with the application, with the
    knowledge-base sync on its schedule beside them, or, with ``inline_jobs`` (tests),
    inside the request that queued it (and no sync: tests fetch nothing).
    """
    database = database or create_database(config)
    if migrate:
        upgrade(database)
    registry = registry or build_registry()
    worker = Worker(
        UpdateWorker(database, license_facts, max_jobs_per_org=config.max_jobs_per_org),
        ReportWorker(database, config),
    )
    kb_sync = None
    if jobs is None:
        jobs = InlineRunner(worker) if inline_jobs else LocalWorkerPool(worker, config.workers)
        kb_sync = None if inline_jobs else KnowledgeSync(database, config)
    dispatcher = Dispatcher(database, registry, config, jobs, report_files(config, database))
    edge = Edge.of(config)
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes: list[BaseRoute] = [
        Route(
            f"/api/v{version.value}",
            api_endpoint(dispatcher, edge, version),
            methods=methods,
        )
        for version in ApiVersion
    ]
    routes.append(Route("/health", health_endpoint(database), methods=["GET"]))
    routes.append(Route("/ready", ready_endpoint(database), methods=["GET"]))
    routes.append(Route("/status", status_endpoint(database), methods=["GET"]))
    docs = docs_endpoint(registry)
    routes.append(Route("/docs", docs, methods=["GET"]))
    routes.append(Route("/docs/{name}", docs, methods=["GET"]))
    routes.append(Route("/agent", agent_endpoint(dispatcher, edge), methods=["POST"]))
    routes.append(Route("/", _to_console, methods=["GET"]))
    routes.append(console_mount(database, dispatcher, edge, config))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(jobs.start)
        if kb_sync is not None:
            kb_sync.start()
        try:
            yield
        finally:
            if kb_sync is not None:
                await run_in_threadpool(kb_sync.stop)
            await run_in_threadpool(jobs.stop)
            await run_in_threadpool(edge.threads.shutdown)

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.database = database
    app.state.registry = registry
    app.state.dispatcher = dispatcher
    app.state.config = config
    return app

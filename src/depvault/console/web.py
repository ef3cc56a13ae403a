"""What every console page shares: the session it runs in, the CSRF check on every
POST, rendering, the refusal pages, and the server time each page took (logged, and
sent as ``Server-Timing``)."""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from depvault.api.dispatch import Dispatcher
from depvault.api.edge import Edge
from depvault.config import Config
from depvault.console.figures import FiguresCache
from depvault.domain.scope import Caller
from depvault.domain.timefmt import utcnow
from depvault.store.engine.db import Database
from depvault.store.organizations.sessions import (
    SessionLimits,
    SessionView,
    end_session,
    session_by_id,
    touch_session,
)

__all__ = ["COOKIE", "CSRF_HEADER", "Console", "PageRefused", "Visit", "page"]

log = logging.getLogger("depvault.console")

COOKIE = "depvault_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | None) -> str:
    """A stored (naive UTC) time as pages show it."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "never"


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["when"] = _when
    templates.env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    return templates


class PageRefused(Exception):
    """The page is not the visitor's to see: one 403 page whatever the reason (an
    unknown token and a foreign one answer alike, as the API's do)."""


class PageMissing(Exception):
    """Nothing of that name inside a scope the visitor may see."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Console:
    """The console of one application: its database, the API's dispatcher and edge
    (for the key throttle), its settings and templates."""

    database: Database
    dispatcher: Dispatcher
    edge: Edge
    config: Config
    figures: FiguresCache
    templates: Jinja2Templates = field(default_factory=lambda: _templates())

    @property
    def limits(self) -> SessionLimits:
        return SessionLimits(
            idle=timedelta(minutes=self.config.console_idle_minutes),
            absolute=timedelta(hours=self.config.console_session_hours),
        )

    def secure(self, request: Request) -> bool:
        """Whether cookies are Secure: the server speaks TLS (or a proxy says it did)."""
        return self.config.tls_cert_file is not None or request.url.scheme == "https"

    def render(
        self, request: Request, template: str, context: Mapping[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, template, dict(context), status_code=status)


@dataclass
class Visit:
    """One page request of a signed-in person."""

    request: Request
    console: Console
    session: SessionView
    form: FormData | None
    now: datetime

    @property
    def caller(self) -> Caller:
        return self.session.caller

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A read transaction for the page's store reads."""
        with self.console.database.transaction(write=False) as db:
            yield db

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """The page, with what the layout needs (who, the CSRF token)."""
        context.setdefault("caller", self.caller)
        context.setdefault("csrf", self.session.csrf_token)
        return self.console.render(self.request, template, context, status)

    def field(self, name: str) -> str:
        """A posted form field, stripped ('' when absent)."""
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def query(self, name: str) -> str:
        """A query parameter, stripped ('' when absent)."""
        return self.request.query_params.get(name, "").strip()

    def offset(self) -> int:
        """The page offset asked for (0 for none or nonsense)."""
        raw = self.query("offset")
        return int(raw) if raw.isdigit() and len(raw) < 10 else 0


View = Callable[[Visit], Response]


MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> FormData:
    """A posted form (``application/x-www-form-urlencoded``, the only kind the console
    sends), at most 64 KiB: parsed with the standard library, as Starlette's own form
    parsing needs the python-multipart package for the multipart kind nobody sends here.
    Anything else, or a larger body, reads as an empty form (its CSRF check fails)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return FormData()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return FormData()
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except ValueError:  # not UTF-8, or too many fields
        return FormData()
    fields: list[tuple[str, str | UploadFile]] = list(pairs)
    return FormData(fields)


def _signin_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/ui/signin?next={quote(target, safe='')}", status_code=303)
    response.delete_cookie(COOKIE, path="/ui")
    return response


def _csrf_ok(session: SessionView, request: Request, form: FormData | None) -> bool:
    sent = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None)
    return isinstance(sent, str) and hmac.compare_digest(sent, session.csrf_token)


def _open(console: Console, request: Request, session_id: str, now: datetime) -> SessionView | None:
    """The live session of the cookie (ended when expired, touched when stale)."""
    with console.database.transaction(write=False) as db:
        found = session_by_id(db, session_id)
    if found is None:
        return None
    if found.expired(now, console.limits):
        with console.database.transaction() as db:
            end_session(db, session_id)
        return None
    if found.stale(now):
        with console.database.transaction() as db:
            touch_session(db, session_id, now)
    return found


def refused_page(console: Console, request: Request, caller: Caller | None, csrf: str) -> Response:
    """The one page every refusal gets."""
    return console.render(request, "refused.html", {"caller": caller, "csrf": csrf}, status=403)


def page(console: Console, view: View) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of a signed-in page: session, CSRF on POST, the view in a worker
    thread, and its server time logged."""

    def run(request: Request, session_id: str, form: FormData | None) -> Response:
        now = utcnow()
        session = _open(console, request, session_id, now)
        if session is None:
            return _signin_redirect(request)
        if request.method == "POST" and not _csrf_ok(session, request, form):
            log.warning("console: POST %s without a valid CSRF token refused", request.url.path)
            return console.render(
                request,
                "refused.html",
                {
                    "caller": session.caller,
                    "csrf": session.csrf_token,
                    "reason": "The form was not sent by this console (its security "
                    "token is missing or out of date). Reload the page and try again.",
                },
                status=403,
            )
        visit = Visit(request, console, session, form, now)
        try:
            return view(visit)
        except PageRefused:
            return refused_page(console, request, session.caller, session.csrf_token)
        except PageMissing as exc:
            return visit.render("missing.html", status=404, what=exc.what)

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        session_id = request.cookies.get(COOKIE, "")
        try:
            if not session_id:
                response = _signin_redirect(request)
            else:
                form = await read_form(request) if request.method == "POST" else None
                response = await run_in_threadpool(run, request, session_id, form)
        except Exception:
            reference = secrets.token_hex(6)
            log.exception(
                "console: unexpected error on %s, reference %s", request.url.path, reference
            )
            response = console.render(
                request, "error.html", {"caller": None, "reference": reference}, status=500
            )
        timed(request, response, started)
        return response

    return endpoint


def timed(request: Request, response: Response, started: float) -> None:
    """Log the page's server time and send it as ``Server-Timing``."""
    elapsed = (time.perf_counter() - started) * 1000
    response.headers["server-timing"] = f"app;dur={elapsed:.1f}"
    log.info(
        "console %s %s %d %.1f ms",
        request.method,
        request.url.path,
        response.status_code,
        elapsed,
    )

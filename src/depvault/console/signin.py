"""Signing in (e-mail address + user key) and out.

A wrong pair counts as a failed key against the client's address in the API's own
throttle (``api.throttle``), and an address over its limit is refused before its pair
is looked at: the sign-in form is no faster way to guess keys than the API. The form
itself carries a token bound to a short-lived cookie, so another site cannot sign a
browser in as someone else (login CSRF).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from depvault.console.web import COOKIE, Console, Visit, read_form, timed
from depvault.domain.timefmt import utcnow
from depvault.errors import TooManyFailedKeys
from depvault.store.organizations.identity import caller_by_key
from depvault.store.organizations.sessions import end_session, open_session, prune_sessions

__all__ = ["signin_endpoint", "signout"]

log = logging.getLogger("depvault.console")

FORM_COOKIE = "depvault_signin"
MAX_FIELD = 400


def _safe_next(target: str) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/"


def _form(
    console: Console, request: Request, *, error: str = "", email: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = console.render(
        request,
        "signin.html",
        {
            "caller": None,
            "csrf": "",
            "form_token": token,
            "error": error,
            "email": email,
            "next": _safe_next(request.query_params.get("next", "")),
        },
        status=status,
    )
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        path="/ui",
        httponly=True,
        samesite="lax",
        secure=console.secure(request),
    )
    return response


def signin_endpoint(console: Console) -> Callable[[Request], Awaitable[Response]]:
    """``GET``/``POST /ui/signin``."""

    def check(email: str, key: str) -> tuple[str, str] | str:
        """The new session's id and CSRF token, or why not."""
        with console.database.transaction(write=False) as db:
            caller = caller_by_key(db, key) if key else None
        if caller is None or caller.email.lower() != email.lower():
            return "failed"
        if caller.is_service:
            return "service"
        now = utcnow()
        with console.database.transaction() as db:  # a write only for a right pair
            prune_sessions(db, now, console.limits)  # the table holds live sessions only
            return open_session(db, caller.id, now)

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        response = await respond(request)
        timed(request, response, started)
        return response

    async def respond(request: Request) -> Response:
        if request.method != "POST":
            return _form(console, request)
        try:
            address = console.edge.admit(request)
        except TooManyFailedKeys as exc:
            return _form(console, request, error=exc.message, status=429)
        form = await read_form(request)
        email = str(form.get("email") or "").strip()[:MAX_FIELD]
        key = str(form.get("key") or "").strip()[:MAX_FIELD]
        sent = str(form.get("form_token") or "")
        expected = request.cookies.get(FORM_COOKIE, "")
        if not expected or not hmac.compare_digest(sent, expected):
            return _form(
                console,
                request,
                error="The sign-in form expired; please sign in again.",
                email=email,
                status=403,
            )
        outcome = await run_in_threadpool(check, email, key)
        if outcome == "failed":
            console.edge.throttle.failed(address)
            log.info("console: failed sign-in from %s", address)
            return _form(
                console,
                request,
                error="That e-mail address and user key do not match a person.",
                email=email,
                status=401,
            )
        if outcome == "service":
            return _form(
                console,
                request,
                error="Service users work through the API; the console is for people.",
                email=email,
                status=403,
            )
        assert isinstance(outcome, tuple)
        session_id, _csrf = outcome
        target = _safe_next(str(form.get("next") or ""))
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=console.config.console_session_hours * 3600,
            path="/ui",
            httponly=True,
            samesite="lax",
            secure=console.secure(request),
        )
        response.delete_cookie(FORM_COOKIE, path="/ui")
        return response

    return endpoint


def signout(visit: Visit) -> Response:
    """``POST /ui/signout``: the session is deleted, the cookie cleared."""
    with visit.console.database.transaction() as db:
        end_session(db, visit.request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/ui/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/ui")
    return response

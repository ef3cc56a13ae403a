"""``POST /agent``: the scanning agent's form-encoded protocol (catalog §7).

Only ``type=UPDATE`` is served today; the agent's other request types answer a precise
"not supported yet". The answer is the agent's ResultEnvelope:
``{"envelopeVersion", "status": 1 ok | 2 bad request | 3 server error, "message",
"data": "<JSON string>", "requestToken"}``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, unquote_plus

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from depvault.api.body import read_capped
from depvault.api.intake import product_by_name_or_token, project_in_product
from depvault.api.validation import FORBIDDEN_CHARACTERS
from depvault.domain.access import Level
from depvault.domain.timefmt import utcnow
from depvault.errors import (
    DepvaultError,
    ForbiddenCharacter,
    InvalidParameter,
    InvalidUserKey,
    MissingParameter,
    NotSupported,
    TransportError,
    UnknownToken,
)
from depvault.ingest.agent import decode_diff, read_agent_projects
from depvault.jobs.updates import ProjectUpdate, enqueue
from depvault.store.hierarchy import add_tag, set_scan_comment
from depvault.store.identity import caller_by_key
from depvault.store.inventory import UpdateType
from depvault.store.models import ProjectTag
from depvault.store.scopes import resolve_token

if TYPE_CHECKING:
    from depvault.api.dispatch import Dispatcher

__all__ = ["ENVELOPE_VERSION", "agent_endpoint", "parse_agent_form"]

log = logging.getLogger("depvault.agent")
ENVELOPE_VERSION = "2.9.9"
FIELDS = (
    "type",
    "updateType",
    "agent",
    "agentVersion",
    "pluginVersion",
    "token",
    "userKey",
    "requesterEmail",
    "product",
    "productVersion",
    "productToken",
    "timeStamp",
    "diff",
    "scanComment",
    "logData",
    "extraProperties",
    "aggregateModules",
    "preserveModuleStructure",
    "aggregateProjectName",
    "aggregateProjectToken",
    "scanSummaryInfo",
    "contributions",
)
_BOUNDARY = re.compile(r"(?:^|&)(" + "|".join(FIELDS) + r")=")


def parse_agent_form(body: str) -> dict[str, str]:
    """Fields of an agent form body, percent-encoded or not.

    Real tools send ``diff=[…]`` without percent-encoding, so its JSON may hold ``&``,
    ``+`` or ``%``: the body is cut only where a known field name follows an ``&``, and a
    ``diff`` that starts as raw JSON is taken verbatim.
    """
    marks = list(_BOUNDARY.finditer(body))
    if not marks:
        return dict(parse_qsl(body, keep_blank_values=True))
    fields: dict[str, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
        raw = body[mark.end() : end]
        name = mark.group(1)
        if name == "diff" and raw.lstrip().startswith(("[", "{")):
            fields[name] = raw
        elif name == "diff" and raw.lstrip()[:3].upper() in {"%5B", "%7B"}:
            fields[name] = unquote_plus(raw)  # percent-encoded JSON: '+' was a space
        elif name == "diff":
            fields[name] = unquote(raw)  # base64: a literal '+' must survive
        else:
            fields[name] = unquote(raw.replace("+", " "))
    return fields


def _envelope(
    status: int, message: str, data: dict[str, Any] | None = None, request_token: str | None = None
) -> Response:
    payload = {
        "envelopeVersion": ENVELOPE_VERSION,
        "status": status,
        "message": message,
        "data": orjson.dumps(data).decode() if data is not None else None,
        "requestToken": request_token,
    }
    response = Response(orjson.dumps(payload))
    response.headers["content-type"] = "application/json; charset=utf-8"
    return response


def _required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise MissingParameter(name)
    return value


def handle_update(dispatcher: Dispatcher, fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Queue an agent UPDATE; returns (request token, envelope data)."""
    for name, value in fields.items():
        if name != "diff" and FORBIDDEN_CHARACTERS.intersection(value):
            raise ForbiddenCharacter(name, min(FORBIDDEN_CHARACTERS.intersection(value)))
    org_token, user_key = _required(fields, "token"), _required(fields, "userKey")
    try:
        update_type = UpdateType(fields.get("updateType") or "OVERRIDE")
    except ValueError:
        raise InvalidParameter(
            "updateType", "expected OVERRIDE, APPEND, REMOVE or SOFT_RUN"
        ) from None
    database, now = dispatcher.database, utcnow()
    # Authenticate before expanding anything: the diff may be a large gzip stream, and
    # only a caller with a valid key gets to make the server decompress it.
    with database.transaction(write=False) as db:
        if caller_by_key(db, user_key) is None:
            raise InvalidUserKey()
        if resolve_token(db, Level.ORG, org_token) is None:
            raise UnknownToken("token")
    projects = read_agent_projects(
        decode_diff(_required(fields, "diff"), dispatcher.config.max_expanded_bytes)
    )
    if not projects:
        raise InvalidParameter("diff", "holds no project")
    with database.transaction() as db:
        caller = caller_by_key(db, user_key)
        org_scope = resolve_token(db, Level.ORG, org_token)
        if caller is None or org_scope is None:  # changed since the check above
            raise InvalidUserKey()
        product_name = fields.get("productToken") or fields.get("product") or projects[0].name
        product = product_by_name_or_token(
            db, caller, org_scope, product_name, now, "an agent update"
        )
        updates: list[ProjectUpdate] = []
        created: list[str] = []
        updated: list[str] = []
        details: dict[str, dict[str, Any]] = {}
        for project in projects:
            target = project_in_product(
                db,
                caller,
                org_scope,
                product,
                project.name or None,
                project.token,
                now,
                "an agent update",
            )
            (created if target.created else updated).append(target.project.name)
            details[target.project.name] = {
                "projectName": target.project.name,
                "projectId": target.project.id,
                "projectToken": target.project.token,
            }
            for key, value in project.tags:
                add_tag(db, ProjectTag, target.project.id, key, value)
            if fields.get("scanComment"):
                set_scan_comment(db, target.project.id, fields["scanComment"])
            updates.append(ProjectUpdate(target.project.id, project.inventory))
        org = org_scope.require(Level.ORG)
        token = enqueue(
            db,
            org_id=org.id,
            channel="AGENT",
            update_type=update_type,
            updates=updates,
            user_email=caller.email,
            agent=fields.get("agent"),
            agent_version=fields.get("agentVersion"),
        )
    dispatcher.jobs.notify()
    data = {
        "organization": org.name,
        "requestToken": token,
        "updatedProjects": updated,
        "createdProjects": created,
        "projectNamesToIds": {name: d["projectId"] for name, d in details.items()},
        "projectNamesToDetails": details,
    }
    return token, data


def agent_endpoint(
    dispatcher: Dispatcher, max_body_bytes: int
) -> Callable[[Request], Awaitable[Response]]:
    """The ``/agent`` endpoint."""

    async def endpoint(request: Request) -> Response:
        try:
            raw = await read_capped(
                request.stream(), request.headers.get("content-length"), max_body_bytes
            )
            fields = parse_agent_form(raw.decode("utf-8", errors="replace"))
            kind = (fields.get("type") or "").strip()
            if kind != "UPDATE":
                if not kind:
                    raise MissingParameter("type")
                raise NotSupported(
                    f"Agent request type {kind!r} is not supported yet: only UPDATE is served"
                )
            token, data = await run_in_threadpool(handle_update, dispatcher, fields)
        except (TransportError, DepvaultError) as exc:
            log.info("agent request refused: %s", type(exc).__name__)
            return _envelope(2, exc.message)
        except Exception:
            reference = secrets.token_hex(6)
            log.exception("agent request failed, reference %s", reference)
            return _envelope(3, f"Server error (reference {reference})")
        return _envelope(1, "ok", data, token)

    return endpoint

"""``POST /agent``: the scanning agent's form-encoded protocol (catalog §7).

``type=UPDATE`` queues an inventory update; ``type=CHECK_VULNERABILITIES`` answers which
of the sent libraries the knowledge base says are vulnerable, and
``type=CHECK_POLICY_COMPLIANCE`` / ``CHECK_POLICIES`` which policy decides for each of
them (``agent_policies``), storing nothing. The agent's other request types answer a
precise "not supported yet". The answer is the agent's ResultEnvelope:
``{"envelopeVersion", "status": 1 ok | 2 bad request | 3 server error, "message",
"data": "<JSON string>", "requestToken"}``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from depvault.api.agent.check import check_vulnerabilities
from depvault.api.agent.form import (
    authenticated_projects,
    check_form_characters,
    parse_agent_form,
)
from depvault.api.agent.policies import POLICY_CHECKS
from depvault.api.body import Body
from depvault.api.edge import Edge
from depvault.api.intake import product_by_name_or_token, project_in_product
from depvault.domain.access import Level
from depvault.domain.scope import Caller, Ref, Scope
from depvault.domain.timefmt import utcnow
from depvault.errors import (
    DepvaultError,
    InvalidParameter,
    InvalidUserKey,
    MissingParameter,
    NotSupported,
)
from depvault.ingest.agent import AgentProject
from depvault.jobs.updates import ProjectUpdate, enqueue
from depvault.store.inventories.hierarchy import add_tag, set_scan_comment
from depvault.store.inventories.writes import UpdateType
from depvault.store.models import ProjectTag
from depvault.store.organizations.identity import caller_by_key
from depvault.store.organizations.scopes import resolve_token

if TYPE_CHECKING:
    from depvault.api.dispatch import Dispatcher

__all__ = ["ENVELOPE_VERSION", "agent_endpoint", "parse_agent_form"]

log = logging.getLogger("depvault.agent")
ENVELOPE_VERSION = "2.9.9"


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


def handle_update(dispatcher: Dispatcher, fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Queue an agent UPDATE; returns (request token, envelope data). The form is
    authenticated and its diff decoded before the write transaction opens."""
    update_type = _update_type(fields)
    database, now = dispatcher.database, utcnow()
    projects = authenticated_projects(database, fields, dispatcher.config)
    org_token, user_key = fields["token"].strip(), fields["userKey"].strip()
    with database.transaction() as db:
        caller = caller_by_key(db, user_key)
        org_scope = resolve_token(db, Level.ORG, org_token)
        if caller is None or org_scope is None:  # changed since the check above
            raise InvalidUserKey()
        product_name = fields.get("productToken") or fields.get("product") or projects[0].name
        product = product_by_name_or_token(
            db, caller, org_scope, product_name, now, "an agent update"
        )
        targets = _targets(db, caller, org_scope, product, projects, fields, now)
        org = org_scope.require(Level.ORG)
        token = enqueue(
            db,
            org_id=org.id,
            channel="AGENT",
            update_type=update_type,
            updates=targets.updates,
            user_email=caller.email,
            agent=fields.get("agent"),
            agent_version=fields.get("agentVersion"),
        )
    dispatcher.jobs.notify()
    data = {
        "organization": org.name,
        "requestToken": token,
        "updatedProjects": targets.updated,
        "createdProjects": targets.created,
        "projectNamesToIds": {name: d["projectId"] for name, d in targets.details.items()},
        "projectNamesToDetails": targets.details,
    }
    return token, data


def _update_type(fields: dict[str, str]) -> UpdateType:
    try:
        return UpdateType(fields.get("updateType") or "OVERRIDE")
    except ValueError:
        raise InvalidParameter(
            "updateType", "expected OVERRIDE, APPEND, REMOVE or SOFT_RUN"
        ) from None


@dataclass
class _Targets:
    """The projects an agent update writes to, and what the envelope says of them."""

    updates: list[ProjectUpdate] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)


def _targets(
    db: Session,
    caller: Caller,
    org_scope: Scope,
    product: Ref,
    projects: list[AgentProject],
    fields: dict[str, str],
    now: datetime,
) -> _Targets:
    """Each sent project found or created in the product (by token or name), with its
    tags and the scan comment recorded, and its inventory to queue."""
    targets = _Targets()
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
        name = target.project.name
        (targets.created if target.created else targets.updated).append(name)
        targets.details[name] = {
            "projectName": name,
            "projectId": target.project.id,
            "projectToken": target.project.token,
        }
        for key, value in project.tags:
            add_tag(db, ProjectTag, target.project.id, key, value)
        if fields.get("scanComment"):
            set_scan_comment(db, target.project.id, fields["scanComment"])
        targets.updates.append(ProjectUpdate(target.project.id, project.inventory))
    return targets


def answer_agent(
    dispatcher: Dispatcher, edge: Edge, body: Body
) -> tuple[str | None, dict[str, Any]]:
    """Parse a received form and serve its request type (in a worker thread); a large
    form is parsed and served in an expansion slot. (request token, envelope data)."""
    with edge.parsing(body):
        fields = parse_agent_form(body.read().decode("utf-8", errors="replace"))
        check_form_characters(fields)
        kind = (fields.get("type") or "").strip()
        if kind == "UPDATE":
            return handle_update(dispatcher, fields)
        if kind == "CHECK_VULNERABILITIES":
            return None, check_vulnerabilities(dispatcher.database, fields, dispatcher.config)
        if kind in POLICY_CHECKS:
            return None, POLICY_CHECKS[kind](dispatcher.database, fields, dispatcher.config)
        if not kind:
            raise MissingParameter("type")
        raise NotSupported(
            f"Agent request type {kind!r} is not supported yet: only UPDATE, "
            "CHECK_VULNERABILITIES, CHECK_POLICY_COMPLIANCE and CHECK_POLICIES are served"
        )


def agent_endpoint(dispatcher: Dispatcher, edge: Edge) -> Callable[[Request], Awaitable[Response]]:
    """The ``/agent`` endpoint."""

    async def endpoint(request: Request) -> Response:
        async with edge.releasing():
            return await respond(request)

    async def respond(request: Request) -> Response:
        address = "unknown"
        try:
            address = edge.admit(request)
            body = await edge.receive(request)
            try:
                token, data = await edge.threads.run(answer_agent, dispatcher, edge, body)
            finally:
                body.close()
            # built here, so that a failure to serialise the answer is answered too
            return _envelope(1, "ok", data, token)
        except ClientDisconnect:
            edge.log_gone(address, request.url.path)
            return Response(status_code=400)  # nobody is left to read it
        except DepvaultError as exc:
            edge.refused(exc, address, request.url.path)
            return _envelope(2, exc.message)
        except Exception:
            reference = secrets.token_hex(6)
            log.exception("agent request failed, reference %s", reference)
            return _envelope(3, f"Server error (reference {reference})")

    return endpoint

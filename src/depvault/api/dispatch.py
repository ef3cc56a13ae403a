"""From a parsed JSON body to an answer: the protocol's checks in their order.

1. ``requestType`` names a request type of this API version;
2. no string parameter holds a forbidden character;
3. ``userKey`` and the request's scope token are present, the parameters type-check;
4. in one transaction (for a read on PostgreSQL, one statement at a time: see
   ``Database.transaction``): the key names a user, the tokens name scopes that belong
   together, the caller's roles cover the scope, and the handler runs.

Every failure is a :class:`~depvault.errors.DepvaultError`; anything else is logged with
a reference and answered as an unexpected error, never as a stack trace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from depvault.api.authorize import judge, noun, require_visible, sees
from depvault.api.call import Call
from depvault.api.registry import Registry
from depvault.api.request_types import SCOPE_TOKEN_FIELDS, ApiVersion, RequestType, Result
from depvault.api.validation import check_forbidden_characters, parse_params
from depvault.config import Config
from depvault.domain.access import Level
from depvault.domain.scope import Caller, Scope
from depvault.domain.timefmt import utcnow
from depvault.errors import (
    ConcurrentChange,
    DatabaseUnavailable,
    InvalidParameter,
    InvalidUserKey,
    MissingParameter,
    NotAllowed,
    TokenMismatch,
    UnknownRequestType,
    UnknownToken,
)
from depvault.jobs.runner import Runner
from depvault.store.engine.db import Database
from depvault.store.jobs.report_files import ReportFiles
from depvault.store.organizations.identity import caller_by_key
from depvault.store.organizations.scopes import resolve_token, resolve_token_and_access

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)

_LEVEL_OF_TOKEN = {field: level for level, field in SCOPE_TOKEN_FIELDS.items()}
_ORDER = [Level.GLOBAL_ORG, Level.ORG, Level.PRODUCT, Level.PROJECT]


@dataclass
class Dispatcher:
    """Runs API calls against one database with one request table."""

    database: Database
    registry: Registry
    config: Config
    jobs: Runner
    files: ReportFiles

    def dispatch(self, version: ApiVersion, body: dict[str, Any], body_sha1: str = "") -> Result:
        """Answer one call; raises a :class:`DepvaultError` for every refusal.
        ``body_sha1`` is the SHA-1 of the body as received (asynchronous processes
        record it)."""
        return self._dispatch(version, body, body_sha1, None)

    def dispatch_as(
        self, caller: Caller, version: ApiVersion, body: dict[str, Any], body_sha1: str = ""
    ) -> Result:
        """Answer a call for a caller already known (the web console's signed-in user):
        the same checks, access rules and handler as :meth:`dispatch`, without a key."""
        return self._dispatch(version, body, body_sha1, caller)

    def _dispatch(
        self, version: ApiVersion, body: dict[str, Any], body_sha1: str, who: Caller | None
    ) -> Result:
        request_type = self._request_type(version, body)
        check_forbidden_characters(body, request_type.payload_fields)
        user_key = who or _required_string(body, "userKey")
        scope_level = _present_level(request_type, body)
        scope_field = SCOPE_TOKEN_FIELDS.get(scope_level)
        scope_token = _required_string(body, scope_field) if scope_field else None
        params = parse_params(request_type.params, body)
        admission = (request_type, version, body, user_key, scope_level, scope_token, body_sha1)
        try:
            if request_type.prepare is not None:
                with self.database.transaction(write=False, per_statement=True) as db:
                    self._admitted(db, *admission)
                params = request_type.prepare(params, self.config)
            call, result = self._run_once_more_if_read(request_type, params, admission)
            for hook in call.after_commit:
                hook()
            return result
        except IntegrityError:
            raise ConcurrentChange(
                "The request conflicts with a concurrent change of the same data; retry it"
            ) from None
        except OperationalError as exc:
            if "locked" in str(exc).lower():
                raise ConcurrentChange("The database is busy; retry the request") from None
            raise

    def _run_once_more_if_read(
        self, request_type: RequestType[Any], params: Any, admission: tuple[Any, ...]
    ) -> tuple[Call, Result]:
        """:meth:`_run`; when its pooled connection turns out dead (the database
        restarted: the pool has dropped it and every older one), a read is asked again
        on a fresh connection, a write is not (it may have committed before the link
        broke): :class:`DatabaseUnavailable`, which clients retry after a pause."""
        for attempt in (1, 2):
            try:
                return self._run(request_type, params, admission)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                if request_type.writes or attempt == 2:
                    log.warning("%s: database connection lost", request_type.name)
                    check = " after checking whether its change was made"
                    raise DatabaseUnavailable(
                        "The connection to the database was lost (it may be restarting); "
                        f"retry the request{check if request_type.writes else ''}",
                        retry_after=5,
                    ) from None
                log.warning("%s: database connection lost; asked again", request_type.name)
        raise AssertionError("unreachable")

    def _run(
        self, request_type: RequestType[Any], params: Any, admission: tuple[Any, ...]
    ) -> tuple[Call, Result]:
        """Admit the call and run its handler, in one transaction."""
        writes = request_type.writes
        with self.database.transaction(write=writes, per_statement=not writes) as db:
            call = self._admitted(db, *admission)
            return call, request_type.handler(call, params)

    def _admitted(
        self,
        db: Session,
        request_type: RequestType[Any],
        version: ApiVersion,
        body: dict[str, Any],
        user_key: str | Caller,
        scope_level: Level,
        scope_token: str | None,
        body_sha1: str,
    ) -> Call:
        """The call, once the key names a user (or the user is known already), the
        tokens a scope, and the user's roles grant the request there. The scope token is
        read first, with the counter the key lookup needs (one statement), but a bad key
        is still refused before an unknown token."""
        found, counter = (
            resolve_token_and_access(db, scope_level, scope_token)
            if scope_token is not None
            else (None, None)
        )
        caller = caller_by_key(db, user_key, counter) if isinstance(user_key, str) else user_key
        if caller is None:
            raise InvalidUserKey()
        scope = self._scope(db, caller, request_type, body, scope_level, scope_token, found)
        return self._admit(db, request_type, version, caller, scope, body_sha1)

    def _request_type(self, version: ApiVersion, body: dict[str, Any]) -> RequestType[Any]:
        name = _required_string(body, "requestType")
        request_type = self.registry.get(name)
        if request_type is None or version not in request_type.versions:
            raise UnknownRequestType(name)
        return request_type

    def _scope(
        self,
        db: Session,
        caller: Caller,
        request_type: RequestType[Any],
        body: dict[str, Any],
        scope_level: Level,
        scope_token: str | None,
        scope: Scope | None,
    ) -> Scope:
        """The call's scope (``scope``: what its token named, None when nothing), once
        the caller may see it and every other token in the body belongs with it."""
        if scope_token is None:
            return Scope(Level.NONE)
        scope_field = SCOPE_TOKEN_FIELDS[scope_level]
        if scope is None:
            raise UnknownToken(scope_field)
        require_visible(db, caller, scope, scope_field)
        for field, level in _LEVEL_OF_TOKEN.items():
            if field == scope_field or field in request_type.token_params:
                continue
            value = body.get(field)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise InvalidParameter(field, "must be a string")
            _check_belongs(db, caller, scope, scope_level, field, level, value)
        return scope

    def _admit(
        self,
        db: Session,
        request_type: RequestType[Any],
        version: ApiVersion,
        caller: Caller,
        scope: Scope,
        body_sha1: str = "",
    ) -> Call:
        def call(visible: frozenset[int] | None = None) -> Call:
            return Call(
                db=db,
                caller=caller,
                scope=scope,
                version=version,
                now=utcnow(),
                request_type=request_type.name,
                registry=self.registry,
                config=self.config,
                jobs=self.jobs,
                files=self.files,
                visible_product_ids=visible,
                body_sha1=body_sha1,
            )

        if request_type.site_admin_only and not caller.is_site_admin:
            raise NotAllowed(f"Only the site administrator may call {request_type.name}")
        decision = judge(
            db,
            caller,
            scope,
            request_type.access,
            product_roles_may_call_org=request_type.product_roles_may_call_org,
        )
        if not decision.allowed:
            raise NotAllowed(
                f"User is not allowed to perform {request_type.name} on this {noun(scope.level)}"
            )
        return call(decision.visible_product_ids)


def _check_belongs(
    db: Session,
    caller: Caller,
    scope: Scope,
    scope_level: Level,
    field: str,
    level: Level,
    token: str,
) -> None:
    """An extra scope token must name the call's scope's ancestor at its level, or (for a
    more specific token) something inside the call's scope. A token elsewhere that the
    caller cannot see answers as one that does not exist."""
    if _ORDER.index(level) < _ORDER.index(scope_level):
        ancestor = scope.ref(level)
        if ancestor is None or ancestor.token != token:
            raise TokenMismatch(field, noun(scope_level))
        return
    narrower = resolve_token(db, level, token)
    if narrower is None:
        raise UnknownToken(field)
    own = scope.ref(scope_level)
    inner = narrower.ref(scope_level)
    if own is None or inner is None or own.id != inner.id:
        if not sees(db, caller, narrower):
            raise UnknownToken(field)
        raise TokenMismatch(field, noun(scope_level))


def _present_level(request_type: RequestType[Any], body: dict[str, Any]) -> Level:
    """The scope level a call names: the request's own, or one of its alternatives
    (``importProjectSbom`` takes a projectToken, or a productToken and a project name)
    when only that one's token is present."""
    for level in request_type.alternative_levels:
        own = body.get(request_type.scope_token or "")
        if (own is None or own == "") and body.get(SCOPE_TOKEN_FIELDS[level]) not in (None, ""):
            return level
    return request_type.level


def _required_string(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None or value == "":
        raise MissingParameter(field)
    if not isinstance(value, str):
        raise InvalidParameter(field, "must be a string")
    return value

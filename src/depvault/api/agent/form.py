"""The agent's form body: its fields, parsed as real agents and tools send them, and
the authentication every agent request starts with (before any ``diff`` is expanded)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, unquote_plus

from sqlalchemy.orm import Session

from depvault.api.authorize import require_access, require_visible
from depvault.api.validation import FORBIDDEN_CHARACTERS, check_storable, unstorable_character
from depvault.config import Config
from depvault.domain.access import Access, Level
from depvault.domain.scope import Caller, Ref, Scope
from depvault.errors import (
    ForbiddenCharacter,
    InvalidParameter,
    InvalidUserKey,
    MissingParameter,
    UnknownToken,
    UnstorableCharacter,
)
from depvault.ingest.agent import AgentProject, decode_diff, read_agent_projects
from depvault.ingest.expansion import ExpansionLimits
from depvault.store.engine.db import Database
from depvault.store.inventories import hierarchy
from depvault.store.organizations.identity import caller_by_key
from depvault.store.organizations.scopes import resolve_token

__all__ = [
    "FIELDS",
    "CheckScope",
    "authenticated_projects",
    "check_form_characters",
    "check_scope",
    "parse_agent_form",
    "required",
]

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
    "forceCheckAllDependencies",
    "populateVulnerabilities",
    "identifier",
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
            fields[name] = _unquote_base64(raw)  # base64: a literal '+' must survive
        else:
            fields[name] = unquote(raw.replace("+", " "))
    return fields


_BASE64_ESCAPES = (("%2B", "+"), ("%2F", "/"), ("%3D", "="), ("%2b", "+"), ("%2f", "/"))


def _unquote_base64(raw: str) -> str:
    """A percent-encoded base64 ``diff`` decoded with a few whole-string replaces: only
    ``+``, ``/`` and ``=`` are ever escaped in it, and ``unquote`` splits the text at
    every ``%`` (a 15 MB diff: a million small strings, about 60 MB at once)."""
    text = raw
    for escape, character in _BASE64_ESCAPES:
        if "%" not in text:
            return text
        text = text.replace(escape, character)
    return unquote(text) if "%" in text else text


def required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise MissingParameter(name)
    return value


def check_form_characters(fields: dict[str, str]) -> None:
    """Refuse a field holding a character a backend cannot store, or (but for the
    ``diff`` document) one of the forbidden ``<>%&``."""
    for name, value in fields.items():
        bad = unstorable_character(value) if name != "diff" else None
        if bad is not None:
            raise UnstorableCharacter(name, bad)
        hit = FORBIDDEN_CHARACTERS.intersection(value) if name != "diff" else None
        if hit:
            raise ForbiddenCharacter(name, min(hit))


def authenticated_projects(
    database: Database, fields: dict[str, str], config: Config
) -> list[AgentProject]:
    """Check the form's key and organization token, then decode its projects.
    Authentication comes first: the diff may be a large gzip stream, and only a caller
    with a valid key gets to make the server decompress it. An organization token the
    caller cannot see answers as an unknown one. (The endpoint checked the form's
    characters: :func:`check_form_characters`.)"""
    org_token, user_key = required(fields, "token"), required(fields, "userKey")
    with database.transaction(write=False) as db:
        caller = caller_by_key(db, user_key)
        if caller is None:
            raise InvalidUserKey()
        org_scope = resolve_token(db, Level.ORG, org_token)
        if org_scope is None:
            raise UnknownToken("token")
        require_visible(db, caller, org_scope, "token")
    diff = decode_diff(required(fields, "diff"), ExpansionLimits.of(config))
    projects = read_agent_projects(diff)
    if not projects:
        raise InvalidParameter("diff", "holds no project")
    check_storable(projects, "diff")
    return projects


@dataclass(frozen=True)
class CheckScope:
    """Where a read-only agent check looks: the caller, the organization, the product
    the form names (None when an update would create it) and the scope access was
    checked on."""

    caller: Caller
    org: Ref
    product: Ref | None
    product_name: str
    scope: Scope


def check_scope(
    db: Session, fields: dict[str, str], projects: list[AgentProject], action: str
) -> CheckScope:
    """The product a check is about, found as UPDATE finds it (token or name), once the
    caller's read access to it is checked (to the organization for a product an update
    would create): a check answers about the organization's data."""
    caller = caller_by_key(db, fields["userKey"].strip())
    org_scope = resolve_token(db, Level.ORG, fields["token"].strip())
    if caller is None or org_scope is None:  # changed since authentication
        raise InvalidUserKey()
    org = org_scope.require(Level.ORG)
    product_name = fields.get("productToken") or fields.get("product") or projects[0].name
    product = hierarchy.find_product(db, org.id, product_name)
    scope = org_scope
    if product is not None:
        scope = Scope(Level.PRODUCT, org_scope.global_org, org_scope.org, product)
    require_access(db, caller, scope, Access.READ, action)
    return CheckScope(caller, org, product, product.name if product else product_name, scope)

"""What a request type is: a name, the scope it acts on, the access it needs, its typed
parameters and the function that answers it.

Each category module of ``api/handlers`` declares its request types as a plain tuple of
:class:`RequestType` next to their parameter models; ``registry.py`` assembles them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from depvault.domain.access import Access, Level

if TYPE_CHECKING:
    from depvault.api.call import Call
    from depvault.config import Config

__all__ = [
    "ALL_VERSIONS",
    "SCOPE_TOKEN_FIELDS",
    "ApiVersion",
    "BinaryResult",
    "Category",
    "Handler",
    "Id32",
    "Id64",
    "JsonBytes",
    "NoParams",
    "Params",
    "RequestType",
    "Result",
    "admin_request",
]


class ApiVersion(StrEnum):
    """The protocol versions served, each at ``/api/v<version>``."""

    V1_2 = "1.2"
    V1_3 = "1.3"
    V1_4 = "1.4"


ALL_VERSIONS = frozenset(ApiVersion)


class Category(StrEnum):
    """The seven groupings of the v1.3 overview, plus depvault's own extensions."""

    POLICIES = "Policies"
    ALERTS = "Alerts"
    GROUPS_AND_USERS = "Groups and Users"
    REPORTS = "Reports"
    LICENSES_AND_LIBRARY = "Licenses and Library"
    ORGANIZATION = "Global Org / Organization / Product / Project"
    PRODUCT_AND_PROJECT = "Product and Project-level"


SCOPE_TOKEN_FIELDS: dict[Level, str] = {
    Level.GLOBAL_ORG: "globalOrgToken",
    Level.ORG: "orgToken",
    Level.PRODUCT: "productToken",
    Level.PROJECT: "projectToken",
}


# Ids as parameters: within the columns' integer range, so a huge number is a precise
# refusal rather than a database overflow (PostgreSQL's integer is 32-bit, bigint 64).
Id32 = Annotated[int, Field(ge=1, le=2**31 - 1)]
Id64 = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Params(BaseModel):
    """Base of every request's parameter model.

    Unknown fields are ignored (clients send ``agentInfo`` and more); the envelope's own
    fields (``requestType``, ``userKey`` and the scope tokens) are read by the edge and
    are not repeated here. Attributes are snake_case; the wire names are their
    camelCase aliases (``project_name`` ↔ ``projectName``).
    """

    model_config = ConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, alias_generator=to_camel
    )


class NoParams(Params):
    """A request that takes nothing beyond its scope token."""


@dataclass(frozen=True)
class BinaryResult:
    """A raw file answer (xlsx, pdf, zip, txt): sent as it is, with a non-text type."""

    content_type: str
    body: bytes
    filename: str | None = None
    # A file to stream instead of ``body`` (a report ZIP of any size) …
    path: Path | None = None
    # … or its bytes a piece at a time (a report ZIP kept in the database).
    chunks: Iterator[bytes] | None = None


@dataclass(frozen=True)
class JsonBytes:
    """A JSON answer already serialised (UTF-8): a cached list sent without building
    it again."""

    body: bytes


Result = dict[str, Any] | BinaryResult | JsonBytes
P = TypeVar("P", bound=Params)
Handler = Callable[["Call", P], Result]


@dataclass(frozen=True)
class RequestType(Generic[P]):
    """One entry of the request table.

    - ``level``: the scope the request acts on; its token field is required, unless
      the token of one of ``alternative_levels`` is given instead.
    - ``access``: what the caller's roles must grant at that scope.
    - ``writes``: the request changes data (a write transaction, a change-log entry).
    - ``product_roles_may_call_org``: an organization request that product roles may
      also call, seeing only their products (the overview's two exceptions).
    - ``token_params``: token fields that are parameters of this request, not part of
      its scope (``assignGlobalOrgToOrg``'s ``globalOrgToken``).
    - ``payload_fields``: documents carried as parameters (an SBOM), exempt from the
      forbidden-character rule.
    - ``extension``: a request type of depvault's own, not in Mend's API.
    - ``supported``: False for a Mend request type that is registered only so clients
      get a precise refusal (its handler raises ``NotSupported``); it is not offered.
    - ``prepare``: costly work on the parameters (parsing an SBOM) that needs no
      database; it runs outside any transaction, after a read-only one has checked the
      caller's key, scope and access, so a write transaction never waits on it (SQLite
      serialises writers) and nobody without access makes the server parse anything.
    """

    name: str
    level: Level
    params: type[P]
    handler: Handler[P]
    access: Access = Access.READ
    alternative_levels: tuple[Level, ...] = ()
    writes: bool = False
    product_roles_may_call_org: bool = False
    site_admin_only: bool = False
    token_params: frozenset[str] = frozenset()
    payload_fields: frozenset[str] = frozenset()
    versions: frozenset[ApiVersion] = ALL_VERSIONS
    extension: bool = False
    supported: bool = True
    summary: str = ""
    category: Category | None = field(default=None, compare=False)
    prepare: Callable[[P, Config], P] | None = None

    @property
    def scope_token(self) -> str | None:
        """The token field that names this request's scope (None for ``Level.NONE``)."""
        return SCOPE_TOKEN_FIELDS.get(self.level)

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of a complete request body of this type."""
        schema = self.params.model_json_schema()
        properties: dict[str, Any] = {
            "requestType": {"const": self.name, "type": "string"},
            "userKey": {"type": "string", "pattern": "^[0-9A-Za-z]{64}$"},
        }
        required = ["requestType", "userKey"]
        if self.scope_token:
            properties[self.scope_token] = {"type": "string"}
            required.append(self.scope_token)
        properties.update(schema.get("properties", {}))
        required.extend(schema.get("required", []))
        schema.update(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": self.name,
                "type": "object",
                "properties": properties,
                "required": required,
            }
        )
        if self.summary:
            schema["description"] = self.summary
        return schema


def in_category(
    category: Category, request_types: Iterable[RequestType[Any]]
) -> tuple[RequestType[Any], ...]:
    """Stamp a category module's request types with their category."""
    return tuple(replace(rt, category=category) for rt in request_types)


def admin_request(
    name: str,
    level: Level,
    params: type[Any],
    handler: Handler[Any],
    *,
    writes: bool = False,
    supported: bool = True,
) -> RequestType[Any]:
    """A request only administrators of its scope (or above) may call."""
    return RequestType(
        name, level, params, handler, access=Access.ADMIN, writes=writes, supported=supported
    )

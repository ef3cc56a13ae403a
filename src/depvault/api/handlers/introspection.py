"""Requests that describe the API itself: ``getSupportedRequests`` and
``getRequestSchema`` (catalog §6.6, "handy for a server"). Both read the same request
table the server dispatches on, so they cannot drift from it."""

from __future__ import annotations

from pydantic import Field

from depvault.api.call import Call
from depvault.api.request_types import (
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Level
from depvault.errors import UnknownRequestType

__all__ = ["REQUEST_TYPES"]


def get_supported_requests(call: Call, params: NoParams) -> Result:
    """Every request type this API version offers (not those registered only to refuse)."""
    names = [rt.name for rt in call.registry if call.version in rt.versions and rt.supported]
    return {"supportedRequests": names}


class RequestSchema(Params):
    request: str = Field(min_length=1)


def get_request_schema(call: Call, params: RequestSchema) -> Result:
    """The JSON Schema of one request type's body."""
    request_type = call.registry.get(params.request)
    if request_type is None or call.version not in request_type.versions:
        raise UnknownRequestType(params.request)
    return request_type.json_schema()


REQUEST_TYPES = in_category(
    Category.ORGANIZATION,
    [
        RequestType("getSupportedRequests", Level.ORG, NoParams, get_supported_requests),
        RequestType("getRequestSchema", Level.ORG, RequestSchema, get_request_schema),
    ],
)

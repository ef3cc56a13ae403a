"""The protocol's error envelope: which ``errorCode`` each error class answers with.

Codes follow catalog §3 (and the codes real clients test for, client-compat.md); the
table is walked along the class hierarchy, so the most specific entry wins. Protocol
errors answer HTTP 200 — the SDK detects them by ``errorCode`` in the body and retries
any non-2xx status — except transport errors, where the HTTP status tells the truth.
"""

from __future__ import annotations

from depvault import errors

__all__ = ["ERROR_CODES", "HTTP_STATUS", "UNEXPECTED_ERROR_CODE", "error_code", "http_status"]

UNEXPECTED_ERROR_CODE = 4000

ERROR_CODES: dict[type[errors.DepvaultError], int] = {
    errors.DepvaultError: UNEXPECTED_ERROR_CODE,
    errors.TransportError: 3000,
    errors.RequestError: 3000,
    errors.TryLater: 3000,
    errors.MissingParameter: 3010,
    errors.NotAllowed: 5001,
    errors.NameInUse: 3000,
    errors.ProductNameInUse: 2001,
    errors.ProjectNameInUse: 2010,
    errors.OrganizationNameInUse: 2002,
    errors.GroupNameInUse: 2009,
    errors.UserNotInOrganization: 2007,
    errors.GroupNotFound: 2008,
    errors.UserNotFound: 2011,
    errors.AlreadyMember: 2013,
    errors.InvalidLibrary: 8000,
}

HTTP_STATUS: dict[type[errors.DepvaultError], int] = {
    errors.DepvaultError: 200,
    errors.TransportError: 400,
    errors.MethodNotAllowed: 405,
    errors.BodyTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    # non-2xx on purpose: clients (the SDK among them) retry these after a pause
    errors.TooManyFailedKeys: 429,
    errors.ServerBusy: 503,
    errors.DatabaseUnavailable: 503,
}


def _lookup(table: dict[type[errors.DepvaultError], int], exc: errors.DepvaultError) -> int:
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    raise LookupError(type(exc).__name__)  # unreachable: DepvaultError is in every table


def error_code(exc: errors.DepvaultError) -> int:
    """The ``errorCode`` for an error."""
    return _lookup(ERROR_CODES, exc)


def http_status(exc: errors.DepvaultError) -> int:
    """The HTTP status for an error (200 for every protocol-level error)."""
    return _lookup(HTTP_STATUS, exc)

"""The one tree of errors depvault raises on purpose.

Errors carry data (which parameter, which name) and a message meant for the caller.
They say nothing of the protocol: ``api/errors.py`` maps each class to the Mend
``errorCode`` by walking the class hierarchy, so a new error only needs a base class.
"""

from __future__ import annotations

__all__ = [
    "AlreadyMember",
    "BodyTooLarge",
    "ConcurrentChange",
    "DepvaultError",
    "ForbiddenCharacter",
    "GroupNameInUse",
    "GroupNotFound",
    "InvalidLibrary",
    "InvalidParameter",
    "InvalidUserKey",
    "KnowledgeSyncError",
    "LastAdministrator",
    "MalformedBody",
    "MethodNotAllowed",
    "MissingParameter",
    "NameInUse",
    "NotAllowed",
    "NotFound",
    "NotSupported",
    "OrganizationNameInUse",
    "ProductNameInUse",
    "ProjectNameInUse",
    "RequestError",
    "ServerBusy",
    "TokenMismatch",
    "TooManyFailedKeys",
    "TransportError",
    "TryLater",
    "UnknownRequestType",
    "UnknownToken",
    "UnstorableCharacter",
    "UnsupportedMediaType",
    "UserNotFound",
    "UserNotInOrganization",
]


class DepvaultError(Exception):
    """Base of every deliberate error; ``message`` is safe to show the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- transport: the HTTP request itself is unusable -------------------------------------


class TransportError(DepvaultError):
    """The HTTP request cannot be read as an API call at all."""


class MethodNotAllowed(TransportError):
    """Only POST is accepted."""

    def __init__(self, method: str) -> None:
        super().__init__(f"HTTP method {method} is not allowed: the API accepts POST only")
        self.method = method


class UnsupportedMediaType(TransportError):
    """The body is not declared as JSON (or as the agent's form data)."""


class BodyTooLarge(TransportError):
    """The body exceeds the configured limit; it is refused before being read whole."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body exceeds the limit of {limit} bytes")
        self.limit = limit


class MalformedBody(TransportError):
    """The body does not parse (JSON, charset, form encoding …)."""


# --- the server will not do it now: the same request succeeds later ---------------------


class TryLater(DepvaultError):
    """The request is refused for now; ``retry_after`` says in how many seconds to retry."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerBusy(TryLater):
    """Every expansion slot stayed taken while the request waited for one."""


class TooManyFailedKeys(TryLater):
    """The client's address sent too many wrong userKeys in the last minute."""


class DatabaseUnavailable(TryLater):
    """The connection to the database broke during the call (the database restarted, a
    pooler dropped it): a read was asked again once already; a write was not, since it
    may have committed before the link broke."""


# --- the call: parameters, tokens, permissions ------------------------------------------


class RequestError(DepvaultError):
    """The call is understood but its parameters are wrong."""


class UnknownRequestType(RequestError):
    """``requestType`` names no request type this server offers."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown requestType {name!r}")
        self.name = name


class MissingParameter(RequestError):
    """A required parameter is absent (or null)."""

    def __init__(self, parameter: str) -> None:
        super().__init__(f"Missing required parameter {parameter!r}")
        self.parameter = parameter


class InvalidParameter(RequestError):
    """A parameter is present but its value cannot be used."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"Invalid value of parameter {parameter!r}: {reason}")
        self.parameter = parameter
        self.reason = reason


class ForbiddenCharacter(InvalidParameter):
    """A string parameter holds ``<``, ``>``, ``%`` or ``&`` (seed: "Special Characters")."""

    def __init__(self, parameter: str, character: str) -> None:
        super().__init__(
            parameter, f"the character {character!r} is not supported (<, >, % and & are not)"
        )
        self.character = character


class UnstorableCharacter(InvalidParameter):
    """A string holds a character some database backend cannot store (PostgreSQL text
    cannot hold NUL; no backend holds a lone UTF-16 surrogate). Refused on every backend
    alike, so that a request means the same whatever the store."""

    def __init__(self, parameter: str, character: str, where: str = "") -> None:
        inside = f" (at {where})" if where else ""
        super().__init__(
            parameter,
            f"the character U+{ord(character):04X} cannot be stored{inside}",
        )
        self.character = character


class UnknownToken(RequestError):
    """A scope token names nothing (or names something of another kind)."""

    def __init__(self, parameter: str) -> None:
        super().__init__(f"Invalid {parameter}: no such token")
        self.parameter = parameter


class TokenMismatch(RequestError):
    """Two scope tokens of one call do not belong together."""

    def __init__(self, parameter: str, scope: str) -> None:
        super().__init__(f"{parameter} does not belong to the {scope} named by the request")
        self.parameter = parameter


class ConcurrentChange(RequestError):
    """A write lost a race with another write of the same thing; retrying succeeds."""


class NotSupported(RequestError):
    """A request type of the Mend API that depvault does not offer (yet)."""


class ReportTooLarge(RequestError):
    """A synchronous report over ``DEPVAULT_SYNC_REPORT_MAX_ROWS``: the message names the
    asynchronous request that makes it."""


class NotFound(RequestError):
    """Something the parameters name does not exist in the caller's scope."""


class LastAdministrator(RequestError):
    """The change would leave an organization without any administrator."""


class NotAllowed(DepvaultError):
    """The caller's roles do not cover the request's scope."""


class InvalidUserKey(NotAllowed):
    """``userKey`` matches no user."""

    def __init__(self) -> None:
        super().__init__("Invalid userKey")


# --- domain conflicts -------------------------------------------------------------------


class NameInUse(DepvaultError):
    """A name that must be unique in its scope is already taken."""


class OrganizationNameInUse(NameInUse):
    """Organization names are unique on the server."""


class ProductNameInUse(NameInUse):
    """Product names are unique in an organization."""


class ProjectNameInUse(NameInUse):
    """Project names are unique in a product."""


class GroupNameInUse(NameInUse):
    """Group names are unique in an organization."""


class UserNotFound(NotFound):
    """No user has that e-mail address (or key)."""


class UserNotInOrganization(NotFound):
    """The user exists but is not a member of this organization."""


class GroupNotFound(NotFound):
    """No group of that name in this organization."""


class InvalidLibrary(NotFound):
    """A library key UUID names no library of the call's scope (Mend: "Invalid key UUID")."""

    def __init__(self, parameter: str, key_uuid: str) -> None:
        super().__init__(f"Invalid {parameter}: no library {key_uuid!r} in this scope")
        self.parameter = parameter
        self.key_uuid = key_uuid


class AlreadyMember(DepvaultError):
    """The user is already a member (Mend: "invitation was already sent")."""


class KnowledgeSyncError(DepvaultError):
    """A knowledge-base sync could not fetch or trust what the mirror serves (its
    message names the file and the reason; the sync records it and changes nothing)."""

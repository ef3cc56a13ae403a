"""Checks on raw parameters, before they are typed."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from depvault.errors import (
    ForbiddenCharacter,
    InvalidParameter,
    MissingParameter,
    UnstorableCharacter,
)

__all__ = [
    "FORBIDDEN_CHARACTERS",
    "check_forbidden_characters",
    "check_storable",
    "parse_params",
    "unstorable_character",
]

FORBIDDEN_CHARACTERS = frozenset("<>%&")
# NUL: PostgreSQL text cannot hold it; lone surrogates: not valid UTF-8 for any backend.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
M = TypeVar("M", bound=BaseModel)


def unstorable_character(text: str) -> str | None:
    """The first character of ``text`` no backend can store, or None."""
    found = _UNSTORABLE.search(text)
    return found.group() if found else None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str, bool]]:
    """Every string inside ``value``: (its path, the string, whether it is a dictionary
    key). Keys count: some are stored (attribute names, tag keys)."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                yield inner, key, True
            yield from _strings(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)


def _plainly_storable(document: Any) -> bool:
    """True when a document certainly holds no character a backend cannot store, found
    with one C-speed serialisation instead of a walk of every string (the walk was a
    tenth of a 10,000-component SBOM import, issue 15): orjson refuses lone surrogates
    and writes NUL as ``\\u0000``. False means "walk it" (the text may also be a
    harmless escaped backslash)."""
    try:
        return b"\\u0000" not in orjson.dumps(document)
    except TypeError:
        return False


def check_forbidden_characters(body: dict[str, Any], exempt: frozenset[str]) -> None:
    """Refuse any string parameter, at any depth, holding ``<``, ``>``, ``%`` or ``&``
    (seed: "Special Characters"), or a character a backend cannot store; top-level
    ``exempt`` fields carry documents, which may hold the former but not the latter.
    Raises :class:`ForbiddenCharacter` or :class:`UnstorableCharacter` naming the
    parameter's path."""
    for key, value in body.items():
        if key in exempt and isinstance(value, dict | list) and _plainly_storable(value):
            continue
        for path, text, is_key in _strings({key: value}, ""):
            bad = unstorable_character(text)
            if bad is not None:
                raise UnstorableCharacter(path, bad)
            if key in exempt or is_key:
                continue
            hit = FORBIDDEN_CHARACTERS.intersection(text)
            if hit:
                raise ForbiddenCharacter(path, min(hit))


def check_storable(value: Any, parameter: str) -> None:
    """Refuse a document read from ``parameter`` (an SBOM's inventory, an agent's
    projects) holding a character a backend cannot store; the error names the parameter
    and where in the document. (A dataclass tree serialises with orjson too: the walk
    runs only when that shows something.)"""
    if _plainly_storable(value):
        return
    for path, text, _ in _strings(value, ""):
        bad = unstorable_character(text)
        if bad is not None:
            raise UnstorableCharacter(parameter, bad, path)


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else item)
    return "".join(parts) or "body"


def _without_nulls(value: Any) -> Any:
    # A null parameter is an absent one: a required null is "missing", an optional
    # null takes its default (the SDK sends "groupAssignments": null).
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _has_null(value: Any) -> bool:
    """Whether a large value may hold a null (one serialisation; a string that reads
    ``null`` is a false alarm, answered by the walk of :func:`_without_nulls`)."""
    try:
        return b"null" in orjson.dumps(value)
    except TypeError:
        return True


def _body_without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    """:func:`_without_nulls` of a body; a list or object without a null (an SBOM,
    nearly always) is kept as it is instead of copied value by value."""
    return {
        key: value
        if isinstance(value, dict | list) and not _has_null(value)
        else _without_nulls(value)
        for key, value in body.items()
        if value is not None
    }


def parse_params(model: type[M], body: dict[str, Any]) -> M:
    """Type the body with the request's parameter model; the first problem becomes a
    :class:`MissingParameter` or :class:`InvalidParameter` naming the parameter."""
    try:
        return model.model_validate(_body_without_nulls(body))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _location(tuple(first["loc"]))
        if first["type"] == "missing":
            raise MissingParameter(where) from None
        raise InvalidParameter(where, first["msg"]) from None

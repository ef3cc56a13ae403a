"""Checks on raw parameters, before they are typed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from depvault.errors import ForbiddenCharacter, InvalidParameter, MissingParameter

__all__ = ["FORBIDDEN_CHARACTERS", "check_forbidden_characters", "parse_params"]

FORBIDDEN_CHARACTERS = frozenset("<>%&")
M = TypeVar("M", bound=BaseModel)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    # ``path`` starts as a top-level field's name: a nested one is always ``outer.inner``
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_forbidden_characters(body: dict[str, Any], exempt: frozenset[str]) -> None:
    """Refuse any string parameter, at any depth, holding ``<``, ``>``, ``%`` or ``&``
    (seed: "Special Characters"); top-level ``exempt`` fields carry documents and are
    not parameters. Raises :class:`ForbiddenCharacter` naming the parameter's path."""
    for key, value in body.items():
        if key in exempt:
            continue
        for path, text in _strings(value, key):
            hit = FORBIDDEN_CHARACTERS.intersection(text)
            if hit:
                raise ForbiddenCharacter(path, min(hit))


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


def parse_params(model: type[M], body: dict[str, Any]) -> M:
    """Type the body with the request's parameter model; the first problem becomes a
    :class:`MissingParameter` or :class:`InvalidParameter` naming the parameter."""
    try:
        return model.model_validate(_without_nulls(body))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _location(tuple(first["loc"]))
        if first["type"] == "missing":
            raise MissingParameter(where) from None
        raise InvalidParameter(where, first["msg"]) from None

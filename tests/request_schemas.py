"""Walking the request table's parameter models (their JSON schemas), for the tests
that must cover every parameter of every request type without listing them: where the
strings are, and random bodies that mostly type-check and sometimes do not."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from depvault.api.request_types import RequestType

__all__ = ["Path", "body_at", "fuzz_params", "path_name", "string_paths"]

Path = tuple[str | int, ...]
MAX_DEPTH = 6


def _schema(request_type: RequestType[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = request_type.params.model_json_schema(by_alias=True, mode="validation")
    return schema


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _options(node: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(node, defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return [o for option in node[key] for o in _options(option, defs)]
    return [node]


def _walk(node: dict[str, Any], defs: dict[str, Any], prefix: Path) -> Iterator[Path]:
    if len(prefix) > MAX_DEPTH:
        return
    for option in _options(node, defs):
        kind = option.get("type")
        if kind == "string" or (kind is None and "properties" not in option):
            yield prefix  # a string, an enum, or anything (``Any`` takes a string too)
        elif kind == "array":
            for index, item in enumerate(option.get("prefixItems", [])):
                yield from _walk(item, defs, (*prefix, index))
            items = option.get("items")
            if isinstance(items, dict):
                yield from _walk(items, defs, (*prefix, 0))
        elif kind == "object" or "properties" in option:
            for name, inner in option.get("properties", {}).items():
                yield from _walk(inner, defs, (*prefix, name))
            extra = option.get("additionalProperties", True)
            if extra is True or "properties" not in option:
                yield (*prefix, "name")  # a free dictionary: any key, any value
            elif isinstance(extra, dict):
                yield from _walk(extra, defs, (*prefix, "key"))


def string_paths(request_type: RequestType[Any]) -> list[Path]:
    """Every place a string goes in the request's parameters (an array's first item
    standing for all; a free dictionary's values under the key ``key``)."""
    schema = _schema(request_type)
    paths = dict.fromkeys(_walk(schema, schema.get("$defs", {}), ()))
    return list(paths)


def path_name(path: Path) -> str:
    """How the API names a parameter path: ``addedUser.email``, ``policyIds[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def body_at(path: Path, value: Any) -> dict[str, Any]:
    """A body holding ``value`` at ``path`` (and nothing else)."""
    inner: Any = value
    for part in reversed(path):
        inner = [None] * part + [inner] if isinstance(part, int) else {part: inner}
    assert isinstance(inner, dict)
    return inner


WILD: list[Any] = [
    None,
    "",
    " ",
    "n\x00x",
    "<b>",
    "100%",
    "x" * 300,
    "é" * 70,
    "\U0001f4a5",
    -1,
    0,
    2**31,
    2**63,
    10**30,
    1.5,
    True,
    [],
    {},
    ["a"],
    {"a": 1},
    [None],
    "2024-13-45 99:99:99",
]


def _wild(rng: random.Random) -> Any:
    """A wild value of its own: the lists and objects of ``WILD`` are copied, since a
    body that is later filled in (``requestType``, ``userKey`` …) must not fill them in
    for every later request, or one of them end up holding itself."""
    return copy.deepcopy(rng.choice(WILD))


def _value(
    node: dict[str, Any], defs: dict[str, Any], rng: random.Random, strings: list[str], depth: int
) -> Any:
    if rng.random() < 0.12 or depth > MAX_DEPTH:
        return _wild(rng)
    option = rng.choice(_options(node, defs))
    if "enum" in option:
        return rng.choice(option["enum"])
    kind = option.get("type")
    if kind == "string":
        return rng.choice(strings)
    if kind == "integer":
        return rng.choice([1, 2, 3, 7, 0, -3, 2**31 - 1, 2**31, 2**62, rng.randint(1, 500)])
    if kind == "number":
        return rng.choice([0.5, 1, -2.5, 1e300])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        items = option.get("items") or {}
        return [_value(items, defs, rng, strings, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "object" or "properties" in option:
        out = {}
        for name, inner in option.get("properties", {}).items():
            if name in option.get("required", ()) or rng.random() < 0.5:
                out[name] = _value(inner, defs, rng, strings, depth + 1)
        return out
    return _wild(rng)


def fuzz_params(
    request_type: RequestType[Any], rng: random.Random, strings: list[str]
) -> dict[str, Any]:
    """Random parameters for the request: each field from its schema (strings drawn
    from ``strings``: tokens, names, dates …), with a wild value now and then."""
    schema = _schema(request_type)
    value = _value(schema, schema.get("$defs", {}), rng, strings, 0)
    return value if isinstance(value, dict) else {}

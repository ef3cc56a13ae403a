"""The API reference, built from the request table the server dispatches on.

Per request type: its scope and the access it needs, its parameters (type, required,
default, allowed values: from the same pydantic model that validates them), the shape
of its answer, the errors it answers, and one request and answer captured from a real
run of the test suite (``src/depvault/api_examples.json``, recorded with
``DEPVAULT_RECORD_EXAMPLES``: see ``tests/conftest.py``). The reference is a list of
plain blocks (headings, paragraphs, tables, code) that ``api_reference_render`` writes as
markdown into ``docs/api/`` (``make docs``) and as HTML at ``GET /docs``, so the two
cannot disagree.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depvault.api.registry import Registry
from depvault.api.request_types import Category, RequestType

__all__ = [
    "EXAMPLES_FILE",
    "Block",
    "Examples",
    "Parameter",
    "category_slug",
    "load_examples",
    "merge_examples",
    "parameters",
    "reference_blocks",
    "request_blocks",
]

# package data, so that /docs of an installed server shows them too
EXAMPLES_FILE = Path(__file__).with_name("api_examples.json")
EXTENSIONS = "depvault extensions"

# What every request may answer, whatever its parameters (errors.py, catalog §3).
COMMON_ERRORS = (
    ("3010", "a required parameter (the key, the scope token, or one below) is missing"),
    ("3000", "a parameter has a wrong type or value, or a token names nothing"),
    ("5001", "the key is unknown, or its roles do not grant this access at this scope"),
)


@dataclass(frozen=True)
class Block:
    """One piece of the reference: ``kind`` is h1, h2, h3, p, table or code; a table's
    ``rows`` start with its header."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    anchor: str = ""


@dataclass(frozen=True)
class Parameter:
    """One request parameter as the reference lists it."""

    name: str
    type: str
    required: bool
    default: str
    allowed: str


@dataclass(frozen=True)
class Examples:
    """Captured requests and answers: the first success per request type, and the
    first answer per (request type, error code)."""

    requests: dict[str, dict[str, Any]]
    errors: dict[str, list[dict[str, Any]]]


def load_examples(path: Path) -> Examples:
    """The examples file; an absent file is no examples (the reference says so)."""
    if not path.is_file():
        return Examples({}, {})
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Examples(raw.get("requests", {}), raw.get("errors", {}))


def merge_examples(recordings: Iterable[Path], target: Path) -> int:
    """Pick one example per request type (the shortest success) and the shortest answer
    per (request type, error code) from recorded JSON lines into ``target``; returns how
    many request types have an example. Deterministic for the same recordings."""
    best: dict[str, tuple[int, str, dict[str, Any]]] = {}
    errors: dict[tuple[str, int], tuple[int, str, dict[str, Any]]] = {}
    for path in recordings:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            text = json.dumps(item, sort_keys=True)
            name = item["request"]["requestType"]
            exchange = {"request": item["request"], "answer": item["answer"]}
            if item["error"]:
                key = (name, int(item["answer"]["errorCode"]))
                if key not in errors or (len(text), text) < errors[key][:2]:
                    errors[key] = (len(text), text, item["answer"])
            elif name not in best or (len(text), text) < best[name][:2]:
                best[name] = (len(text), text, exchange)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for (name, _), (_, _, answer) in sorted(errors.items()):
        grouped.setdefault(name, []).append(answer)
    merged = {"requests": {n: best[n][2] for n in sorted(best)}, "errors": grouped}
    target.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(best)


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        kinds = [_type(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(kinds)
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def _allowed(schema: dict[str, Any]) -> str:
    notes = []
    for option in [schema, *schema.get("anyOf", [])]:
        if "const" in option:
            notes.append(f"`{option['const']}`")
        if "enum" in option:
            notes.append(", ".join(f"`{v}`" for v in option["enum"]))
        for key, word in (
            ("minLength", "≥ {} chars"),
            ("maxLength", "≤ {} chars"),
            ("minimum", "≥ {}"),
            ("maximum", "≤ {}"),
            ("minItems", "≥ {} items"),
            ("maxItems", "≤ {} items"),
            ("pattern", "matches `{}`"),
        ):
            if key in option:
                notes.append(word.format(option[key]))
    return "; ".join(notes)


def parameters(request_type: RequestType[Any]) -> list[Parameter]:
    """The parameters of a request body, in the model's order (the envelope first)."""
    schema = request_type.json_schema()
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        default = "" if name in required or prop.get("default") is None else prop["default"]
        found.append(
            Parameter(
                name=name,
                type=_type(prop),
                required=name in required,
                default=json.dumps(default) if default != "" else "",
                allowed=_allowed(prop),
            )
        )
    return found


def _nested_types(request_type: RequestType[Any]) -> list[tuple[str, list[Parameter]]]:
    """The objects parameters are made of (``RoleMembers`` …), each with its fields."""
    definitions = request_type.json_schema().get("$defs", {})
    nested = []
    for name, schema in sorted(definitions.items()):
        required = set(schema.get("required", []))
        fields = [
            Parameter(key, _type(p), key in required, "", _allowed(p))
            for key, p in schema.get("properties", {}).items()
        ]
        nested.append((name, fields))
    return nested


def _shape(value: Any, indent: str = "") -> Iterator[str]:
    """An outline of a JSON value: keys and their types, lists by their first item."""
    if isinstance(value, dict):
        for key, item in value.items():
            kind = type(item).__name__.replace("dict", "object").replace("list", "array")
            kind = {
                "str": "string",
                "int": "integer",
                "float": "number",
                "bool": "boolean",
                "NoneType": "null",
            }.get(kind, kind)
            yield f"{indent}{key}: {kind}"
            yield from _shape(item, indent + "  ")
    elif isinstance(value, list) and value:
        yield from _shape(value[0], indent + "  " if not isinstance(value[0], dict) else indent)


def category_slug(category: Category | None) -> str:
    """The file name (without ``.md``) of a category's page."""
    name = category.value if category else EXTENSIONS
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _cell(parameter: Parameter) -> tuple[str, ...]:
    return (
        f"`{parameter.name}`",
        parameter.type,
        "yes" if parameter.required else "no",
        f"`{parameter.default}`" if parameter.default else "",
        parameter.allowed,
    )


def request_blocks(request_type: RequestType[Any], examples: Examples) -> list[Block]:
    """The reference of one request type."""
    name = request_type.name
    scope = request_type.level.value
    if request_type.alternative_levels:
        scope += " (or " + ", ".join(lv.value for lv in request_type.alternative_levels) + ")"
    doc = inspect.getdoc(request_type.handler) or request_type.summary or ""
    about = f"Scope: **{scope}**; access needed: **{request_type.access.name.lower()}**"
    if request_type.writes:
        about += "; changes data"
    if not request_type.supported:
        about += "; **refused**: registered so clients get a precise error"
    blocks = [Block("h2", name, anchor=name), Block("p", " ".join(doc.split())), Block("p", about)]
    header = ("parameter", "type", "required", "default", "allowed values")
    blocks.append(Block("table", rows=(header, *(_cell(p) for p in parameters(request_type)))))
    for nested, fields in _nested_types(request_type):
        blocks.append(Block("p", f"`{nested}` objects:"))
        blocks.append(Block("table", rows=(header, *(_cell(p) for p in fields))))
    example = examples.requests.get(name)
    if example is not None:
        outline = (
            "\n".join(_shape(example["answer"])) if isinstance(example["answer"], dict) else ""
        )
        blocks.append(Block("h3", "Answer"))
        blocks.append(Block("code", outline or str(example["answer"])))
        blocks.append(Block("h3", "Example"))
        blocks.append(Block("code", json.dumps(example["request"], indent=2)))
        blocks.append(Block("code", json.dumps(example["answer"], indent=2)))
    else:
        blocks.append(Block("p", "No example was captured for this request type yet."))
    seen = [(str(e["errorCode"]), e["errorMessage"]) for e in examples.errors.get(name, [])]
    blocks.append(Block("h3", "Errors"))
    blocks.append(
        Block(
            "table",
            rows=(("errorCode", "when (or a message seen in a real run)"), *COMMON_ERRORS, *seen),
        )
    )
    return blocks


def _by_category(registry: Registry) -> dict[str, list[RequestType[Any]]]:
    grouped: dict[str, list[RequestType[Any]]] = {}
    for request_type in registry:
        grouped.setdefault(category_slug(request_type.category), []).append(request_type)
    return grouped


def reference_blocks(registry: Registry, examples: Examples) -> dict[str, list[Block]]:
    """Every page of the reference by slug: ``index``, then one per category."""
    grouped = _by_category(registry)
    titles = {category_slug(c): c.value for c in Category} | {category_slug(None): EXTENSIONS}
    index = [
        Block("h1", "depvault API reference"),
        Block(
            "p",
            "Every request type depvault registers, generated from its request table "
            "(`src/depvault/api/registry.py`) with `make docs`: do not edit these files by "
            "hand. Each request is one JSON object POSTed to `/api/v1.3` (also `/api/v1.2` "
            "and `/api/v1.4`) with `requestType`, your `userKey` and the token of the "
            'scope it acts on; errors answer `{"errorCode", "errorMessage"}`. The examples '
            "were captured from a real run of the test suite (tokens shown as `<name>`). "
            "`getRequestSchema` answers the JSON Schema of any request type's body.",
        ),
    ]
    rows: list[tuple[str, ...]] = [("request type", "category", "scope", "summary")]
    for slug, request_types in grouped.items():
        for rt in request_types:
            summary = (inspect.getdoc(rt.handler) or rt.summary or "").split("\n")[0]
            rows.append(
                (
                    f"[`{rt.name}`]({slug}.md#{rt.name.lower()})",
                    titles[slug],
                    rt.level.value,
                    summary,
                )
            )
    index.append(Block("table", rows=tuple(rows)))
    pages = {"index": index}
    for slug, request_types in grouped.items():
        page = [Block("h1", titles[slug])]
        for rt in request_types:
            page.extend(request_blocks(rt, examples))
        pages[slug] = page
    return pages


def all_names(pages: dict[str, list[Block]]) -> Iterable[str]:
    """The request types the pages document (for tests)."""
    return [b.text for blocks in pages.values() for b in blocks if b.kind == "h2"]

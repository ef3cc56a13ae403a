"""CycloneDX JSON: parse with orjson, validate with jsonschema-rs against the strict schema
cyclonedx-python-lib ships for the version, map to :class:`CycloneDxFacts`.

Why not the library's ``JsonStrictValidator``: see :mod:`depvault.ingest.cyclonedx.reader`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any, Final, TypeVar

import jsonschema_rs
import orjson
from cyclonedx.schema import SchemaVersion

# The same files, and the same URIs for them, as cyclonedx.validation.json uses.
from cyclonedx.schema._res import BOM_JSON_STRICT, CRYPTOGRAPHY_DEFS, JSF, SPDX_JSON

from depvault.domain.inventory import Component
from depvault.ingest.cyclonedx.build import (
    REFERENCE_KINDS,
    SPEC_VERSIONS,
    CycloneDxFacts,
    maven_type,
    unsupported_version,
)
from depvault.ingest.errors import SbomSchemaError, SbomSyntaxError, UnsupportedSbom

__all__ = ["facts_from_json", "parse_json", "validate_json"]

_BOM: Final = b"\xef\xbb\xbf"
_SCHEMA_PREFIX: Final = "http://cyclonedx.org/schema/"
_RESOURCES: Final = {
    "spdx.SNAPSHOT.schema.json": SPDX_JSON,
    "jsf-0.82.SNAPSHOT.schema.json": JSF,
    "cryptography-defs.SNAPSHOT.schema.json": CRYPTOGRAPHY_DEFS,
}
# jsonschema-rs recurses natively as deep as a document nests where the schema recurses
# (components in components …). orjson stops at 1,024 levels, which takes about 1 MiB of
# stack; a thread with less (musl's default, a small threading.stack_size()) would crash the
# process, so validation runs on a thread of its own with this much (virtual) stack.
_VALIDATION_STACK: Final = 16 * 1024 * 1024
_stack_size_lock = threading.Lock()
_T = TypeVar("_T")


def parse_json(data: bytes) -> tuple[dict[str, Any], str]:
    """The document and its specVersion; raises when it is no CycloneDX JSON we read."""
    try:
        document = orjson.loads(data[3:] if data.startswith(_BOM) else data)
    except orjson.JSONDecodeError as exc:
        raise SbomSyntaxError(f"not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        kind = "an array" if isinstance(document, list) else f"a {type(document).__name__}"
        raise UnsupportedSbom(f"not a CycloneDX document: the JSON value is {kind}, not an object")
    if "bomFormat" not in document:
        raise UnsupportedSbom("not a CycloneDX document: no bomFormat")
    if document["bomFormat"] != "CycloneDX":
        shown = repr(document["bomFormat"])[:40]
        raise UnsupportedSbom(f"not a CycloneDX document: bomFormat is {shown}, not 'CycloneDX'")
    version = document.get("specVersion")
    if version is None:
        raise UnsupportedSbom("CycloneDX JSON document has no specVersion")
    if not isinstance(version, str):
        shown = orjson.dumps(version).decode()[:40]
        raise UnsupportedSbom(f"specVersion must be a string such as '1.4', not {shown}")
    if version not in SPEC_VERSIONS:
        raise UnsupportedSbom(unsupported_version(version))
    return document, version


@cache
def _validator(version: SchemaVersion) -> jsonschema_rs.Validator:
    schema_file = BOM_JSON_STRICT[version]
    assert schema_file is not None  # every version in SPEC_VERSIONS has a JSON schema
    resources = []
    for name, path in _RESOURCES.items():
        with open(path, "rb") as resource:
            resources.append((_SCHEMA_PREFIX + name, orjson.loads(resource.read())))
    with open(schema_file, "rb") as schema:
        return jsonschema_rs.validator_for(
            orjson.loads(schema.read()),
            registry=jsonschema_rs.Registry(resources),
            validate_formats=True,
            offline=True,
        )


def _on_deep_stack(work: Callable[[], _T]) -> _T:
    """``work()``, run on a thread with :data:`_VALIDATION_STACK` of stack."""
    results: list[_T] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # handed to the caller's thread below
            failures.append(exc)

    with _stack_size_lock:  # stack_size() is process-wide: set it only for this thread
        previous = threading.stack_size(_VALIDATION_STACK)
        try:
            thread = threading.Thread(target=run, name="cyclonedx-json-validation")
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    if failures:
        raise failures[0]
    return results[0]


def _path(parts: list[str | int]) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return text or "(document)"


def _shown(value: object) -> str:
    try:
        text = repr(value) if isinstance(value, str) else orjson.dumps(value).decode()
    except TypeError:  # what orjson cannot write back, such as an int past 64 bits
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _reason(error: jsonschema_rs.ValidationError) -> tuple[str, str]:
    """Where and what, in words, without the whole offending value."""
    kinds = jsonschema_rs.ValidationErrorKind
    kind, path = error.kind, list(error.instance_path)
    if isinstance(kind, kinds.Required):
        return _path([*path, kind.property]), "required property missing"
    if isinstance(kind, kinds.AdditionalProperties):
        return _path(path), f"unexpected properties {', '.join(map(repr, kind.unexpected))}"
    if isinstance(kind, kinds.Type):
        return _path(path), f"{_shown(error.instance)} is not of type {' or '.join(kind.types)}"
    if isinstance(kind, kinds.Enum):
        allowed = ", ".join(_shown(o) for o in kind.options[:8])
        more = f" and {len(kind.options) - 8} more" if len(kind.options) > 8 else ""
        return _path(path), f"{_shown(error.instance)} is not one of {allowed}{more}"
    if isinstance(kind, kinds.Format):
        return _path(path), f"{_shown(error.instance)} is not a valid {kind.format}"
    if isinstance(kind, kinds.UniqueItems):
        return _path(path), "items are not unique"
    if isinstance(kind, kinds.Pattern):
        return _path(path), f"{_shown(error.instance)} does not match {kind.pattern}"
    if isinstance(kind, kinds.OneOfNotValid | kinds.AnyOf):
        return _path(path), f"{_shown(error.instance)} matches none of the allowed forms"
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return _path(path), message


def validate_json(document: dict[str, Any], version: str) -> tuple[str, ...]:
    """Check ``document`` against the strict schema of its version; raise
    :class:`SbomSchemaError` naming the first structure error.

    Values that break only a string ``format`` (an ``externalReferences`` URL such as
    ``https://github.com/FasterXML/${project.artifactId}/issues``, common in Maven-built
    SBOMs) are dropped from ``document`` instead, with the object that then misses a
    required property (the reference without its URL); answers what was dropped, as
    ``path: value``, for the request's message."""
    validator = _validator(SPEC_VERSIONS[version])
    dropped: list[tuple[list[str | int], str]] = []
    while True:
        errors = _on_deep_stack(lambda: list(validator.iter_errors(document)))
        if not errors:
            return tuple(f"{_path(at)}: {shown}" for at, shown in dropped)
        removals: list[list[str | int]] = []
        for error in errors:
            at = list(error.instance_path)
            if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Format):
                dropped.append((at, _shown(error.instance)))
                removals.append(at)
            elif isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required) and any(
                gone[: len(at)] == at for gone, _ in dropped
            ):  # the object a dropped value was required in
                removals.append(at)
            else:
                path, reason = _reason(error)
                raise SbomSchemaError(f"CycloneDX {version} JSON", path, reason)
        # deepest and last first, so that the paths of the others stay right
        for at in sorted(removals, key=_removal_order, reverse=True):
            _remove(document, at)


def _removal_order(at: list[str | int]) -> tuple[int, list[str]]:
    return len(at), [f"{p:012d}" if isinstance(p, int) else p for p in at]


def _remove(document: Any, at: list[str | int]) -> None:
    """Take the value at ``at`` out of its parent (an item out of its list)."""
    if not at:
        raise SbomSchemaError("CycloneDX JSON", "(document)", "the document itself is invalid")
    parent = document
    for part in at[:-1]:
        parent = parent[part]
    last = at[-1]
    if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        del parent[last]
    elif isinstance(parent, dict):
        parent.pop(last, None)


def _license(entry: dict[str, Any]) -> str | None:
    if "expression" in entry:
        return str(entry["expression"]) or None
    license_ = entry.get("license", {})
    return license_.get("id") or license_.get("name") or None


def _component(raw: dict[str, Any]) -> Component:
    purl = raw.get("purl") or None
    packaging, classifier = maven_type(purl)
    licenses = (_license(entry) for entry in raw.get("licenses", ()))
    copyright_ = raw.get("copyright")
    return Component(
        ref=raw.get("bom-ref") or "",
        name=raw["name"],
        version=raw.get("version") or None,
        group=raw.get("group") or None,
        purl=purl,
        packaging=packaging,
        classifier=classifier,
        description=raw.get("description") or None,
        licenses=tuple(filter(None, licenses)),
        copyrights=(copyright_,) if copyright_ else (),
        hashes=tuple((h["alg"].upper(), h["content"].lower()) for h in raw.get("hashes", ())),
        references=tuple(
            (REFERENCE_KINDS[r["type"]], r["url"])
            for r in raw.get("externalReferences", ())
            if r["type"] in REFERENCE_KINDS
        ),
        scope=raw.get("scope"),
    )


def _tools(tools: Any) -> list[str]:
    """``name version`` of each tool: the 1.2 to 1.4 list, or the 1.5+ components/services."""
    if isinstance(tools, dict):
        tools = [*tools.get("components", ()), *tools.get("services", ())]
    labels = (" ".join(filter(None, (t.get("name"), t.get("version")))) for t in tools)
    return [label for label in labels if label]


def facts_from_json(document: dict[str, Any], version: str) -> CycloneDxFacts:
    """The facts of a valid CycloneDX JSON document."""
    metadata = document.get("metadata", {})
    root = metadata.get("component", {})
    facts = CycloneDxFacts(version, "JSON", root.get("bom-ref") or None)
    facts.tools = _tools(metadata.get("tools", ()))
    # Flatten depth first without recursion: nesting may go 500 levels deep.
    pending: list[tuple[dict[str, Any], int | None]] = [
        (raw, None) for raw in reversed(document.get("components", ()))
    ]
    while pending:
        raw, parent = pending.pop()
        index = len(facts.components)
        facts.components.append(_component(raw))
        facts.parents.append(parent)
        pending.extend((child, index) for child in reversed(raw.get("components", ())))
    facts.dependencies = [
        (entry["ref"], entry.get("dependsOn", [])) for entry in document.get("dependencies", ())
    ]
    facts.project_parts = len(root.get("components", ()))
    facts.services = len(document.get("services", ()))
    return facts

"""The scanning agent's UPDATE request (catalog §7): decoding ``diff`` and turning each
project's dependency tree into an :class:`~depvault.domain.inventory.Inventory`.

``diff`` is base64(gzip(JSON)) from the Unified Agent, or the plain JSON list from SBOM
import tools; both are accepted. Each project is an AgentProjectInfo with a recursive
``dependencies`` → ``children`` tree of DependencyInfo.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from depvault.domain.identity import AGENT_ECOSYSTEMS
from depvault.domain.inventory import Component, Inventory, Location
from depvault.errors import MalformedBody
from depvault.ingest.decompress import GZIP_MAGIC, gunzip_limited
from depvault.ingest.expansion import ExpansionLimits

__all__ = ["MAX_TREE_DEPTH", "AgentProject", "decode_diff", "read_agent_projects"]

MAX_TREE_DEPTH = 200
HASH_NAMES = {"SHA1": "SHA-1", "SHA256": "SHA-256", "MD5": "MD5", "SHA512": "SHA-512"}


@dataclass(frozen=True)
class AgentProject:
    """One project of an agent update."""

    name: str
    token: str | None
    tags: tuple[tuple[str, str], ...]
    inventory: Inventory


def decode_diff(raw: str, limits: ExpansionLimits) -> list[Any]:
    """The JSON list an agent's ``diff`` carries (plain, or base64 of gzip of it). A
    gzip'd diff is expanded and parsed in an expansion slot."""
    text = raw.strip()
    if text.startswith(("[", "{")):
        data = text.encode("utf-8")
    else:
        try:
            data = base64.b64decode(text.replace(" ", "+"), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedBody("Invalid diff: neither JSON nor base64") from None
        if data.startswith(GZIP_MAGIC):
            with limits.slot():
                return _parse_diff(gunzip_limited(data, limits, "diff"))
    return _parse_diff(data)


def _parse_diff(data: bytes) -> list[Any]:
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(f"Invalid diff: not valid JSON ({exc})") from None
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list):
        raise MalformedBody("Invalid diff: expected a JSON list of projects")
    return parsed


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _component(ref: str, dep: dict[str, Any]) -> Component:
    hashes: dict[str, str] = {}
    if _text(dep.get("sha1")):
        hashes["SHA-1"] = str(dep["sha1"]).lower()
    checksums = dep.get("checksums")
    if isinstance(checksums, dict):
        for name, value in checksums.items():
            algorithm = HASH_NAMES.get(str(name).upper())
            if algorithm and isinstance(value, str) and value and algorithm not in hashes:
                hashes[algorithm] = value.lower()
    dependency_type = _text(dep.get("dependencyType"))
    ecosystem = AGENT_ECOSYSTEMS.get(dependency_type.upper()) if dependency_type else None
    group = _text(dep.get("groupId"))
    if ecosystem is None and group:
        ecosystem = "maven"
    locations = []
    if _text(dep.get("systemPath")) or _text(dep.get("dependencyFile")):
        locations.append(
            Location(
                path=_text(dep.get("systemPath")), dependency_file=_text(dep.get("dependencyFile"))
            )
        )
    name = _text(dep.get("artifactId")) or _text(dep.get("filename")) or ""
    if not name:
        raise MalformedBody(f"Invalid diff: dependency {ref} has neither artifactId nor filename")
    return Component(
        ref=ref,
        name=name,
        version=_text(dep.get("version")),
        group=group,
        purl=_text(dep.get("purl")),
        ecosystem=ecosystem,
        packaging=_text(dep.get("type")),
        classifier=_text(dep.get("classifier")),
        filename=_text(dep.get("filename")),
        hashes=tuple(hashes.items()),
        scope=_text(dep.get("scope")),
        locations=tuple(locations),
    )


def _inventory(dependencies: list[Any], project: str) -> Inventory:
    components: list[Component] = []
    direct: list[str] = []
    edges: list[tuple[str, str]] = []
    stack: list[tuple[Any, str | None, int]] = [(d, None, 1) for d in reversed(dependencies)]
    while stack:
        dep, parent, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise MalformedBody(
                f"Invalid diff: project {project!r} nests dependencies deeper than "
                f"{MAX_TREE_DEPTH} levels"
            )
        if not isinstance(dep, dict):
            raise MalformedBody(f"Invalid diff: project {project!r} has a non-object dependency")
        ref = f"d{len(components)}"
        components.append(_component(ref, dep))
        if parent is None:
            direct.append(ref)
        else:
            edges.append((parent, ref))
        children = dep.get("children") or []
        if not isinstance(children, list):
            raise MalformedBody(f"Invalid diff: children of {ref} is not a list")
        stack.extend((child, ref, depth + 1) for child in reversed(children))
    return Inventory(tuple(components), tuple(direct), tuple(edges), source_format="agent")


def read_agent_projects(projects: list[Any]) -> list[AgentProject]:
    """Every project of a decoded ``diff``."""
    result = []
    for index, info in enumerate(projects):
        if not isinstance(info, dict):
            raise MalformedBody(f"Invalid diff: project #{index} is not an object")
        coordinates = info.get("coordinates") or {}
        name = _text(coordinates.get("artifactId")) if isinstance(coordinates, dict) else None
        token = _text(info.get("projectToken"))
        if not name and not token:
            raise MalformedBody(
                f"Invalid diff: project #{index} has no name (coordinates."
                "artifactId) and no projectToken"
            )
        dependencies = info.get("dependencies") or []
        if not isinstance(dependencies, list):
            raise MalformedBody(f"Invalid diff: dependencies of project #{index} is not a list")
        tags = []
        for tag in info.get("projectTags") or []:
            if isinstance(tag, dict) and _text(tag.get("tagKey")) and _text(tag.get("tagValue")):
                tags.append((str(tag["tagKey"]), str(tag["tagValue"])))
        result.append(
            AgentProject(
                name or "", token, tuple(tags), _inventory(dependencies, name or token or "")
            )
        )
    return result

"""What the CycloneDX JSON and XML readers share: the versions we read, the facts one
document states (:class:`CycloneDxFacts`), and the step from those facts to an
:class:`~depvault.domain.inventory.Inventory` (refs, graph, warnings).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final
from urllib.parse import unquote

from cyclonedx.schema import SchemaVersion

from depvault.domain.inventory import Component, Inventory

__all__ = [
    "REFERENCE_KINDS",
    "SPEC_VERSIONS",
    "CycloneDxFacts",
    "build_inventory",
    "maven_type",
    "unsupported_version",
]

# The spec versions read, and the schema version cyclonedx-python-lib ships for each.
SPEC_VERSIONS: Final = {
    "1.2": SchemaVersion.V1_2,
    "1.3": SchemaVersion.V1_3,
    "1.4": SchemaVersion.V1_4,
    "1.5": SchemaVersion.V1_5,
    "1.6": SchemaVersion.V1_6,
}

# externalReferences types we keep, as Component.references kinds; the others are dropped.
REFERENCE_KINDS: Final = {
    "website": "homePage",
    "vcs": "scmUrl",
    "issue-tracker": "issueUrl",
    "distribution": "downloadUrl",
}

_LISTED: Final = 5  # how many examples a warning names


def unsupported_version(version: object) -> str:
    """The message for a specVersion (or XML namespace version) we do not read."""
    shown = repr(version)[:40]
    return f"CycloneDX version {shown} is not supported: expected one of {', '.join(SPEC_VERSIONS)}"


def maven_type(purl: str | None) -> tuple[str | None, str | None]:
    """The Maven packaging and classifier a ``pkg:maven`` purl gives in its ``type`` and
    ``classifier`` qualifiers (``?type=test-jar`` is packaging ``test-jar``)."""
    if purl is None or purl[:10].lower() != "pkg:maven/" or "?" not in purl:
        return None, None
    packaging = classifier = None
    qualifiers = purl.split("#", 1)[0].split("?", 1)[1]
    for pair in qualifiers.split("&"):
        key, _, value = pair.partition("=")
        key = key.lower()
        if key == "type" and value:
            packaging = unquote(value)
        elif key == "classifier" and value:
            classifier = unquote(value)
    return packaging, classifier


@dataclass(slots=True)
class CycloneDxFacts:
    """One document as its reader found it, before refs are settled.

    ``components`` are flattened in document order (a nested component right after its
    parent); a component's ``ref`` is its bom-ref as written, ``""`` when it has none.
    ``parents[i]`` is the index of the component that nests component ``i``, if any.
    ``dependencies`` are the ``(ref, dependsOn)`` entries as written. ``project_parts``
    counts the components nested in ``metadata.component`` and ``services`` the services:
    neither is imported.
    """

    version: str
    syntax: str
    root_ref: str | None = None
    components: list[Component] = field(default_factory=list)
    parents: list[int | None] = field(default_factory=list)
    dependencies: list[tuple[str, list[str]]] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    project_parts: int = 0
    services: int = 0


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


def _examples(values: list[str]) -> str:
    shown = ", ".join(repr(v) for v in values[:_LISTED])
    return shown + (f" and {len(values) - _LISTED} more" if len(values) > _LISTED else "")


def _settle_refs(facts: CycloneDxFacts) -> tuple[list[Component], set[str], list[str]]:
    """Components with unique refs, the bom-refs kept, and warnings: the first holder of a
    bom-ref keeps it; a component without one, or repeating one (or the project's), gets
    ``<purl or group/name@version>#<index>``, which the document's graph cannot name."""
    taken = {c.ref for c in facts.components if c.ref}
    if facts.root_ref:
        taken.add(facts.root_ref)
    seen: set[str] = set()
    missing: list[str] = []
    repeated: list[str] = []
    settled: list[Component] = []
    for index, component in enumerate(facts.components):
        if component.ref and component.ref not in seen and component.ref != facts.root_ref:
            seen.add(component.ref)
            settled.append(component)
            continue
        (repeated if component.ref else missing).append(component.ref or component.name)
        base = component.purl or "/".join(filter(None, (component.group, component.name)))
        if component.version and not component.purl:
            base += f"@{component.version}"
        ref, extra = f"{base}#{index}", 0
        while ref in taken:
            extra += 1
            ref = f"{base}#{index}.{extra}"
        taken.add(ref)
        settled.append(replace(component, ref=ref))
    warnings = []
    if missing:
        warnings.append(
            f"{_count(len(missing), 'component')} without a bom-ref got generated refs "
            f"({_examples(missing)})"
        )
    if repeated:
        warnings.append(
            f"{_count(len(repeated), 'component')} repeating a bom-ref got generated refs "
            f"({_examples(repeated)}); the first holder of a bom-ref keeps it"
        )
    return settled, seen, warnings


def build_inventory(facts: CycloneDxFacts) -> Inventory:
    """The inventory the facts describe: unique refs, nesting and ``dependencies`` as
    edges, the root's ``dependsOn`` as ``direct``; what cannot be placed is a warning."""
    components, known, warnings = _settle_refs(facts)
    if facts.project_parts:
        warnings.append(
            f"{_count(facts.project_parts, 'component')} nested in metadata.component not "
            "imported: they are parts of the project itself"
        )
    if facts.services:
        warnings.append(f"{_count(facts.services, 'service')} not imported: not components")
    # Nesting is an edge only where the graph says nothing of the parent: a dependencies
    # entry is the whole list of what its ref depends on, and writers also nest for layout
    # (cyclonedx-npm nests node_modules: 125 of juice-shop's 278 nestings are no dependency).
    described = {ref for ref, _ in facts.dependencies}
    edges: dict[tuple[str, str], None] = {}
    for index, parent in enumerate(facts.parents):
        if parent is not None and components[parent].ref not in described:
            edges[components[parent].ref, components[index].ref] = None
    direct: dict[str, None] = {}
    unknown_parents: list[str] = []
    unknown_children: list[str] = []
    for ref, depends_on in facts.dependencies:
        is_root = facts.root_ref is not None and ref == facts.root_ref
        if not is_root and ref not in known:
            unknown_parents.append(ref)
            continue
        for child in depends_on:
            if child not in known:
                unknown_children.append(child)
            elif is_root:
                direct[child] = None
            else:
                edges[ref, child] = None
    if unknown_parents:
        warnings.append(
            f"{_count(len(unknown_parents), 'dependencies entry', 'dependencies entries')} "
            f"naming no component dropped ({_examples(unknown_parents)})"
        )
    if unknown_children:
        warnings.append(
            f"{_count(len(unknown_children), 'dependsOn ref')} naming no component dropped "
            f"({_examples(unknown_children)})"
        )
    return Inventory(
        components=tuple(components),
        direct=tuple(direct),
        edges=tuple(edges),
        source_format=f"CycloneDX {facts.version} {facts.syntax}",
        tool=", ".join(facts.tools) or None,
        warnings=tuple(warnings),
    )

"""The normalized inventory every channel produces, before anything is stored.

A reader (CycloneDX, SPDX, the agent's update request) turns its document into an
:class:`Inventory`: the components with the facts the document states about them, and
the dependency graph between them. Readers state facts and do not decide: library
identity (purl canonicalisation, keys) and license normalisation happen downstream, in
``domain/``, the same way for every channel.

A domain value rather than an ``ingest`` one because the store writes it and the domain's
identity rules read it: ``domain`` imports nothing of depvault but itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Component", "Inventory", "Location", "SourceFile"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a component was found: a file path and/or the dependency file naming it."""

    path: str | None = None
    dependency_file: str | None = None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A source file attributed to a component (agent source-file matches)."""

    sha1: str
    name: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Component:
    """One component as its document describes it.

    ``ref`` is unique within the document (CycloneDX ``bom-ref``, SPDX ``SPDXID``, or a
    reader-generated reference) and is what ``Inventory.edges`` point at. Everything else
    is optional and as stated by the document: ``purl`` as written (with qualifiers),
    ``group``/``name``/``version`` the coordinates (Maven groupId, npm scope, Composer
    vendor …), ``packaging`` and ``classifier`` the Maven type (``jar``, ``test-jar``) and
    classifier, ``ecosystem`` a purl type when the document names one without a purl
    (the agent's ``dependencyType``), ``licenses`` the raw license ids, names or
    expressions, ``hashes`` ``(algorithm, hex)`` pairs with upper-case algorithm names
    (``SHA-1``, ``SHA-256`` …), ``references`` ``(kind, url)`` pairs with kinds
    ``homePage``, ``scmUrl``, ``issueUrl``, ``downloadUrl``, ``pomUrl``.
    """

    ref: str
    name: str
    version: str | None = None
    group: str | None = None
    purl: str | None = None
    ecosystem: str | None = None
    packaging: str | None = None
    classifier: str | None = None
    filename: str | None = None
    description: str | None = None
    licenses: tuple[str, ...] = ()
    copyrights: tuple[str, ...] = ()
    hashes: tuple[tuple[str, str], ...] = ()
    references: tuple[tuple[str, str], ...] = ()
    scope: str | None = None
    locations: tuple[Location, ...] = ()
    source_files: tuple[SourceFile, ...] = ()

    @property
    def sha1(self) -> str | None:
        """The SHA-1 the document gives, lower-case hex, if any."""
        for algorithm, value in self.hashes:
            if algorithm == "SHA-1":
                return value.lower()
        return None


@dataclass(frozen=True, slots=True)
class Inventory:
    """A project's components and their dependency graph.

    ``direct`` lists the refs of direct dependencies (children of the project itself);
    ``edges`` are ``(parent ref, child ref)`` pairs between components. A component that
    appears in neither is a direct dependency too: a dependency graph becomes the tree,
    and components outside the graph hang directly under the project.
    """

    components: tuple[Component, ...]
    direct: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    source_format: str = ""
    tool: str | None = None
    warnings: tuple[str, ...] = field(default=())
    # Values dropped because they broke only a string format of the schema
    # (``path: value``): the document imported without them.
    dropped: tuple[str, ...] = field(default=())

    def direct_refs(self) -> list[str]:
        """The refs directly under the project: declared ones, and every component that no
        edge reaches (in document order, without repeats)."""
        children = {child for _, child in self.edges}
        declared = list(dict.fromkeys(self.direct))
        known = {c.ref for c in self.components}
        seen = set(declared)
        orphans = [c.ref for c in self.components if c.ref not in children and c.ref not in seen]
        return [r for r in declared if r in known] + orphans

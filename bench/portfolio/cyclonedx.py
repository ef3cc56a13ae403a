"""A generated project written as a CycloneDX 1.4 JSON document (for the SBOM import
benchmarks)."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from cyclonedx.spdx import is_supported_id

from depvault.domain.inventory import Component, Inventory
from depvault.ingest.cyclonedx.build import REFERENCE_KINDS
from portfolio.trees import ROOT_REF

CDX_HASHES = frozenset(
    {"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512"}
)
# 1.4 wants references to be IRIs; keycloak's 1.2 SBOM has Maven's unexpanded placeholders
# (https://github.com/apache/maven/tree/${project.scm.tag}): those references are left out.
NOT_IRI = re.compile(r"[\s{}<>\"\\^`|]")
CDX_REFERENCE_TYPES = {kind: cdx_type for cdx_type, kind in REFERENCE_KINDS.items()}


def _cdx_licenses(raws: Sequence[str]) -> list[dict[str, Any]]:
    if len(raws) == 1 and re.search(r" (AND|OR|WITH) ", raws[0]):
        return [{"expression": raws[0]}]
    return [{"license": {"id": r} if is_supported_id(r) else {"name": r}} for r in raws]


def _cdx_component(component: Component) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "library", "bom-ref": component.ref}
    optional = {
        "group": component.group,
        "name": component.name,
        "version": component.version,
        "description": component.description,
        "hashes": [{"alg": a, "content": v} for a, v in component.hashes if a in CDX_HASHES],
        "licenses": _cdx_licenses(component.licenses),
        "purl": component.purl,
        "externalReferences": [
            {"type": CDX_REFERENCE_TYPES[kind], "url": url}
            for kind, url in component.references
            if kind in CDX_REFERENCE_TYPES and not NOT_IRI.search(url)
        ],
    }
    entry.update({key: value for key, value in optional.items() if value})
    return entry


def cyclonedx_document(name: str, inventory: Inventory) -> dict[str, Any]:
    """A CycloneDX 1.4 JSON document of a project: components and dependency graph."""
    children: dict[str, list[str]] = defaultdict(list)
    for parent, child in inventory.edges:
        children[parent].append(child)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'portfolio:' + name)}",
        "version": 1,
        "metadata": {
            "tools": [{"vendor": "depvault", "name": "bench/portfolio"}],
            "component": {"type": "application", "bom-ref": ROOT_REF, "name": name},
        },
        "components": [_cdx_component(c) for c in inventory.components],
        "dependencies": [
            {"ref": ROOT_REF, "dependsOn": list(inventory.direct)},
            *({"ref": c.ref, "dependsOn": children.get(c.ref, [])} for c in inventory.components),
        ],
    }

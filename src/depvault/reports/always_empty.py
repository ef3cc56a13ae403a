"""Reports of data depvault does not hold, answered empty rather than refused.

Bugs (Mend's bug database), container images and Kubernetes clusters (Mend scans them;
depvault does not), effective usage (Mend's code reachability analysis): depvault holds
none of it, so the true report is empty. client-compat.md: cleanup and bulk-report tools
request every report type in a loop and stop at the first error envelope, so these
answer the report's headers and no rows, in every format the family is offered in. An
image's SBOM imported into a project has its vulnerabilities in the ordinary reports.

Each family's columns are what such a report would carry; :data:`REASONS` says why it
is always empty (the coverage document shows it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from sqlalchemy.orm import Session

from depvault.reports.formats.xlsx import Column
from depvault.store.inventories.hierarchy import ProjectFilter

__all__ = ["BUGS", "CLUSTER_INVENTORY", "CONTAINER_VULNERABILITY", "EFFECTIVE_USAGE", "no_rows"]


def no_rows(db: Session, which: ProjectFilter, options: Any = None) -> Iterator[Sequence[object]]:
    """The rows of a report of data depvault does not hold: none."""
    return iter(())


def _columns(*titles: str) -> tuple[Column, ...]:
    return tuple(Column(title, 20) for title in titles)


# (key, title, columns, JSON root, JSON item, why it is always empty)
BUGS: Final = (
    "Bugs",
    "Bugs Report",
    _columns("Product", "Project", "Library", "Version", "Bug", "Title", "Status", "URL"),
    "bugs",
    "bug",
    "depvault holds no data on libraries' known bugs (Mend's bug database)",
)
CONTAINER_VULNERABILITY: Final = (
    "ContainerVulnerability",
    "Container Vulnerability Report",
    _columns("Image", "Tag", "Package", "Version", "Vulnerability", "Severity", "Score", "Top Fix"),
    "vulnerabilities",
    "vulnerability",
    "depvault scans no container images: import an image's SBOM (syft, trivy) into a "
    "project and use the Vulnerability report",
)
CLUSTER_INVENTORY: Final = (
    "ClusterInventory",
    "Cluster Inventory Report",
    _columns("Cluster", "Namespace", "Workload", "Image", "Tag", "Package", "Version"),
    "inventory",
    "component",
    "depvault scans no Kubernetes clusters: import an image's SBOM into a project instead",
)
EFFECTIVE_USAGE: Final = (
    "EffectiveUsageAnalysis",
    "Effective Usage Analysis Report",
    _columns(
        "Product", "Project", "Library", "Version", "Vulnerability", "Effectiveness", "Shield"
    ),
    "libraries",
    "library",
    "effective usage needs Mend's code reachability analysis, which depvault does not have",
)

"""The one name a library goes by in the SPDX export and the Attribution report.

client-compat.md: the SBOM export CLI builds ``SPDXRef-PACKAGE-`` + the Attribution
report's ``detail[*][].library`` and merges license texts into the SPDX package whose
``SPDXID`` equals it; other clients join that ``library`` to the CycloneDX components'
``name``. So both reports take the label from here: the library's name in SPDX's id
characters, unique within the scope. Libraries of the scope sharing a name (two
versions in a product) are told apart by their version, and if that is not enough by
their ``keyId``: a rule that does not depend on which comes first, so both reports agree
whatever order they read in.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.reports.sources.core import in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import Library, Project, ProjectLibrary

__all__ = ["PACKAGE_PREFIX", "library_labels", "spdx_safe"]

PACKAGE_PREFIX: Final = "SPDXRef-PACKAGE-"
# An SPDX identifier allows letters, digits, "." and "-" only (SPDX 2.3 §7.2).
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9.\-]+")


def spdx_safe(text: str) -> str:
    """``text`` in SPDX id characters: each run of others becomes one "-"."""
    return _UNSAFE.sub("-", text) or "-"


def _unique(labels: dict[int, str], better: dict[int, str]) -> dict[int, str]:
    """``labels`` where each label two libraries share is replaced by ``better``'s."""
    shared = {label for label, n in Counter(labels.values()).items() if n > 1}
    return {i: better[i] if label in shared else label for i, label in labels.items()}


def library_labels(db: Session, which: ProjectFilter) -> dict[int, str]:
    """Each library of the scope (by id) → its label, unique within the scope."""
    statement: Any = in_scope(
        select(Library.id, Library.name, Library.version)  # type: ignore[arg-type]
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id)
        .distinct(),
        which,
    )
    names: dict[int, str] = {}
    versioned: dict[int, str] = {}
    for chunk in stream_chunks(db, statement):
        for library_id, name, version in chunk:
            names[library_id] = spdx_safe(name)
            versioned[library_id] = spdx_safe(f"{name}-{version}" if version else name)
    labels = _unique(_unique(names, versioned), {i: f"{v}-{i}" for i, v in versioned.items()})
    # "<name>-<version>-<keyId>" equal to another library's plain label: its keyUuid
    # settles it (would take a library named after another's label and keyId)
    taken = Counter(labels.values())
    for library_id in [i for i, label in labels.items() if taken[label] > 1]:
        key_uuid = db.scalar(select(Library.key_uuid).where(Library.id == library_id))
        labels[library_id] = f"{versioned[library_id]}-{key_uuid}"
    return labels

"""The one name a library goes by in the SPDX export and the Attribution report.

client-compat.md: the SBOM export CLI builds ``SPDXRef-PACKAGE-`` + the Attribution
report's ``detail[*][].library`` and merges license texts into the SPDX package whose
``SPDXID`` equals it. So both reports take the label from here: the library's file name
(Mend's name for a library: ``alpha-1.0.0.jar``, ``gamma-3.0.0.tgz``) in SPDX's id
characters, made unique within the scope by appending the library's ``keyId`` to every
label two libraries of the scope share (a rule that does not depend on which one comes
first, so both reports agree whatever order they read in).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.reports.sources import in_scope, stream_chunks
from depvault.store.hierarchy import ProjectFilter
from depvault.store.models import Library, Project, ProjectLibrary

__all__ = ["PACKAGE_PREFIX", "library_labels", "spdx_safe"]

PACKAGE_PREFIX: Final = "SPDXRef-PACKAGE-"
# An SPDX identifier allows letters, digits, "." and "-" only (SPDX 2.3 §7.2).
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9.\-]+")


def spdx_safe(text: str) -> str:
    """``text`` in SPDX id characters: each run of others becomes one "-"."""
    return _UNSAFE.sub("-", text) or "-"


def library_labels(db: Session, which: ProjectFilter) -> dict[int, str]:
    """Each library of the scope (by id) → its label, unique within the scope."""
    statement: Any = in_scope(
        select(Library.id, Library.filename)  # type: ignore[arg-type]
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id)
        .distinct(),
        which,
    )
    plain: dict[int, str] = {}
    for chunk in stream_chunks(db, statement):
        plain.update((library_id, spdx_safe(filename)) for library_id, filename in chunk)
    shared = {label for label, n in Counter(plain.values()).items() if n > 1}
    labels = {i: f"{label}-{i}" if label in shared else label for i, label in plain.items()}
    taken = Counter(labels.values())
    # a file name that already ends in "-<another library's keyId>": keyUuid settles it
    for library_id in [i for i, label in labels.items() if taken[label] > 1]:
        key_uuid = db.scalar(select(Library.key_uuid).where(Library.id == library_id))
        labels[library_id] = f"{plain[library_id]}-{key_uuid}"
    return labels

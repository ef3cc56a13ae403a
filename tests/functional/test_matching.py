"""Libraries matched against the real advisories: after an inventory update, and again
after a knowledge-base change."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from depvault.admin import Bootstrap
from depvault.ingest.osv import import_osv, read_osv_documents
from depvault.store.db import Database
from depvault.store.models import Advisory, Alert, Library, LibraryVulnerability
from tests.conftest import Api

DATA = Path(
    os.environ.get(
        "DEPVAULT_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"
    )
)
PYPI = DATA / "osv" / "PyPI-all.zip"
SECURITY = "SECURITY_VULNERABILITY"
pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")


def sbom(*packages: tuple[str, str]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {"type": "library", "name": n, "version": v, "purl": f"pkg:pypi/{n}@{v}"}
            for n, v in packages
        ],
    }


def advisories_of(database: Database, name: str, version: str) -> set[str]:
    with database.transaction(write=False) as db:
        return set(
            db.scalars(
                select(Advisory.key)
                .join(LibraryVulnerability, LibraryVulnerability.advisory_id == Advisory.id)
                .join(Library, Library.id == LibraryVulnerability.library_id)
                .where(
                    Library.ecosystem == "pypi", Library.name == name, Library.version == version
                )
            )
        )


def import_project(api: Api, site: Bootstrap, *packages: tuple[str, str]) -> None:
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    answer = api.ok(
        "importProjectSbom", productToken=product, projectName="app", sbom=sbom(*packages)
    )
    assert api.ok(
        "getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"]
    ) == {"requestState": "FINISHED"}


def test_inventories_are_matched_after_their_update(api: Api, site: Bootstrap, database: Database):
    import_osv(database, read_osv_documents([PYPI]))
    import_project(api, site, ("django", "3.2.18"), ("django", "3.2.19"), ("requests", "2.31.0"))
    # PYSEC-2023-61: Django introduced 3.2, fixed 3.2.19
    assert "PYSEC-2023-61" in advisories_of(database, "django", "3.2.18")
    assert "PYSEC-2023-61" not in advisories_of(database, "django", "3.2.19")


def test_a_knowledge_change_rematches_existing_inventories(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
):
    import_project(api, site, ("django", "3.2.18"))
    assert advisories_of(database, "django", "3.2.18") == set()
    with zipfile.ZipFile(PYPI) as archive:
        record = json.loads(archive.read("PYSEC-2023-61.json"))
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / "PYSEC-2023-61.json").write_text(json.dumps(record))
    stats = import_osv(database, read_osv_documents([folder]))
    assert stats.new == 1 and stats.rematched >= 1
    assert advisories_of(database, "django", "3.2.18") == {"PYSEC-2023-61"}
    record["withdrawn"] = "2024-01-01T00:00:00Z"
    record["modified"] = "2099-01-01T00:00:00Z"
    (folder / "PYSEC-2023-61.json").write_text(json.dumps(record))
    import_osv(database, read_osv_documents([folder]))
    assert advisories_of(database, "django", "3.2.18") == set()  # withdrawn: no match


def _advisory(key: str, introduced: str, fixed: str, modified: str) -> dict[str, Any]:
    return {
        "schema_version": "1.6.0",
        "id": key,
        "modified": modified,
        "summary": key,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "django"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}
                ],
            }
        ],
    }


def test_a_rematch_writes_the_difference_and_keeps_what_still_holds(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
):
    """Two libraries, two advisories, and a change that swaps which affects which: the
    vanished matches go, the ones still found (inside the same libraries and advisories)
    stay."""
    folder = tmp_path / "osv"
    folder.mkdir()

    def publish(*records: dict[str, Any]) -> None:
        for record in records:
            (folder / f"{record['id']}.json").write_text(json.dumps(record))
        import_osv(database, read_osv_documents([folder]))

    publish(
        _advisory("TEST-A1", "0", "9.9", "2026-01-01T00:00:00Z"),
        _advisory("TEST-A2", "0", "9.9", "2026-01-01T00:00:00Z"),
    )
    import_project(api, site, ("django", "3.2.18"), ("django", "3.2.19"))
    assert advisories_of(database, "django", "3.2.18") == {"TEST-A1", "TEST-A2"}
    assert advisories_of(database, "django", "3.2.19") == {"TEST-A1", "TEST-A2"}
    publish(
        _advisory("TEST-A1", "3.2.19", "9.9", "2026-02-01T00:00:00Z"),  # not 3.2.18 any more
        _advisory("TEST-A2", "0", "3.2.19", "2026-02-01T00:00:00Z"),  # not 3.2.19 any more
    )
    assert advisories_of(database, "django", "3.2.18") == {"TEST-A2"}
    assert advisories_of(database, "django", "3.2.19") == {"TEST-A1"}


def test_only_projects_whose_alerts_can_change_are_reanalysed(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
):
    """A knowledge change that changes no match, no newest release and no advisory name
    re-derives nobody's alerts; a new CVE alias (the name alerts show) does."""
    folder = tmp_path / "osv"
    folder.mkdir()
    record = _advisory("TEST-A1", "0", "9.9", "2026-01-01T00:00:00Z")

    def publish() -> int:
        (folder / "TEST-A1.json").write_text(json.dumps(record))
        return import_osv(database, read_osv_documents([folder])).reanalysed_projects

    assert publish() == 0  # no inventory yet
    import_project(api, site, ("django", "3.2.18"))
    record["modified"] = "2026-02-01T00:00:00Z"
    record["details"] = "more words, same facts"
    assert publish() == 0
    record["modified"] = "2026-03-01T00:00:00Z"
    record["aliases"] = ["CVE-2026-0001"]
    assert publish() == 1
    with database.transaction(write=False) as db:
        [description] = db.scalars(select(Alert.description).where(Alert.type == SECURITY))
    assert description == "CVE-2026-0001 was found in the library"
    record["modified"] = "2026-04-01T00:00:00Z"
    record["affected"][0]["ranges"][0]["events"][1]["fixed"] = "3.2.18"  # fixed now
    assert publish() == 1
    with database.transaction(write=False) as db:
        [status] = db.scalars(select(Alert.status).where(Alert.type == SECURITY))
    assert status == "Resolved"

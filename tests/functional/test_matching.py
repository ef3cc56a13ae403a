"""Libraries matched against the real advisories: after an inventory update, and again
after a knowledge-base change."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from typer.testing import CliRunner

import depvault.analysis.matching as matching
import depvault.jobs.updates as updates
from depvault.admin import Bootstrap
from depvault.cli.main import app as cli
from depvault.config import Config
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database
from depvault.store.knowledge.lock import hold_knowledge_shared
from depvault.store.models import (
    Advisory,
    Alert,
    Library,
    LibraryVulnerability,
    MatchedLibrary,
    Project,
)
from tests.conftest import Api
from tests.data_files import DATA

DATA = DATA
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
    assert (
        api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])[
            "requestState"
        ]
        == "FINISHED"
    )


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


def test_an_analysis_matches_only_libraries_never_matched(
    api: Api, site: Bootstrap, database: Database, monkeypatch: pytest.MonkeyPatch
):
    """Libraries matched once are kept current by knowledge-base changes, so the next
    inventory holding them matches only what it brings in new, and still gets their
    alerts from the stored matches."""
    import_osv(database, read_osv_documents([PYPI]))
    matched: list[set[int]] = []
    real = updates.match_libraries

    def spy(db: Any, library_ids: Any) -> Any:
        matched.append(set(library_ids))
        return real(db, library_ids)

    monkeypatch.setattr(updates, "match_libraries", spy)
    import_project(api, site, ("django", "3.2.18"), ("requests", "2.31.0"))
    product = api.ok("createProduct", orgToken=site.org_token, productName="Q")["productToken"]
    answer = api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="second",
        sbom=sbom(("django", "3.2.18"), ("flask", "2.2.5")),
    )
    assert (
        api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])[
            "requestState"
        ]
        == "FINISHED"
    )
    with database.transaction(write=False) as db:
        ids = {name: id_ for name, id_ in db.execute(select(Library.name, Library.id))}
        second = db.scalar(select(Project.id).where(Project.name == "second"))
        alerted = set(
            db.scalars(
                select(Advisory.key)
                .join(Alert, Alert.advisory_id == Advisory.id)
                .where(Alert.project_id == second, Alert.library_id == ids["django"])
            )
        )
    assert matched == [{ids["django"], ids["requests"]}, {ids["flask"]}]
    assert "PYSEC-2023-61" in alerted


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite serialises writers at BEGIN
def test_an_import_batch_waits_for_the_analyses_in_flight(database: Database, tmp_path: Path):
    """On PostgreSQL an analysis holds the knowledge lock shared from its first read of
    the advisories to its commit; an import batch that changes advisories waits for it,
    so no analysis marks a library matched against knowledge a batch replaced meanwhile."""
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / "TEST-L1.json").write_text(
        json.dumps(_advisory("TEST-L1", "0", "9.9", "2026-01-01T00:00:00Z"))
    )
    imported = threading.Event()

    def import_now() -> None:
        import_osv(database, read_osv_documents([folder]))
        imported.set()

    importer = threading.Thread(target=import_now)
    with database.transaction() as analysis:
        hold_knowledge_shared(analysis)
        importer.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_advisory_lock(database):
            assert time.monotonic() < deadline, "the import batch never waited for the lock"
            assert not imported.is_set(), "the import batch did not wait for the analysis"
            time.sleep(0.02)
        assert not imported.is_set()
    importer.join(30)
    assert imported.is_set()
    with database.transaction(write=False) as db:
        assert db.scalar(select(Advisory.key)) == "TEST-L1"


def _waiting_for_advisory_lock(database: Database) -> bool:
    with database.transaction(write=False) as db:
        return bool(
            db.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            )
        )


def test_libraries_marked_by_older_matching_rules_are_matched_again(
    api: Api, site: Bootstrap, database: Database, monkeypatch: pytest.MonkeyPatch
):
    """A release whose matching can give other results bumps ``MATCHER``: the marks of
    the older rules count as unmatched, so the next analysis holding a library matches
    it again, with the new rules."""
    import_osv(database, read_osv_documents([PYPI]))
    import_project(api, site, ("django", "3.2.18"))
    with database.transaction() as db:
        [django] = db.scalars(select(Library.id).where(Library.name == "django"))
        assert db.scalar(select(MatchedLibrary.matcher)) == matching.MATCHER
        db.execute(delete(LibraryVulnerability))  # what older, wrong rules could have left
    monkeypatch.setattr(matching, "MATCHER", matching.MATCHER + 1)
    product = api.ok("createProduct", orgToken=site.org_token, productName="Q")["productToken"]
    answer = api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="again",
        sbom=sbom(("django", "3.2.18")),
    )
    assert (
        api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])[
            "requestState"
        ]
        == "FINISHED"
    )
    assert "PYSEC-2023-61" in advisories_of(database, "django", "3.2.18")
    with database.transaction(write=False) as db:
        assert db.execute(select(MatchedLibrary.library_id, MatchedLibrary.matcher)).all() == [
            (django, matching.MATCHER)
        ]


def test_kb_rematch_matches_every_library_again(
    api: Api, site: Bootstrap, database: Database, config: Config
):
    """``depvault kb rematch`` re-matches the whole catalog (an upgrade whose matching
    rules changed): stale matches are corrected and every mark names the current rules."""
    import_osv(database, read_osv_documents([PYPI]))
    import_project(api, site, ("django", "3.2.18"), ("django", "3.2.19"))
    with database.transaction() as db:
        db.execute(delete(LibraryVulnerability))  # what older, wrong rules could have left
        db.execute(update(MatchedLibrary).values(matcher=0))
    env = {
        "DEPVAULT_DATA_DIR": str(config.data_dir),
        "DEPVAULT_DATABASE_URL": config.database_url or "",
    }
    result = CliRunner().invoke(cli, ["kb", "rematch"], env=env)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["packages"] == 1 and figures["rematched_libraries"] == 2
    assert "PYSEC-2023-61" in advisories_of(database, "django", "3.2.18")
    assert "PYSEC-2023-61" not in advisories_of(database, "django", "3.2.19")
    with database.transaction(write=False) as db:
        assert set(db.scalars(select(MatchedLibrary.matcher))) == {matching.MATCHER}

"""One derivation path: the alerts a knowledge import leaves are the alerts ``kb rematch``
derives from the same facts, however the import's steps interleave with other
processes' (issue 17: smallvec 0.6.9 kept NEW_MINOR "0.6.13" after an import, and a
rematch turned it into NEW_MAJOR "1.6.1").

The cause was a cache of newest releases that a re-analysis kept across its
transactions: a step matched smallvec while only RUSTSEC-2018-0018 (fixed 0.6.13) was
known, another process then imported RUSTSEC-2021-0003 (fixed 1.6.1) and stored the new
newest release, and the first re-analysis derived the project's alerts from its stale
copy."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from depvault.admin import Bootstrap, bootstrap
from depvault.analysis.refresh import RefreshStats, refresh, refresh_step, schedule_full_rematch
from depvault.api.app import create_app
from depvault.config import Config
from depvault.ingest.knowledge.osv import write_advisories
from depvault.store.engine.db import Database, create_database
from depvault.store.models import Alert
from tests.conftest import Api
from tests.data_files import OSV
from tests.functional.test_alerts import Portfolio

CRATES = OSV / "crates.io-all.zip"
pytestmark = pytest.mark.skipif(not CRATES.exists(), reason=f"OSV data not found at {CRATES}")

# Real crates with several advisories each whose fixes span major versions, and a
# version of each below most fixes.
HELD = {
    "smallvec": "0.6.9",
    "time": "0.1.40",
    "tokio": "0.1.14",
    "hyper": "0.10.0",
    "openssl": "0.9.0",
    "crossbeam-channel": "0.4.0",
    "lru": "0.5.0",
    "rand_core": "0.3.0",
}


def _advisories(packages: set[str]) -> list[tuple[str, bytes]]:
    """The crates.io records naming any of ``packages``, in file order."""
    with zipfile.ZipFile(CRATES) as archive:
        documents = [(name, archive.read(name)) for name in archive.namelist()]
    return [d for d in documents if any(f'"name": "{p}"'.encode() in d[1] for p in packages)]


def _facts(database: Database) -> list[tuple[Any, ...]]:
    with database.transaction(write=False) as db:
        rows = db.execute(
            select(Alert.project_id, Alert.type, Alert.library_id, Alert.advisory_id)
            .add_columns(Alert.status, Alert.description)
            .order_by(Alert.project_id, Alert.type, Alert.library_id, Alert.advisory_id)
        )
        return [tuple(row) for row in rows]


def _rematched(database: Database) -> list[tuple[Any, ...]]:
    schedule_full_rematch(database)
    refresh(database)
    return _facts(database)


def _step_after_grouping(database: Database, stats: RefreshStats | None = None) -> str | None:
    """The next re-analysis step once the new records are grouped (grouping by alias runs
    first, issue 11): the steps this test interleaves are the ones after it."""
    step = refresh_step(database, stats)
    while step == "group":
        step = refresh_step(database, stats)
    return step


def test_a_step_interleaved_with_another_import_derives_what_a_rematch_does(
    api: Api, site: Bootstrap, database: Database
) -> None:
    smallvec = _advisories({"smallvec"})
    early = [d for d in smallvec if not d[0].startswith("RUSTSEC-2021-0003")]
    late = [d for d in smallvec if d[0].startswith("RUSTSEC-2021-0003")]
    assert early and late
    portfolio = Portfolio(api, site)
    portfolio.update("rust", ("cargo", "smallvec", "0.6.9"))
    write_advisories(database, early)
    ours = RefreshStats()
    assert _step_after_grouping(database, ours) == "match"  # knows 0.6.13 as the newest
    write_advisories(database, late)  # another process imports the 1.6.1 fix…
    assert _step_after_grouping(database) == "match"  # …and matches it, storing 1.6.1
    assert refresh_step(database, ours) == "alerts"
    assert refresh_step(database, ours) is None
    derived = _facts(database)
    [offer] = [f for f in derived if f[1].startswith("NEW_")]
    assert offer[1:] == ("NEW_MAJOR_VERSION", *offer[2:4], "Active", "Version 1.6.1 is available")
    assert _rematched(database) == derived


def _fresh_site(folder: Path, template: Path) -> tuple[Database, Config]:
    folder.mkdir()
    shutil.copy(template, folder / "depvault.db")
    config = Config(data_dir=folder)
    return create_database(config), config


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_import_and_rematch_derive_the_same_alerts(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> None:
    """Property over real advisories: split into chunks imported in any order, with the
    SBOM imports and other processes' re-analysis steps anywhere between them, the
    alerts left are those a full rematch derives."""
    documents = _advisories(set(HELD))
    order = data.draw(st.permutations(documents))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(order) - 1), max_size=3)))
    chunks = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    sbom_at = data.draw(st.integers(0, len(chunks)))
    database, config = _fresh_site(tmp_path_factory.mktemp("derive") / "site", sqlite_template)
    site = bootstrap(database)
    app = create_app(config, database, migrate=False, inline_jobs=True)
    try:
        with TestClient(app) as client:
            portfolio = Portfolio(Api(client, site.user_key), site)
            ours = RefreshStats()
            for index, chunk in enumerate(chunks):
                if index == sbom_at:
                    portfolio.update("rust", *(("cargo", n, v) for n, v in HELD.items()))
                write_advisories(database, chunk)
                for _ in range(data.draw(st.integers(0, 2))):
                    refresh_step(database, ours if data.draw(st.booleans()) else None)
            if sbom_at == len(chunks):
                portfolio.update("rust", *(("cargo", n, v) for n, v in HELD.items()))
            refresh(database)
            derived = _facts(database)
            assert any(f[1] == "SECURITY_VULNERABILITY" for f in derived)
            assert _rematched(database) == derived
    finally:
        database.dispose()

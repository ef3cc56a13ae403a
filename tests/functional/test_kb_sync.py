"""`kb sync` against an OSV mirror served on 127.0.0.1 (tests/osv_mirror_server.py):
the first sync of three real ecosystems, then only what changed; an interrupted download,
a corrupt archive and a failing mirror that change nothing and are recorded; proxies."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from depvault.config import Config
from depvault.ingest.knowledge import osv_sync
from depvault.ingest.knowledge.osv_mirror import HttpMirror
from depvault.ingest.knowledge.osv_sync import EcosystemSync, sync_osv
from depvault.store.engine.db import Database
from depvault.store.knowledge.sources import OSV, SourceView, read_sources
from depvault.store.models import Advisory
from tests.data_files import OSV as EXPORTS
from tests.osv_mirror_server import (
    ForwardProxy,
    MirrorServer,
    build_mirror,
    rezip,
    serving,
    touch_records,
)

THREE = {
    "PyPI": EXPORTS / "PyPI-all.zip",
    "Go": EXPORTS / "Go-all.zip",
    "crates.io": EXPORTS / "crates.io-all.zip",
}
# small ones for the failure cases: 25 PyPI records, 1,206 crates.io records
SMALL = {"PyPI": EXPORTS / "PyPI-ghsa-sample.zip", "crates.io": EXPORTS / "crates.io-all.zip"}
pytestmark = pytest.mark.skipif(
    not all(p.exists() for p in THREE.values()), reason=f"OSV data not found at {EXPORTS}"
)


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's proxy settings must not carry the loopback mirror's traffic."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def records_naming(export: Path, ecosystem: str) -> int:
    with zipfile.ZipFile(export) as archive:
        return sum(
            any(
                (a.get("package") or {}).get("ecosystem") == ecosystem
                for a in json.loads(archive.read(n)).get("affected") or []
            )
            for n in archive.namelist()
        )


def sources(database: Database) -> dict[str, SourceView]:
    with database.transaction(write=False) as db:
        return {r.ecosystem: r for r in read_sources(db, OSV)}


def advisories(database: Database) -> int:
    with database.transaction(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(Advisory)) or 0)


def mirror_of(server: MirrorServer, config: Config) -> HttpMirror:
    return HttpMirror(server.url, config.kb_downloads_dir, attempts=3, backoff=0.01, timeout=10)


def sync(
    database: Database, config: Config, server: MirrorServer, ecosystems: list[str]
) -> dict[str, EcosystemSync]:
    outcomes = sync_osv(database, config, ecosystems, mirror=mirror_of(server, config))
    return {o.ecosystem: o for o in outcomes}


@pytest.fixture
def mirror(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MirrorServer]:
    exports = getattr(request, "param", SMALL)
    server = MirrorServer(build_mirror(tmp_path / "mirror", exports))
    with serving(server):
        yield server


@pytest.mark.parametrize("mirror", [THREE], indirect=True)
def test_first_sync_of_three_ecosystems_then_only_the_changed_records(
    database: Database, config: Config, mirror: MirrorServer
) -> None:
    first = sync(database, config, mirror, list(THREE))
    assert {e: (o.result, o.method) for e, o in first.items()} == {
        e: ("ok", "all.zip") for e in THREE
    }
    assert sorted(mirror.paths()) == sorted(
        ["ecosystems.txt", "PyPI/all.zip", "Go/all.zip", "crates.io/all.zip"]
    )
    held = sources(database)
    for ecosystem, export in THREE.items():
        assert held[ecosystem].records == records_naming(export, ecosystem)
        assert held[ecosystem].last_result == "ok" and held[ecosystem].newest_modified
    assert advisories(database) == 2661 + 4291 + 1206
    assert not list(config.kb_downloads_dir.glob("*.zip*"))  # downloads removed once used

    # 50 records change upstream (a new modified time, the same facts)
    changed = [
        *touch_records(mirror.root, "PyPI", 20, "2030-01-01T00:00:00Z"),
        *touch_records(mirror.root, "Go", 20, "2030-01-02T00:00:00Z"),
        *touch_records(mirror.root, "crates.io", 10, "2030-01-03T00:00:00Z"),
    ]
    mirror.requests.clear()
    second = sync(database, config, mirror, list(THREE))
    fetched = sorted(p.rsplit("/", 1)[1].removesuffix(".json") for p in mirror.paths(".json"))
    assert fetched == sorted(changed)  # those 50 records, and no other record
    assert sorted(mirror.paths(".csv")) == [f"{e}/modified_id.csv" for e in sorted(THREE)]
    assert len(mirror.requests) == 50 + 3 + 1  # the records, the change lists, ecosystems.txt
    assert {e: (o.method, o.fetched, o.changed) for e, o in second.items()} == {
        "PyPI": ("changes", 20, 20),
        "Go": ("changes", 20, 20),
        "crates.io": ("changes", 10, 10),
    }
    assert all(o.stats and o.stats.reanalysed_projects == 0 for o in second.values())
    assert sources(database)["Go"].newest_modified.isoformat() == "2030-01-02T00:00:00"

    mirror.requests.clear()
    third = sync(database, config, mirror, list(THREE))
    assert {o.method for o in third.values()} == {"none"}
    assert mirror.paths(".json") == []


def test_an_interrupted_download_changes_nothing_and_the_next_sync_resumes(
    database: Database, config: Config, mirror: MirrorServer
) -> None:
    size = (mirror.root / "crates.io" / "all.zip").stat().st_size
    half = size // 2
    mirror.drop_at["crates.io/all.zip"] = half  # every attempt breaks at the same byte
    first = sync(database, config, mirror, ["PyPI", "crates.io"])
    assert first["PyPI"].result == "ok"
    assert first["crates.io"].result == "failed"
    assert "crates.io/all.zip" in (first["crates.io"].error or "")
    assert "gave up after 3 attempts" in (first["crates.io"].error or "")
    assert advisories(database) == 25  # nothing of crates.io
    state = sources(database)["crates.io"]
    assert (state.last_result, state.records, state.last_success_at) == ("failed", 0, None)
    assert (config.kb_downloads_dir / "crates.io__all.zip.part").stat().st_size == half
    ranges = [r for p, r in mirror.requests if p == "crates.io/all.zip"]
    assert ranges == [None, f"bytes={half}-", f"bytes={half}-"]  # retries resumed too

    del mirror.drop_at["crates.io/all.zip"]
    mirror.requests.clear()
    mirror.sent.clear()
    second = sync(database, config, mirror, ["crates.io"])
    assert (second["crates.io"].result, second["crates.io"].method) == ("ok", "all.zip")
    assert [r for p, r in mirror.requests if p == "crates.io/all.zip"] == [f"bytes={half}-"]
    assert mirror.sent["crates.io/all.zip"] == size - half  # only the missing half
    assert advisories(database) == 25 + 1206
    assert sources(database)["crates.io"].last_error is None


def test_a_corrupt_archive_and_a_failing_mirror_are_recorded_and_lose_nothing(
    database: Database, config: Config, mirror: MirrorServer
) -> None:
    archive = mirror.root / "crates.io" / "all.zip"
    good = archive.read_bytes()
    middle = len(good) // 2
    archive.write_bytes(
        good[:middle] + bytes(b ^ 0xFF for b in good[middle : middle + 64]) + good[middle + 64 :]
    )
    first = sync(database, config, mirror, ["PyPI", "crates.io"])
    assert first["PyPI"].result == "ok"
    error = first["crates.io"].error or ""
    assert first["crates.io"].result == "failed" and "crates.io/all.zip" in error
    assert "CRC" in error or "not a valid zip" in error or "Bad" in error
    assert advisories(database) == 25
    assert not list(config.kb_downloads_dir.glob("crates.io*"))  # not kept to resume

    archive.write_bytes(good)
    mirror.status_for["PyPI/modified_id.csv"] = 500
    second = sync(database, config, mirror, ["PyPI", "crates.io"])
    assert second["crates.io"].result == "ok"
    assert second["PyPI"].result == "failed"
    assert "PyPI/modified_id.csv: HTTP 500 (gave up after 3 attempts)" in (
        second["PyPI"].error or ""
    )
    pypi = sources(database)["PyPI"]
    assert (pypi.last_result, pypi.records) == ("failed", 25)  # what it held, it holds
    assert advisories(database) == 25 + 1206

    mirror.status_for["PyPI/all.zip"] = 404  # a permanent refusal is not retried
    del mirror.status_for["PyPI/modified_id.csv"]
    third = sync(database, config, mirror, ["PyPI"])
    assert third["PyPI"].result == "ok" and third["PyPI"].method == "none"
    assert sources(database)["PyPI"].last_result == "ok"


def test_the_proxy_from_the_environment_carries_the_sync(
    database: Database, config: Config, mirror: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(ForwardProxy()) as proxy:
        assert isinstance(proxy, ForwardProxy)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        outcome = sync(database, config, mirror, ["PyPI"])["PyPI"]
        assert outcome.result == "ok" and advisories(database) == 25
        assert proxy.carried == [f"{mirror.url}/ecosystems.txt", f"{mirror.url}/PyPI/all.zip"]
        # NO_PROXY names the mirror: the proxy carries nothing more
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        sync(database, config, mirror, ["PyPI"])
        assert len(proxy.carried) == 2
        assert mirror.paths()[-2:] == ["ecosystems.txt", "PyPI/modified_id.csv"]


def test_a_local_folder_is_a_mirror_too(database: Database, config: Config, tmp_path: Path) -> None:
    root = build_mirror(tmp_path / "rsynced", {"PyPI": SMALL["PyPI"]})
    local = dataclasses.replace(config, kb_osv_url=root.as_uri())
    assert sync_osv(database, local, ["PyPI", "npm"])[0].result == "ok"
    npm = sources(database)["npm"]
    assert npm.last_result == "failed" and "no ecosystem named 'npm'" in (npm.last_error or "")
    by_path = dataclasses.replace(config, kb_osv_url=str(root))
    touch_records(root, "PyPI", 2, "2031-01-01T00:00:00Z")
    [again] = sync_osv(database, by_path, ["PyPI"])
    assert (again.method, again.fetched, again.changed) == ("changes", 2, 2)
    assert (root / "PyPI" / "all.zip").exists()  # a mirror's own file is never deleted


def modified_of(database: Database, ids: list[str]) -> dict[str, str]:
    with database.transaction(write=False) as db:
        rows = db.execute(select(Advisory.key, Advisory.modified).where(Advisory.key.in_(ids)))
        return {key: modified.isoformat() for key, modified in rows}


def test_an_incremental_sync_cut_off_halfway_changes_nothing_and_the_next_one_completes(
    database: Database, config: Config, mirror: MirrorServer
) -> None:
    sync(database, config, mirror, ["crates.io"])
    touched = touch_records(mirror.root, "crates.io", 10, "2030-02-01T00:00:00Z")
    before = modified_of(database, touched)
    cursor = sources(database)["crates.io"].newest_modified
    mirror.status_for[f"crates.io/{touched[5]}.json"] = 500  # one record of ten fails
    [cut] = sync(database, config, mirror, ["crates.io"]).values()
    assert cut.result == "failed"
    assert f"crates.io/{touched[5]}.json: HTTP 500 (gave up after 3 attempts)" in (cut.error or "")
    assert modified_of(database, touched) == before  # not even the nine that came
    state = sources(database)["crates.io"]
    assert (state.last_result, state.newest_modified) == ("failed", cursor)

    del mirror.status_for[f"crates.io/{touched[5]}.json"]
    mirror.requests.clear()
    [done] = sync(database, config, mirror, ["crates.io"]).values()
    assert (done.result, done.method, done.fetched, done.changed) == ("ok", "changes", 10, 10)
    assert set(modified_of(database, touched).values()) == {"2030-02-01T00:00:00"}


def test_an_import_that_breaks_off_is_recorded_and_the_next_sync_completes(
    database: Database, config: Config, mirror: MirrorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The download was whole, the import is not (the disk fills after the first batch):
    the sync is recorded as failed with the reason, what was committed stays, and the
    next sync takes the archive again and completes."""
    real = osv_sync.import_osv

    def breaking_off(database: Database, documents: Any, **options: Any) -> Any:
        def until_the_disk_fills() -> Any:
            for number, document in enumerate(documents):
                if number == 1100:  # after the first batch of 1,000 committed
                    raise OSError(28, "No space left on device")
                yield document

        return real(database, until_the_disk_fills(), **options)

    monkeypatch.setattr(osv_sync, "import_osv", breaking_off)
    [broken] = sync(database, config, mirror, ["crates.io"]).values()
    assert broken.result == "failed"
    assert broken.error == "the import broke off: OSError: [Errno 28] No space left on device"
    state = sources(database)["crates.io"]
    assert (state.last_result, state.last_success_at) == ("failed", None)
    assert advisories(database) == 1000  # the committed batch, whole

    monkeypatch.setattr(osv_sync, "import_osv", real)
    [done] = sync(database, config, mirror, ["crates.io"]).values()
    assert (done.result, done.method) == ("ok", "all.zip")
    assert done.stats is not None and (done.stats.new, done.stats.unchanged) == (206, 1000)
    assert advisories(database) == 1206


def test_more_changes_than_the_limit_take_the_archive_again(
    database: Database, config: Config, mirror: MirrorServer
) -> None:
    limited = dataclasses.replace(config, kb_sync_max_changes=20)
    sync_osv(database, limited, ["crates.io"], mirror=mirror_of(mirror, limited))
    touched = touch_records(mirror.root, "crates.io", 30, "2030-03-01T00:00:00Z")
    rezip(mirror.root, "crates.io")
    mirror.requests.clear()
    [again] = sync_osv(database, limited, ["crates.io"], mirror=mirror_of(mirror, limited))
    assert (again.result, again.method, again.fetched, again.changed) == ("ok", "all.zip", 1206, 30)
    assert mirror.paths(".json") == []  # no record one by one
    assert mirror.paths() == ["ecosystems.txt", "crates.io/modified_id.csv", "crates.io/all.zip"]
    assert set(modified_of(database, touched).values()) == {"2030-03-01T00:00:00"}
    # within the limit, the records one by one
    touch_records(mirror.root, "crates.io", 20, "2030-03-02T00:00:00Z")
    [within] = sync_osv(database, limited, ["crates.io"], mirror=mirror_of(mirror, limited))
    assert (within.method, within.fetched, within.changed) == ("changes", 20, 20)

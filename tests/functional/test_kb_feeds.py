"""The NVD, EPSS and KEV feeds fetched on the sync's schedule, against files in the
published formats served on 127.0.0.1 by the test's own server (tests/osv_mirror_server):
the first fetch, conditional requests that download nothing unchanged, NVD's change
files after the yearly ones, failures that change nothing and say why, proxies, a CA
bundle, local copies, the schedule and the command line."""

from __future__ import annotations

import dataclasses
import gzip
import json
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from depvault.analysis.knowledge_status import knowledge_status
from depvault.cli.main import app as cli
from depvault.cli.tls import make_self_signed
from depvault.config import Config
from depvault.domain.timefmt import utcnow
from depvault.ingest.knowledge.feed_fetch import NVD_FIRST_YEAR, FeedFetch, fetch_feeds
from depvault.ingest.knowledge.nvd import import_nvd
from depvault.jobs.kb_sync import KnowledgeSync
from depvault.store.engine.db import Database
from depvault.store.knowledge.signals import read_imports
from depvault.store.knowledge.sync_lock import sync_lock
from depvault.store.models import EpssScore, KevEntry, KnowledgeSource, NvdCve
from tests.osv_mirror_server import ForwardProxy, MirrorServer, serving

V31_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V31_LOW = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"
YEARS = [f"nvdcve-2.0-{y}.json.gz" for y in range(NVD_FIRST_YEAR, utcnow().year + 1)]
CHANGES = ["nvdcve-2.0-modified.json.gz", "nvdcve-2.0-recent.json.gz"]
EPSS = "epss/epss_scores-current.csv.gz"
KEV = "kev/known_exploited_vulnerabilities.json"


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's proxy settings must not carry the loopback server's traffic."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def item(cve: str, modified: str, vector: str) -> dict[str, Any]:
    """A vulnerabilities[] item as NVD's CVE JSON 2.0 feeds publish it."""
    return {
        "cve": {
            "id": cve,
            "sourceIdentifier": "cve@mitre.org",
            "published": "2019-02-19T04:15:10.000",
            "lastModified": modified,
            "vulnStatus": "Analyzed",
            "descriptions": [{"lang": "en", "value": "..."}],
            "metrics": {
                "cvssMetricV31": [
                    {"source": "nvd@nist.gov", "type": "Primary",
                     "cvssData": {"version": "3.1", "vectorString": vector}}
                ]
            },
            "weaknesses": [
                {"source": "nvd@nist.gov", "type": "Primary",
                 "description": [{"lang": "en", "value": "CWE-79"}]}
            ],
        }
    }  # fmt: skip


def nvd_file(path: Path, *items: dict[str, Any]) -> None:
    feed = {"format": "NVD_CVE", "version": "2.0", "vulnerabilities": list(items)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(json.dumps(feed).encode()))


def epss_file(path: Path, *rows: str) -> None:
    text = "#model_version:v2025.03.14,score_date:2026-12-06T00:00:00+0000\ncve,epss,percentile\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress((text + "".join(f"{r}\n" for r in rows)).encode()))


def kev_file(path: Path, *cves: str) -> None:
    entries = [
        {"cveID": c, "vendorProject": "V", "product": "P", "dateAdded": "2026-11-30",
         "knownRansomwareCampaignUse": "Unknown"}
        for c in cves
    ]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"dateReleased": "2026-12-01", "vulnerabilities": entries}))


def lay_out(root: Path) -> Path:
    """NVD's folder (every year's file; 2019 and 2020 hold CVEs, the change files a newer
    entry of one of them and a new one), EPSS's and KEV's files."""
    for name in YEARS:
        nvd_file(root / "nvd" / name)
    nvd_file(
        root / "nvd" / "nvdcve-2.0-2019.json.gz",
        item("CVE-2019-0001", "2024-01-01T00:00:00.000", V31_LOW),
        item("CVE-2019-0002", "2024-01-01T00:00:00.000", V31_LOW),
    )
    nvd_file(
        root / "nvd" / "nvdcve-2.0-2020.json.gz",
        item("CVE-2020-0001", "2024-01-01T00:00:00.000", V31_LOW),
    )
    nvd_file(root / "nvd" / CHANGES[0], item("CVE-2019-0001", "2026-12-01T00:00:00.000", V31_HIGH))
    nvd_file(root / "nvd" / CHANGES[1], item("CVE-2026-0001", "2026-12-02T00:00:00.000", V31_HIGH))
    epss_file(root / EPSS, "CVE-2019-0001,0.5,0.9", "CVE-2020-0001,0.01,0.2")
    kev_file(root / KEV, "CVE-2019-0001")
    return root


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MirrorServer]:
    mirror = MirrorServer(lay_out(tmp_path / "feeds"))
    with serving(mirror):
        yield mirror


def fetching(config: Config, server: MirrorServer) -> Config:
    return dataclasses.replace(
        config,
        kb_nvd_url=f"{server.url}/nvd",
        kb_epss_url=f"{server.url}/{EPSS}",
        kb_kev_url=f"{server.url}/{KEV}",
        kb_http_attempts=3,
    )


def fetch(database: Database, config: Config, *feeds: str) -> dict[str, FeedFetch]:
    done = fetch_feeds(database, config, list(feeds) or None, backoff=0.01)
    return {f.feed: f for f in done}


def held(database: Database) -> dict[str, Any]:
    """Every row of the three feeds' tables."""
    with database.transaction(write=False) as db:
        return {
            "nvd": {r.cve: (r.cvss3_vector, r.last_modified) for r in db.scalars(select(NvdCve))},
            "epss": {r.cve: r.epss for r in db.scalars(select(EpssScore))},
            "kev": {r.cve: r.date_added for r in db.scalars(select(KevEntry))},
        }


def status(database: Database, config: Config) -> dict[str, Any]:
    with database.transaction(write=False) as db:
        return knowledge_status(db, config)["sources"]


def test_the_feeds_are_fetched_then_only_what_changed(
    database: Database, config: Config, server: MirrorServer
) -> None:
    cfg = fetching(config, server)
    first = fetch(database, cfg)
    assert {f: (o.result, o.method) for f, o in first.items()} == {
        f: ("ok", "download") for f in ("nvd", "epss", "kev")
    }
    assert first["nvd"].downloaded == [*YEARS, *CHANGES]  # the years, then the changes
    assert sorted(server.paths()) == sorted([*(f"nvd/{n}" for n in [*YEARS, *CHANGES]), EPSS, KEV])
    rows = held(database)
    # -modified's newer entry wins over the yearly file's
    assert rows["nvd"]["CVE-2019-0001"][0] == V31_HIGH
    assert sorted(rows["nvd"]) == [
        "CVE-2019-0001",
        "CVE-2019-0002",
        "CVE-2020-0001",
        "CVE-2026-0001",
    ]
    assert rows["epss"] == {"CVE-2019-0001": 0.5, "CVE-2020-0001": 0.01}
    assert list(rows["kev"]) == ["CVE-2019-0001"]
    assert first["epss"].as_json()["read"] == 2 and first["kev"].changed == 1
    sources = status(database, cfg)
    nvd = sources["nvd"]
    assert (nvd["records"], nvd["lastResult"], nvd["lastMethod"]) == (4, "ok", "download")
    assert nvd["url"] == f"{server.url}/nvd" and sorted(nvd["files"]) == sorted([*YEARS, *CHANGES])
    assert sources["epss"]["origin"] == f"{server.url}/{EPSS}"
    assert sources["kev"]["lastError"] is None and sources["kev"]["newest"] == "2026-12-01"
    with database.transaction(write=False) as db:
        imported = {s: r.imported_at for s, r in read_imports(db).items()}

    # nothing changed: NVD asks only for its change files, every answer is a 304
    server.requests.clear()
    second = fetch(database, cfg)
    assert {f: (o.result, o.method, o.downloaded) for f, o in second.items()} == {
        f: ("ok", "unchanged", []) for f in ("nvd", "epss", "kev")
    }
    assert server.paths() == [*(f"nvd/{n}" for n in CHANGES), EPSS, KEV]
    assert server.not_modified == server.paths()  # nothing downloaded
    with database.transaction(write=False) as db:
        assert {s: r.imported_at for s, r in read_imports(db).items()} == imported  # nor imported
    assert status(database, cfg)["nvd"]["lastMethod"] == "unchanged"

    # NVD changes one entry, EPSS publishes a new day: only those two files come
    nvd_file(
        server.root / "nvd" / CHANGES[0],
        item("CVE-2019-0001", "2026-12-01T00:00:00.000", V31_HIGH),
        item("CVE-2020-0001", "2026-12-05T00:00:00.000", V31_HIGH),
    )
    epss_file(server.root / EPSS, "CVE-2019-0001,0.7,0.95")
    server.requests.clear()
    third = fetch(database, cfg)
    assert third["nvd"].downloaded == [CHANGES[0]] and third["nvd"].unchanged == 1
    assert (third["nvd"].changed, third["epss"].changed, third["kev"].method) == (1, 2, "unchanged")
    rows = held(database)
    assert rows["nvd"]["CVE-2020-0001"][0] == V31_HIGH
    assert rows["epss"] == {"CVE-2019-0001": 0.7}  # the whole catalog: one CVE left it

    # a week without a good fetch: the years are asked again (conditionally), and a
    # yearly file re-published with an older entry does not undo the newer one
    with database.transaction() as db:
        db.execute(
            update(KnowledgeSource)
            .where(KnowledgeSource.source == "nvd")
            .values(last_success_at=utcnow() - timedelta(days=8))
        )
    nvd_file(
        server.root / "nvd" / "nvdcve-2.0-2019.json.gz",
        item("CVE-2019-0001", "2024-01-01T00:00:00.000", V31_LOW),
        item("CVE-2019-0002", "2024-02-01T00:00:00.000", V31_HIGH),
    )
    server.requests.clear()
    server.not_modified.clear()
    fourth = fetch(database, cfg, "nvd")["nvd"]
    assert fourth.downloaded == ["nvdcve-2.0-2019.json.gz"]
    assert len(server.not_modified) == len(YEARS) - 1 + len(CHANGES)
    assert fourth.changed == 1  # CVE-2019-0002; CVE-2019-0001 keeps -modified's entry
    rows = held(database)
    assert rows["nvd"]["CVE-2019-0001"][0] == V31_HIGH
    assert rows["nvd"]["CVE-2019-0002"][0] == V31_HIGH


def test_last_modified_alone_makes_the_requests_conditional(
    database: Database, config: Config, server: MirrorServer
) -> None:
    server.etags = False
    cfg = fetching(config, server)
    assert fetch(database, cfg, "kev")["kev"].method == "download"
    assert fetch(database, cfg, "kev")["kev"].method == "unchanged"
    assert server.not_modified == [KEV]


def test_a_failed_fetch_changes_nothing_and_says_why(
    database: Database, config: Config, server: MirrorServer
) -> None:
    cfg = fetching(config, server)
    fetch(database, cfg)
    before = held(database)
    with database.transaction(write=False) as db:
        imported = read_imports(db)
    # KEV's server fails; EPSS's new file breaks off midway every time; NVD's changed
    # file arrives whole but corrupt
    server.status_for[KEV] = 500
    epss_file(server.root / EPSS, *(f"CVE-2020-{n:04d},0.1,0.1" for n in range(1, 3000)))
    server.drop_at[EPSS] = (server.root / EPSS).stat().st_size // 2
    modified = server.root / "nvd" / CHANGES[0]
    nvd_file(modified, *(item(f"CVE-2025-{n:04d}", "2026-12-06T00:00:00.000", V31_HIGH)
                         for n in range(1, 500)))  # fmt: skip
    good = modified.read_bytes()
    middle = len(good) // 2
    modified.write_bytes(good[:middle] + bytes(b ^ 0x5A for b in good[middle : middle + 32])
                         + good[middle + 32 :])  # fmt: skip

    failed = fetch(database, cfg)
    assert {f: o.result for f, o in failed.items()} == {f: "failed" for f in ("nvd", "epss", "kev")}
    assert f"{server.url}/{KEV}: HTTP 500 (gave up after 3 attempts)" == failed["kev"].error
    assert f"{server.url}/{EPSS}" in (failed["epss"].error or "")
    assert "gave up after 3 attempts" in (failed["epss"].error or "")
    assert (failed["nvd"].error or "").startswith(
        f"{server.url}/nvd/{CHANGES[0]}: not a valid gzip file ("
    )
    assert held(database) == before  # the knowledge base as it was
    with database.transaction(write=False) as db:
        assert read_imports(db) == imported
    sources = status(database, cfg)
    for feed in ("nvd", "epss", "kev"):
        assert sources[feed]["lastResult"] == "failed"
        assert sources[feed]["lastError"] == failed[feed].error
        assert sources[feed]["lastSuccess"] is not None  # the good fetch before stays
    assert sources["kev"]["records"] == 1
    leftovers = list((cfg.kb_downloads_dir / "feeds").rglob("*"))
    assert [p for p in leftovers if p.is_file()] == []  # nothing left behind

    # repaired upstream: the next fetch downloads what failed (no validator was kept)
    del server.status_for[KEV]
    del server.drop_at[EPSS]
    modified.write_bytes(good)
    server.requests.clear()
    again = fetch(database, cfg)
    assert {f: o.result for f, o in again.items()} == {f: "ok" for f in ("nvd", "epss", "kev")}
    assert again["nvd"].downloaded == [CHANGES[0]] and again["nvd"].changed == 499
    assert again["epss"].changed == 2999 + 1  # 2,999 written (one a changed score), one gone
    # KEV's file did not change behind the 500s: the validator of the good fetch answers
    assert again["kev"].method == "unchanged" and server.not_modified[-1] == KEV
    assert status(database, cfg)["kev"]["lastResult"] == "ok"


def test_a_feed_that_reads_as_nothing_is_a_failure(
    database: Database, config: Config, server: MirrorServer
) -> None:
    """A server answering 200 with something else (a portal's page) imports nothing and
    keeps no validator: the next fetch asks again."""
    (server.root / KEV).write_text("<html>please log in</html>")
    epss = server.root / EPSS
    epss.write_bytes(gzip.compress(b"<html>please log in</html>\n"))
    cfg = fetching(config, server)
    outcome = fetch(database, cfg, "kev", "epss")
    assert outcome["kev"].result == "failed" and "not JSON" in (outcome["kev"].error or "")
    assert outcome["epss"].result == "failed"
    assert "expected 3 fields" in (outcome["epss"].error or "")
    assert held(database)["epss"] == {}
    server.requests.clear()
    fetch(database, cfg, "epss")
    assert server.not_modified == []  # asked again in full


def test_the_proxy_variables_carry_the_feeds(
    database: Database,
    config: Config,
    server: MirrorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = fetching(config, server)
    with serving(ForwardProxy()) as proxy:
        assert isinstance(proxy, ForwardProxy)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert fetch(database, cfg, "kev", "epss")["kev"].result == "ok"
        assert proxy.carried == [f"{server.url}/{KEV}", f"{server.url}/{EPSS}"]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        fetch(database, cfg, "kev")
        assert len(proxy.carried) == 2  # the mirror is exempt now
        assert server.paths()[-1] == KEV


def test_the_ca_bundle_setting_trusts_a_private_ca(
    database: Database, config: Config, tmp_path: Path
) -> None:
    """An HTTPS server whose certificate only DEPVAULT_KB_CA_BUNDLE vouches for (a
    TLS-inspecting proxy's CA, a site's own mirror)."""
    cert, key = make_self_signed(["127.0.0.1"], 1)
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    mirror = MirrorServer(lay_out(tmp_path / "feeds"))
    mirror.socket = context.wrap_socket(mirror.socket, server_side=True)
    with serving(mirror):
        url = mirror.url.replace("http://", "https://") + f"/{KEV}"
        untrusted = dataclasses.replace(config, kb_kev_url=url, kb_http_attempts=1)
        outcome = fetch(database, untrusted, "kev")["kev"]
        assert outcome.result == "failed" and "CERTIFICATE_VERIFY_FAILED" in (outcome.error or "")
        trusted = dataclasses.replace(untrusted, kb_ca_bundle=tmp_path / "cert.pem")
        assert fetch(database, trusted, "kev")["kev"].result == "ok"
        missing = dataclasses.replace(untrusted, kb_ca_bundle=tmp_path / "none.pem")
        outcome = fetch(database, missing, "kev")["kev"]
        assert outcome.error == f"the CA bundle {tmp_path / 'none.pem'} does not exist"


def test_local_copies_are_read_in_place_and_skipped_while_unchanged(
    database: Database, config: Config, tmp_path: Path
) -> None:
    root = lay_out(tmp_path / "carried")
    local = dataclasses.replace(
        config,
        kb_nvd_url=str(root / "nvd"),
        kb_epss_url=(root / EPSS).as_uri(),
        kb_kev_url=str(root / KEV),
    )
    first = fetch(database, local)
    assert {f: o.method for f, o in first.items()} == {f: "download" for f in first}
    assert held(database)["nvd"]["CVE-2019-0001"][0] == V31_HIGH
    assert (root / KEV).exists() and (root / EPSS).exists()  # never deleted
    second = fetch(database, local)
    assert {f: o.method for f, o in second.items()} == {f: "unchanged" for f in second}
    kev_file(root / KEV, "CVE-2019-0001", "CVE-2020-0001")
    third = fetch(database, local)
    assert (third["kev"].method, third["kev"].changed) == ("download", 1)
    (root / "nvd" / CHANGES[1]).unlink()
    gone = fetch(database, local, "nvd")["nvd"]
    assert gone.result == "failed" and gone.error == f"{root / 'nvd' / CHANGES[1]}: not found"


def test_the_schedule_fetches_the_configured_feeds_once_an_interval(
    database: Database, config: Config, tmp_path: Path
) -> None:
    root = lay_out(tmp_path / "carried")
    scheduled = dataclasses.replace(
        config, kb_sync_interval=6.0, kb_kev_url=str(root / KEV), kb_epss_url=str(root / EPSS)
    )
    syncer = KnowledgeSync(database, scheduled)
    assert syncer.due_feeds() == ["epss", "kev"]
    with sync_lock(database, scheduled.kb_downloads_dir) as held_here:
        assert held_here and syncer.run_due(full=True) is None  # another process syncs
    quick = syncer.run_due(full=False)
    assert quick is not None and quick.feeds == []  # the half-minute rounds take none
    done = syncer.run_due(full=True)
    assert done is not None and done.ecosystems == []
    assert {f.feed: f.result for f in done.feeds} == {"epss": "ok", "kev": "ok"}
    assert syncer.due_feeds() == []  # not again within the interval
    with database.transaction() as db:
        db.execute(
            update(KnowledgeSource)
            .where(KnowledgeSource.source == "kev")
            .values(last_sync_at=utcnow() - timedelta(hours=7))
        )
    assert syncer.due_feeds() == ["kev"]


def test_kb_sync_fetches_the_feeds_asked_for(tmp_path: Path) -> None:
    root = lay_out(tmp_path / "carried")
    env = {
        "DEPVAULT_DATA_DIR": str(tmp_path / "data"),
        "DEPVAULT_DATABASE_URL": "",
        "DEPVAULT_KB_KEV_URL": str(root / KEV),
        "DEPVAULT_KB_EPSS_URL": "",
        "DEPVAULT_KB_NVD_URL": "",
        "DEPVAULT_KB_ECOSYSTEMS": "",
    }
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    result = CliRunner().invoke(cli, ["kb", "sync", "--feed", "kev"], env=env)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["ecosystems"] == []
    [kev] = printed["feeds"]
    assert (kev["feed"], kev["result"], kev["method"], kev["changed"]) == (
        "kev",
        "ok",
        "download",
        1,
    )
    again = CliRunner().invoke(cli, ["kb", "sync", "--feeds"], env=env)  # OSV: nothing to sync
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout.strip().splitlines()[-1])["feeds"][0]["method"] == "unchanged"
    status = json.loads(
        CliRunner().invoke(cli, ["kb", "status"], env=env).stdout.strip().splitlines()[-1]
    )
    assert status["sources"]["kev"]["lastMethod"] == "unchanged"
    assert "nvd" not in status["sources"]  # neither configured nor ever fetched
    unknown = CliRunner().invoke(cli, ["kb", "sync", "--feed", "cvelist"], env=env)
    assert unknown.exit_code != 0 and "the feeds are nvd, epss, kev" in unknown.output
    unset = CliRunner().invoke(cli, ["kb", "sync", "--feed", "nvd"], env=env)
    assert unset.exit_code != 0 and "DEPVAULT_KB_NVD_URL is not set" in unset.output


def test_the_newer_nvd_entry_wins_whatever_the_order_of_the_files(
    database: Database, tmp_path: Path
) -> None:
    """In one batch (``-modified`` read before a yearly file) and across imports."""
    newer_entry = item("CVE-2019-0001", "2026-12-01T00:00:00.000", V31_HIGH)
    older_entry = item("CVE-2019-0001", "2024-01-01T00:00:00.000", V31_LOW)
    nvd_file(tmp_path / "modified.json.gz", newer_entry)
    nvd_file(tmp_path / "2019.json.gz", older_entry)
    stats = import_nvd(database, [tmp_path / "modified.json.gz", tmp_path / "2019.json.gz"])
    assert (stats.read, stats.changed) == (2, 1)
    assert held(database)["nvd"]["CVE-2019-0001"][0] == V31_HIGH
    again = import_nvd(database, [tmp_path / "2019.json.gz"])  # a later import of the old one
    assert again.changed == 0 and held(database)["nvd"]["CVE-2019-0001"][0] == V31_HIGH

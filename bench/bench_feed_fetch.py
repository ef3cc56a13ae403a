"""Benchmark: the scheduled fetch of NVD's feeds from a server on loopback.

Generates ``--items`` CVE items (``bench_nvd_import``'s generator: about 3 KB of JSON an
item as NVD publishes them) laid out as NVD's feed folder: one
``nvdcve-2.0-<year>.json.gz`` per year from 2002 to this year, ``-modified`` holding
``--changed`` of those items with a newer ``lastModified`` and another vector, and
``-recent`` holding ``--recent`` new ones. The folder is served on 127.0.0.1 by the test
suite's mirror server (ETag, Last-Modified, 304). Per backend, on a fresh store:

- the first fetch (every yearly file and the change files: downloaded, gzip-checked,
  imported);
- a second fetch with nothing changed (two conditional requests answered 304);
- a third after ``-modified`` and ``-recent`` change (those two downloaded and imported).

Usage::

    .venv/bin/python bench/bench_feed_fetch.py [--items 250000] [--changed 2000]
        [--recent 500] [--backend sqlite|postgresql|both] [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nvd_import import item
from bench_sbom_import import backend_stores

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.osv_mirror_server import MirrorServer, serving

from depvault.domain.timefmt import utcnow
from depvault.ingest.knowledge.feed_fetch import NVD_FIRST_YEAR, fetch_feeds

V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def write_feed(path: Path, items: list[dict[str, Any]]) -> None:
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(b'{"format":"NVD_CVE","version":"2.0","vulnerabilities":[')
        for index, entry in enumerate(items):
            out.write((b"," if index else b"") + orjson.dumps(entry))
        out.write(b"]}")


def newer(entry: dict[str, Any], stamp: str) -> dict[str, Any]:
    """The item as NVD changes it: a new lastModified and a v4.0 vector."""
    cve = dict(entry["cve"], lastModified=stamp)
    cve["metrics"] = dict(
        cve["metrics"],
        cvssMetricV40=[
            {"source": "nvd@nist.gov", "type": "Primary",
             "cvssData": {"version": "4.0", "vectorString": V40, "baseScore": 9.3}}
        ],
    )  # fmt: skip
    return {"cve": cve}


def lay_out(folder: Path, items: int, changed: int, recent: int) -> list[dict[str, Any]]:
    """The NVD folder; returns the yearly items (the change files draw on them)."""
    rng = random.Random(11)
    years = list(range(NVD_FIRST_YEAR, utcnow().year + 1))
    generated = [item(f"CVE-{years[n % len(years)]}-{100000 + n}", rng) for n in range(items)]
    for year in years:
        write_feed(
            folder / f"nvdcve-2.0-{year}.json.gz",
            [e for e in generated if e["cve"]["id"].startswith(f"CVE-{year}-")],
        )
    change_files(folder, generated, changed, recent, "2026-12-01T00:00:00.000", rng)
    return generated


def change_files(
    folder: Path,
    generated: list[dict[str, Any]],
    changed: int,
    recent: int,
    stamp: str,
    rng: random.Random,
) -> None:
    write_feed(
        folder / "nvdcve-2.0-modified.json.gz",
        [newer(e, stamp) for e in rng.sample(generated, changed)],
    )
    fresh = [item(f"CVE-2026-{900000 + rng.randrange(90000)}", rng) for _ in range(recent)]
    write_feed(folder / "nvdcve-2.0-recent.json.gz", fresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=250_000)
    parser.add_argument("--changed", type=int, default=2_000)
    parser.add_argument("--recent", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        began = time.perf_counter()
        folder = Path(scratch) / "nvd"
        folder.mkdir()
        generated = lay_out(folder, args.items, args.changed, args.recent)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        print(f"generated {args.items:,} items in {len(list(folder.iterdir()))} files, "
              f"{size:.0f} MB gzip'd, in {time.perf_counter() - began:.0f} s")  # fmt: skip
        server = MirrorServer(Path(scratch))
        with serving(server):
            for label, database, config in backend_stores(args.postgres, "depvault_bench_feeds"):
                if args.backend not in ("both", label.lower()):
                    continue
                config = dataclasses.replace(config, kb_nvd_url=f"{server.url}/nvd")
                rng = random.Random(label)
                for run in ("first fetch", "nothing changed", "change files changed"):
                    if run == "change files changed":
                        stamp = "2026-12-05T00:00:00.000"
                        change_files(folder, generated, args.changed, args.recent, stamp, rng)
                    server.requests.clear()
                    server.not_modified.clear()
                    start = time.perf_counter()
                    [done] = fetch_feeds(database, config, ["nvd"])
                    seconds = time.perf_counter() - start
                    assert done.result == "ok", done.error
                    print(f"{label} {run}: {seconds:.2f} s, {len(server.requests)} requests "
                          f"({len(server.not_modified)} answered 304), "
                          f"{len(done.downloaded)} files downloaded, {done.changed:,} CVEs "
                          f"changed, {done.stats.reanalysed_projects if done.stats else 0} "
                          "projects re-derived")  # fmt: skip


if __name__ == "__main__":
    main()

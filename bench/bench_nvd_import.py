"""Benchmark: importing NVD CVE JSON 2.0 feeds (issue 11 target: 250,000 items in
≤ 60 s and ≤ 300 MB peak RSS).

The feeds are generated: ``--items`` CVE items split into yearly-sized gzip files
(``nvdcve-2.0-<n>.json.gz``, ``--per-file`` items each), each item shaped as NVD
publishes them (descriptions, references, a CVSS v3.1 and a v2 metric for most, a v4
for some, weaknesses, CPE configurations: about 3 KB of JSON). The CVE ids of the three
OSV exports come first, so the import re-groups real advisories as it would in
production. Per backend, a fresh store imports the OSV exports (not timed), then a
child process times ``ingest.nvd.import_nvd`` (the re-analysis it triggers included)
and reports its own peak RSS and CPU time (the process's: PostgreSQL's work is in its
server processes, SQLite's in this one). Then the same feeds again: nothing changed, nothing
written.

The peak RSS is the kernel's high-water mark of the child's own address space
(``VmHWM`` in ``/proc/self/status``), not ``getrusage().ru_maxrss``: Linux carries the
``ru_maxrss`` of the process that forked across ``execve`` (``exec_mmap`` folds the old
address space's high-water mark into the process's), so a child of this parent, which
holds the OSV import and the generated items, reported the parent's peak (318 MB in every
run) whatever the import used.

Usage::

    .venv/bin/python bench/bench_nvd_import.py [--items 250000] [--per-file 25000]
        [--backend sqlite|postgresql|both] [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import orjson

from depvault.config import Config
from depvault.ingest.knowledge.nvd import import_nvd
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database, create_database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sbom_import import backend_stores

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.data_files import DATA

OSV = sorted((DATA / "osv").glob("*-all.zip"))
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
V2 = "AV:N/AC:M/Au:N/C:P/I:P/A:P"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def osv_cves() -> list[str]:
    found: set[str] = set()
    for path in OSV:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                record = orjson.loads(archive.read(name))
                found.update(a for a in record.get("aliases") or [] if a.startswith("CVE-"))
    return sorted(found)


def item(cve: str, rng: random.Random) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    if rng.random() < 0.85:
        metrics["cvssMetricV31"] = [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": {"version": "3.1", "vectorString": V31, "baseScore": 8.8,
                             "baseSeverity": "HIGH"},
                "exploitabilityScore": 2.8,
                "impactScore": 5.9,
            }
        ]  # fmt: skip
    if rng.random() < 0.5:
        metrics["cvssMetricV2"] = [
            {"source": "nvd@nist.gov", "type": "Primary",
             "cvssData": {"version": "2.0", "vectorString": V2, "baseScore": 6.8},
             "baseSeverity": "MEDIUM"}
        ]  # fmt: skip
    if rng.random() < 0.1:
        metrics["cvssMetricV40"] = [
            {"source": "cna@example.org", "type": "Secondary",
             "cvssData": {"version": "4.0", "vectorString": V40, "baseScore": 9.3}}
        ]  # fmt: skip
    words = " ".join(rng.choice(("buffer", "overflow", "in", "the", "parser", "allows",
                                 "remote", "attackers", "to", "execute", "code"))
                     for _ in range(50))  # fmt: skip
    return {
        "cve": {
            "id": cve,
            "sourceIdentifier": "cve@mitre.org",
            "published": "2021-03-01T12:15:10.000",
            "lastModified": f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T08:00:00.000",
            "vulnStatus": "Analyzed",
            "descriptions": [{"lang": "en", "value": words}],
            "metrics": metrics,
            "weaknesses": [
                {"source": "nvd@nist.gov", "type": "Primary",
                 "description": [{"lang": "en", "value": f"CWE-{rng.randint(20, 900)}"}]}
            ],
            "configurations": [
                {"nodes": [{"operator": "OR", "negate": False, "cpeMatch": [
                    {"vulnerable": True,
                     "criteria": f"cpe:2.3:a:vendor{n}:product{n}:*:*:*:*:*:*:*:*",
                     "versionEndExcluding": f"{n}.2.3", "matchCriteriaId": f"{n:08d}-AAAA"}
                    for n in range(rng.randint(1, 4))
                ]}]}
            ],
            "references": [
                {"url": f"https://example.org/advisories/{cve}/{n}", "source": "cve@mitre.org",
                 "tags": ["Third Party Advisory"]}
                for n in range(5)
            ],
        }
    }  # fmt: skip


def generate(folder: Path, items: int, per_file: int) -> list[Path]:
    rng = random.Random(11)
    cves = osv_cves()
    known = set(cves)
    invented = (f"CVE-{2000 + n % 25}-{100000 + n}" for n in range(10 * items))
    cves += [cve for cve in invented if cve not in known][: max(0, items - len(cves))]
    paths = []
    for start in range(0, items, per_file):
        path = folder / f"nvdcve-2.0-{len(paths):02d}.json.gz"
        chunk = cves[start : start + per_file]
        with gzip.open(path, "wb", compresslevel=6) as out:
            out.write(b'{"format":"NVD_CVE","version":"2.0","vulnerabilities":[')
            for index, cve in enumerate(chunk):
                out.write((b"," if index else b"") + orjson.dumps(item(cve, rng)))
            out.write(b"]}")
        paths.append(path)
    return paths


def own_peak_mb() -> float:
    """This process's peak resident set since its ``execve``, in MB (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(url: str, data_dir: str, paths: list[str]) -> None:
    """Run in a fresh process: the import, timed, and this process's peak RSS."""
    config = Config(data_dir=Path(data_dir), database_url=url or None)
    database: Database = create_database(config)
    began = time.perf_counter()
    stats = import_nvd(database, [Path(p) for p in paths])
    elapsed = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = own_peak_mb(), usage.ru_utime + usage.ru_stime
    print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak, "read": stats.read,
                      "changed": stats.changed, "invalid": stats.invalid,
                      "regroups_queued": stats.regroups_queued,
                      "regrouped": stats.regrouped}))  # fmt: skip
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=250_000)
    parser.add_argument("--per-file", type=int, default=25_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2:])
        return
    with tempfile.TemporaryDirectory() as scratch:
        began = time.perf_counter()
        paths = generate(Path(scratch), args.items, args.per_file)
        size = sum(p.stat().st_size for p in paths) / 2**20
        print(f"generated {args.items:,} items in {len(paths)} files, {size:.0f} MB gzip'd, "
              f"in {time.perf_counter() - began:.0f} s")  # fmt: skip
        for label, database, config in backend_stores(args.postgres, "depvault_bench_nvd"):
            if args.backend not in ("both", label.lower()):
                continue
            osv = import_osv(database, read_osv_documents(OSV))
            print(f"{label}: {osv.new:,} OSV advisories imported first (not timed)")
            url = config.database_url or ""
            for run in ("first import", "same feeds again"):
                command = [sys.executable, __file__, "--child", url, str(config.data_dir)]
                done = subprocess.run(  # noqa: S603 (this script, our own arguments)
                    [*command, *map(str, paths)], capture_output=True, text=True, check=True
                )
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                inherited = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                figures["ru_maxrss_mb_as_reported_before"] = round(inherited)
                print(f"{label} {run}: {figures['seconds']:.1f} s "
                      f"(this process's CPU {figures['cpu_seconds']:.1f} s), peak RSS "
                      f"{figures['peak_mb']:.0f} MB, {figures}")  # fmt: skip


if __name__ == "__main__":
    main()

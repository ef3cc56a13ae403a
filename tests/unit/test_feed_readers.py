"""The NVD, EPSS and KEV readers on small files in their published formats, with
malformed entries: each is counted and named, none stops the rest."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from depvault.ingest.knowledge.epss import EpssFile
from depvault.ingest.knowledge.feeds import Problems
from depvault.ingest.knowledge.kev import read_kev
from depvault.ingest.knowledge.nvd import read_nvd

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def metric(vector: str, kind: str = "Primary") -> dict[str, Any]:
    return {"source": "nvd@nist.gov", "type": kind, "cvssData": {"vectorString": vector}}


def item(cve: Any, modified: str = "2024-05-01T10:00:00.123", **metrics: Any) -> dict[str, Any]:
    return {
        "cve": {
            "id": cve,
            "lastModified": modified,
            "metrics": metrics,
            "weaknesses": [
                {"type": "Primary", "description": [{"lang": "en", "value": "CWE-79"}]},
                {"type": "Secondary", "description": [{"lang": "en", "value": "NVD-CWE-noinfo"}]},
            ],
        }
    }


def feed(path: Path, items: list[Any], *, gzipped: bool = True, cut: int = 0) -> Path:
    body = json.dumps({"format": "NVD_CVE", "version": "2.0", "vulnerabilities": items}).encode()
    data = gzip.compress(body) if gzipped else body
    path.write_bytes(data[: len(data) - cut] if cut else data)
    return path


def test_nvd_items_stream_with_their_best_vectors_and_bad_items_named(tmp_path: Path) -> None:
    path = feed(
        tmp_path / "nvdcve-2.0-2024.json.gz",
        [
            item("CVE-2024-0001", cvssMetricV31=[metric(V31, "Secondary"), metric(V31)]),
            item("CVE-2024-0002", cvssMetricV2=[metric(V2)], cvssMetricV40=[metric(V40)]),
            item("CVE-2024-0003", cvssMetricV30=[metric("CVSS:3.0/AV:N/garbage")]),
            item("not-a-cve"),
            item("CVE-2024-0004", modified="yesterday"),
            {"cve": "flat"},
            item("CVE-2024-0005", cvssMetricV31=[metric(V31, "Secondary")]),
        ],
    )
    problems = Problems()
    rows = list(read_nvd([path], problems))
    assert [r["cve"] for r in rows] == ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0005"]
    first = rows[0]
    assert first["cvss3_vector"] == V31 and first["cwes"] == ["CWE-79"]
    assert first["last_modified"] == datetime(2024, 5, 1, 10, 0, 0, 123000)
    assert (rows[1]["cvss4_vector"], rows[1]["cvss2_vector"]) == (V40, V2)
    assert rows[2]["cvss3_vector"] == V31  # only a CNA's score: better than none
    assert problems.count == 4 and not problems.truncated
    assert problems.named == [
        "nvdcve-2.0-2024.json.gz vulnerabilities[2]: CVE-2024-0003: cvssMetricV30 vector "
        "'CVSS:3.0/AV:N/garbage' is not valid",
        "nvdcve-2.0-2024.json.gz vulnerabilities[3]: id 'not-a-cve' is not a CVE id",
        "nvdcve-2.0-2024.json.gz vulnerabilities[4]: CVE-2024-0004: lastModified 'yesterday' "
        "is not a time",
        "nvdcve-2.0-2024.json.gz vulnerabilities[5]: no 'cve' object",
    ]


def test_a_truncated_nvd_feed_keeps_what_came_before(tmp_path: Path) -> None:
    items = [item(f"CVE-2024-{n:04d}", cvssMetricV31=[metric(V31)]) for n in range(1, 200)]
    whole = feed(tmp_path / "whole.json", items, gzipped=False)
    cut = tmp_path / "nvdcve-2.0-modified.json"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    problems = Problems()
    rows = list(read_nvd([cut, feed(tmp_path / "b.json.gz", items[:1])], problems))
    assert 50 < len(rows) < 199 and rows[-1]["cve"] == "CVE-2024-0001"  # the next file read
    assert problems.count == 1 and problems.truncated
    assert problems.named[0].startswith("nvdcve-2.0-modified.json after item")


def epss(path: Path, lines: list[str], *, gzipped: bool = True) -> Path:
    text = "#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000\n"
    text += "cve,epss,percentile\n" + "\n".join(lines) + "\n"
    path.write_bytes(gzip.compress(text.encode()) if gzipped else text.encode())
    return path


def test_epss_rows_and_malformed_lines(tmp_path: Path) -> None:
    problems = Problems()
    reader = EpssFile(
        epss(
            tmp_path / "epss_scores-2024-06-01.csv.gz",
            ["CVE-2024-0001,0.00043,0.0824", "", "CVE-2024-0002,0.9,0.99,extra",
             "GHSA-xxxx,0.1,0.1", "CVE-2024-0003,n/a,0.5", "CVE-2024-0004,-0.1,0.5",
             "CVE-2024-0005,1,1"],
        ),
        problems,
    )  # fmt: skip
    rows = list(reader)
    assert rows == [
        {"cve": "CVE-2024-0001", "epss": 0.00043, "percentile": 0.0824},
        {"cve": "CVE-2024-0005", "epss": 1.0, "percentile": 1.0},
    ]
    assert reader.score_date == "2024-06-01T00:00:00+0000"
    assert problems.count == 4 and [n.split(":")[0] for n in problems.named] == [
        f"epss_scores-2024-06-01.csv.gz line {n}" for n in (5, 6, 7, 8)
    ]
    plain = list(
        EpssFile(epss(tmp_path / "plain.csv", ["CVE-2024-0001,0.5,0.5"], gzipped=False), Problems())
    )
    assert plain == [{"cve": "CVE-2024-0001", "epss": 0.5, "percentile": 0.5}]


def test_a_corrupt_epss_gzip_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = epss(tmp_path / "e.csv.gz", [f"CVE-2024-{n:05d},0.5,0.5" for n in range(5000)])
    path.write_bytes(path.read_bytes()[:-200])
    problems = Problems()
    rows = list(EpssFile(path, problems))
    assert len(rows) < 5000 and problems.truncated and problems.count == 1
    assert "unreadable" in problems.named[0]


def test_kev_entries_and_malformed_ones(tmp_path: Path) -> None:
    entries = [
        {"cveID": "CVE-2021-44228", "dateAdded": "2021-12-10",
         "knownRansomwareCampaignUse": "Known"},
        {"cveID": "CVE-2024-0001", "dateAdded": "2024-01-02",
         "knownRansomwareCampaignUse": "Unknown"},
        {"cveID": "CVE-2024-0002", "dateAdded": "02/01/2024"},
        {"vendorProject": "no id"},
        "not an object",
    ]  # fmt: skip
    path = tmp_path / "known_exploited_vulnerabilities.json"
    path.write_text(json.dumps({"dateReleased": "2024-06-01", "vulnerabilities": entries}))
    problems = Problems()
    rows, released = read_kev(path, problems)
    assert released == "2024-06-01"
    assert rows == [
        {"cve": "CVE-2021-44228", "date_added": date(2021, 12, 10), "ransomware": True},
        {"cve": "CVE-2024-0001", "date_added": date(2024, 1, 2), "ransomware": False},
    ]
    assert problems.named == [
        "known_exploited_vulnerabilities.json vulnerabilities[2]: dateAdded '02/01/2024' is "
        "not a date (YYYY-MM-DD)",
        "known_exploited_vulnerabilities.json vulnerabilities[3]: cveID None is not a CVE id",
        "known_exploited_vulnerabilities.json vulnerabilities[4]: cveID None is not a CVE id",
    ]
    other = tmp_path / "other.json"
    other.write_text('{"vulns": []}')
    problems = Problems()
    assert read_kev(other, problems) == ([], None)
    assert problems.named == ["other.json: no 'vulnerabilities' list: not the KEV catalog"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"vulnerabilities": [')
    assert read_kev(broken, Problems()) == ([], None)

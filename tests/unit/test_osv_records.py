"""Parsing the real OSV exports into advisories."""

from __future__ import annotations

import json
import zipfile
from collections import Counter

import pytest

from depvault.domain.osv.records import band_of, normalise_name, parse_advisory
from tests.data_files import DATA

DATA = DATA
ZIPS = {"PyPI": 2661, "Go": 4291, "crates.io": 1206}
pytestmark = pytest.mark.skipif(
    not (DATA / "osv").is_dir(), reason=f"OSV data not found at {DATA / 'osv'}"
)


def records(ecosystem: str) -> list[dict]:
    with zipfile.ZipFile(DATA / "osv" / f"{ecosystem}-all.zip") as archive:
        return [json.loads(archive.read(n)) for n in archive.namelist()]


@pytest.mark.parametrize(("ecosystem", "count"), list(ZIPS.items()))
def test_every_advisory_parses(ecosystem: str, count: int) -> None:
    raw = records(ecosystem)
    advisories = [parse_advisory(r) for r in raw]
    assert len(advisories) == count
    withdrawn = sum(1 for r in raw if r.get("withdrawn"))
    assert sum(1 for a in advisories if a.withdrawn) == withdrawn
    for record, advisory in zip(raw, advisories, strict=True):
        cves = [a for a in record.get("aliases") or [] if a.startswith("CVE-")]
        if cves:
            assert (advisory.name, advisory.type) == (cves[0], "CVE")
        elif not record["id"].startswith("CVE-"):
            assert (advisory.name, advisory.type) == (record["id"], "WS")
        assert advisory.id == record["id"]


def test_severity_is_never_invented() -> None:
    scored = Counter()
    for ecosystem in ZIPS:
        for record in records(ecosystem):
            advisory = parse_advisory(record, default_band="low")
            has_vector = bool(record.get("severity")) or any(
                a.get("severity") for a in record.get("affected") or []
            )
            stated = (record.get("database_specific") or {}).get("severity")
            if not has_vector and not stated:
                assert not advisory.severity.scored and advisory.severity.band == "low"
                assert advisory.severity.cvss3_score is None
            if advisory.severity.scored:
                scored[ecosystem] += 1
    assert scored["Go"] == 0  # the Go database carries no severity
    assert scored["PyPI"] == 202
    assert scored["crates.io"] == 417


def test_bands_names_and_fixes() -> None:
    assert [band_of(s) for s in (9.8, 7.0, 6.9, 4.0, 3.9, 0.0)] == [
        "critical",
        "high",
        "medium",
        "medium",
        "low",
        "none",
    ]
    assert normalise_name("PyPI", "Django_REST.framework") == "django-rest-framework"
    record = {
        "id": "GHSA-x",
        "modified": "2024-01-02T03:04:05Z",
        "aliases": ["CVE-2024-1"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [
                            {"introduced": "0"},
                            {"fixed": "1.2"},
                            {"introduced": "2.0"},
                            {"fixed": "2.3"},
                        ],
                    }
                ],
            }
        ],
    }
    advisory = parse_advisory(record)
    assert advisory.name == "CVE-2024-1" and advisory.severity.cvss3_score == 9.8
    assert advisory.severity.band == "critical" and advisory.severity.v13_band == "high"
    assert advisory.affected[0].name == "foo-bar" and advisory.affected[0].fixed == ("1.2", "2.3")
    with pytest.raises(ValueError, match="id and a modified"):
        parse_advisory({"id": "X"})


def test_a_malformed_vector_scores_nothing() -> None:
    record = {
        "id": "RUSTSEC-x",
        "modified": "2024-01-02T03:04:05Z",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:broken"}],
    }
    severity = parse_advisory(record, default_band="medium").severity
    assert severity.cvss3_score is None and not severity.scored and severity.band == "medium"

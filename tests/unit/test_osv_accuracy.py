"""Range evaluation against the advisories' own lists of affected versions.

2,621 PyPI advisories in ``shared/data/osv`` list explicit ``versions[]`` beside their
ranges: a ready oracle. For each such ``affected[]`` entry with ECOSYSTEM ranges, the
ranges alone are evaluated on the listed versions and on their neighbours (the versions
the events name), and must agree with the list. The agreement is printed; the goal is
99.9 %, and every remaining disagreement must be listed with its reason.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from depvault.domain.osv.ranges import affected_each, is_affected, parse_range
from tests.data_files import DATA

DATA = DATA
PYPI = DATA / "osv" / "PyPI-all.zip"
# (advisory id, version) → why the ranges and the list disagree there.
_MERGED = (
    "one range holds two branches' events (introduced 2.11 / fixed 2.11.7 and introduced 0"
    " / fixed 2.11.6); the schema's sorted walk makes 2.11.6 fixed: the record is malformed"
)
_CONTRADICTS = "the record's versions[] lists 23.9.0 although its range says fixed: 23.9.0"
_PRERELEASES = (
    "versions[] lists pre-releases of the introduced version; PEP 440 orders 3.2a1 (4.2a1 "
    "…) before 3.2 (4.2), so the ranges do not cover them"
)
EXPECTED_DISAGREEMENTS: dict[tuple[str, str], str] = {
    ("PYSEC-2021-114", "2.11.6"): _MERGED,
    ("PYSEC-2023-177", "23.9.0"): _CONTRADICTS,
    ("PYSEC-2023-177", "23.9.0.post1"): _CONTRADICTS,
    **{
        ("PYSEC-2023-61", v): _PRERELEASES
        for v in ("3.2a1", "3.2b1", "3.2rc1", "4.2a1", "4.2b1", "4.2rc1")
    },
}


@pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")
def test_pypi_ranges_agree_with_the_listed_versions() -> None:
    checked = agreed = advisories = undecidable = 0
    disagreements: dict[tuple[str, str], str] = {}
    with zipfile.ZipFile(PYPI) as archive:
        for name in archive.namelist():
            record = json.loads(archive.read(name))
            if record.get("withdrawn"):
                continue
            counted = False
            for entry in record.get("affected", []):
                listed = entry.get("versions") or []
                ranges = [
                    parse_range(r) for r in entry.get("ranges", []) if r.get("type") == "ECOSYSTEM"
                ]
                if not listed or not ranges:
                    continue
                counted = True
                # Neighbours: the versions a range ends at. Introduced versions are left
                # out: they are often not releases ("4.3a0"), and the list holds releases.
                neighbours = {e.version for r in ranges for e in r.events if e.kind != "introduced"}
                for version in sorted(set(listed) | neighbours):
                    verdict = is_affected("PyPI", version, ranges)
                    expected = version in listed
                    if not verdict.decided_by_ranges:
                        undecidable += 1  # not PEP 440: the matcher goes by versions[]
                        continue
                    checked += 1
                    if verdict.affected == expected:
                        agreed += 1
                    else:
                        disagreements[(record["id"], version)] = (
                            f"ranges say {verdict.affected}, list says {expected}"
                        )
            advisories += counted
    unexplained = {k: v for k, v in disagreements.items() if k not in EXPECTED_DISAGREEMENTS}
    rate = 100 * agreed / checked
    print(
        f"\nOSV accuracy (PyPI): {advisories} advisories, {checked} versions checked, "
        f"{agreed} agree ({rate:.3f} %), {len(disagreements)} disagree; {undecidable} "
        "not orderable (not PEP 440), decided by versions[]"
    )
    for key, why in sorted(unexplained.items())[:40]:
        print("  ", key, why)
    assert advisories > 2500
    assert rate >= 99.9, f"{rate:.3f} % < 99.9 %"
    assert not unexplained, f"disagreements without a recorded reason: {sorted(unexplained)}"
    stale = set(EXPECTED_DISAGREEMENTS) - set(disagreements)
    assert not stale, f"recorded disagreements that no longer occur: {sorted(stale)}"


@pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")
def test_many_versions_at_once_agree_with_one_at_a_time() -> None:
    """``affected_each`` (what matching uses) gives ``is_affected`` for every version, on
    every advisory of the three exports: listed versions, the ranges' event versions and
    variants of them, in each entry's own ecosystem (ECOSYSTEM and SEMVER ranges)."""
    compared = 0
    for export in sorted(PYPI.parent.glob("*-all.zip")):
        with zipfile.ZipFile(export) as archive:
            for name in archive.namelist():
                record = json.loads(archive.read(name))
                for entry in record.get("affected", []):
                    ecosystem = entry.get("package", {}).get("ecosystem", "")
                    ranges = [parse_range(r) for r in entry.get("ranges", [])]
                    listed = frozenset(entry.get("versions") or [])
                    events = {e.version for r in ranges for e in r.events}
                    versions = sorted(
                        listed | events | {f"{v}.1" for v in events} | {"v1.0.0", "0.0.1", "?"}
                    )
                    expected = [
                        is_affected(ecosystem, v, ranges, listed).affected for v in versions
                    ]
                    assert affected_each(ecosystem, versions, ranges, listed) == expected, name
                    compared += len(versions)
    assert compared > 100_000

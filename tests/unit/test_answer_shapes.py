"""Vulnerability and alert objects built once per answer (issue 15), without a database:
what an answer shares between its objects never carries one library's fixes into
another's, the objects keep the catalog's key order, and the columns the list reads
take by position line up with the views they fill."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from depvault.api.handlers.shapes.vulnerabilities import (
    AnswerShapes,
    alert_json,
    vulnerability_json,
)
from depvault.api.request_types import ApiVersion
from depvault.store.alerts import reads as alert_reads
from depvault.store.alerts.reads import AlertView
from depvault.store.inventories import reads as inventory_reads
from depvault.store.inventories.reads import LibraryRow
from depvault.store.knowledge import vulnerability_reads
from depvault.store.knowledge.vulnerability_reads import AdvisoryView

MODIFIED = datetime(2024, 5, 6, 7, 8, 9)
ADVISORY = AdvisoryView(
    id=7,
    key="PYSEC-2024-1",
    name="CVE-2024-1",
    type="CVE",
    published=None,
    modified=MODIFIED,
    summary="summary",
    details="details",
    cvss2_score=None,
    cvss2_vector=None,
    cvss3_score=9.8,
    cvss3_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    cvss4_score=None,
    cvss4_vector=None,
    band="critical",
    scored=True,
    references=(("ADVISORY", "https://example.test/a"), ("FIX", "https://example.test/f")),
    fixes={("PyPI", "django"): ("3.2.19", "4.1.9"), ("npm", "left-pad"): ("1.3.0",)},
    cwes=("CWE-79",),
    kev_date_added=datetime(2024, 6, 1).date(),
)
VULNERABILITY_KEYS = [
    "name",
    "type",
    "severity",
    "score",
    "cvss3_severity",
    "cvss3_score",
    "scoreMetadataVector",
    "scored",
    "publishDate",
    "lastUpdatedDate",
    "url",
    "description",
    "topFix",
    "allFixes",
    "fixResolutionText",
    "references",
    "osvId",
]
SIGNAL_KEYS = [
    "scoreSource",
    "cweIds",
    "epss",
    "epssPercentile",
    "knownExploited",
    "kevDateAdded",
    "knownRansomware",
    "malicious",
]


def library(library_id: int, ecosystem: str, name: str, version: str, direct: bool) -> LibraryRow:
    return LibraryRow(
        id=library_id,
        key_uuid=f"uuid-{library_id}",
        name=name,
        group_id=None,
        version=version,
        classifier=None,
        packaging=None,
        purl=None,
        ecosystem=ecosystem,
        library_type="python",
        filename=f"{name}-{version}",
        sha1=None,
        description=None,
        license_expression=None,
        references={},
        licenses=(),
        direct=direct,
        depth=0,
        scope=None,
    )


LIBRARIES = [
    library(1, "pypi", "Django", "3.2.0", True),
    library(2, "pypi", "django", "4.1.0", False),
    library(3, "npm", "left-pad", "1.0.0", False),
    library(4, "unknown-ecosystem", "thing", "1.0", False),
]


@pytest.mark.parametrize("version", [ApiVersion.V1_3, ApiVersion.V1_4])
def test_one_answer_shows_each_library_its_own_fixes(version: ApiVersion) -> None:
    shapes = AnswerShapes(version)
    shared = [shapes.vulnerability(ADVISORY, lib) for lib in LIBRARIES * 2]
    alone = [vulnerability_json(ADVISORY, lib, version) for lib in LIBRARIES * 2]
    # bytes, key order included: what the answer serialises
    assert [orjson.dumps(v) for v in shared] == [orjson.dumps(v) for v in alone]
    tops = [v["fixResolutionText"] for v in shared[:4]]
    assert tops == [
        "Upgrade to version 3.2.19",
        "Upgrade to version 4.1.9",
        "Upgrade to version 1.3.0",
        "",  # no OSV package: no fixes
    ]
    assert [len(v["allFixes"]) for v in shared[:4]] == [2, 2, 1, 0]
    assert shared[2]["allFixes"][0]["message"] == "Upgrade left-pad to version 1.3.0"
    signals = SIGNAL_KEYS if version is ApiVersion.V1_4 else []
    assert all(list(v) == VULNERABILITY_KEYS + signals for v in shared)
    assert shared[0]["cvss3_severity"] == ("critical" if version is ApiVersion.V1_4 else "high")


def test_alert_dates_and_time_follow_the_alert() -> None:
    shapes = AnswerShapes(ApiVersion.V1_3)
    created, modified = datetime(2024, 1, 2, 3, 4, 5, 678000), datetime(2024, 2, 3)
    items = [
        alert_json(alert(n, created, modified), ApiVersion.V1_3, {"keyId": n}, shapes)
        for n in (1, 2)
    ]
    for item in items:
        assert (item["date"], item["creation_date"], item["modifiedDate"]) == (
            "2024-01-02",
            "2024-01-02",
            "2024-02-03",
        )
        assert item["time"] == int(created.replace(tzinfo=UTC).timestamp() * 1000)
        assert item["vulnerability"]["topFix"]["fixResolution"] == "Upgrade to version 3.2.19"
    assert [item["library"] for item in items] == [{"keyId": 1}, {"keyId": 2}]


def alert(alert_id: int, created: datetime, modified: datetime) -> AlertView:
    return AlertView(
        id=alert_id,
        uuid=f"alert-{alert_id}",
        type="SECURITY_VULNERABILITY",
        level="MAJOR",
        status="Active",
        description="",
        comments=None,
        created_at=created,
        modified_at=modified,
        project_id=1,
        project_name="project",
        project_token="token",
        product_name="product",
        product_token="product-token",
        library=LIBRARIES[0],
        advisory=ADVISORY,
    )


def column_names(statement: object) -> list[str]:
    return [c.name for c in statement.selected_columns]  # type: ignore[attr-defined]


def test_columns_read_by_position_follow_the_views() -> None:
    stored = [f for f in AdvisoryView._fields if f != "fixes"]
    for arrays in (False, True):
        assert column_names(vulnerability_reads._ADVISORIES[arrays]) == [*stored, "group_key"]
        assert column_names(inventory_reads._BY_ID[arrays]) == list(LibraryRow._fields[:15])
    project = column_names(inventory_reads._OF_PROJECT)
    assert project == [*LibraryRow._fields[:15], "direct", "depth", "scope"]
    alerts = column_names(alert_reads._ALERTS)
    assert alerts[alert_reads._ALERT_ID] == "id"
    assert alerts[alert_reads._LIBRARY_ID] == "library_id"
    assert alerts[alert_reads._ADVISORY_ID] == "advisory_id"

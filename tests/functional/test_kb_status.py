"""Saying what is not known: an import in an ecosystem the knowledge base lacks says so
in its request state and the project's vitals, queues that ecosystem's first sync for
the server's schedule, and the status (``getKnowledgeBaseStatus``, ``kb status``) shows
it; once the sync brings the knowledge, the alerts come and the flags go."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.analysis.knowledge_status import knowledge_status
from depvault.api.app import create_app
from depvault.config import Config
from depvault.jobs.kb_sync import KnowledgeSync
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_alerts import DJANGO_ADVISORY, PYPI, knowledge, sbom
from tests.osv_mirror_server import build_mirror

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")

LEFT_PAD = {
    "schema_version": "1.6.0",
    "id": "GHSA-test-left-pad",
    "modified": "2026-01-01T00:00:00Z",
    "details": "left-pad pads wrongly.\n\nUpgrade.",
    "affected": [
        {
            "package": {"ecosystem": "npm", "name": "left-pad"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}],
        }
    ],
}


def npm_mirror(tmp_path: Path) -> Path:
    """A local mirror whose npm export holds one advisory on left-pad."""
    export = tmp_path / "npm-all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("GHSA-test-left-pad.json", json.dumps(LEFT_PAD))
    return build_mirror(tmp_path / "mirror", {"npm": export})


def test_an_ecosystem_without_knowledge_is_said_queued_and_then_synced(
    api: Api,
    site: Bootstrap,
    database: Database,
    config: Config,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY)  # PyPI is known, npm is not
    caplog.set_level(logging.WARNING, logger="depvault.jobs.updates")
    org = {"orgToken": site.org_token}
    product = api.ok("createProduct", **org, productName="P")["productToken"]
    answer = api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="web",
        sbom=sbom(("npm", "left-pad", "1.2.0"), ("pypi", "django", "3.2.0")),
    )
    project = {"projectToken": answer["projectToken"]}
    state: dict[str, Any] = api.ok("getRequestState", **org, requestToken=answer["requestToken"])
    assert state["requestState"] == "FINISHED"
    assert state["message"].startswith("No vulnerability knowledge for npm yet")
    [logged] = [r.getMessage() for r in caplog.records if r.name == "depvault.jobs.updates"]
    assert "holds libraries of npm, which the knowledge base knows nothing about" in logged
    [vitals] = api.ok("getProjectVitals", **project)["projectVitals"]
    assert vitals["knowledgeGaps"] == ["npm"]
    status = api.ok("getKnowledgeBaseStatus", **org)
    assert status["knowledgeGaps"] == ["npm"]
    assert status["ecosystems"]["npm"]["lastResult"] == "never"
    assert status["ecosystems"]["npm"]["syncRequested"] is not None
    assert status["sources"]["osv"]["url"] == config.kb_osv_url
    alerts = api.ok("getProjectAlertsByType", **project, alertType="SECURITY_VULNERABILITY")
    assert [a["library"]["name"] for a in alerts["alerts"]] == ["django"]

    # the server's schedule takes the queued first sync from the configured mirror
    scheduled = dataclasses.replace(
        config, kb_osv_url=str(npm_mirror(tmp_path)), kb_sync_interval=6.0
    )
    syncer = KnowledgeSync(database, scheduled)
    assert syncer.due(full=False) == ["npm"]
    done = syncer.run_due(full=False)
    assert done is not None and done.feeds == []  # feeds only on a full round
    [outcome] = done.ecosystems
    assert (outcome.ecosystem, outcome.result, outcome.method) == ("npm", "ok", "all.zip")
    assert outcome.stats is not None and outcome.stats.reanalysed_projects == 1
    assert syncer.due(full=False) == []

    alerts = api.ok("getProjectAlertsByType", **project, alertType="SECURITY_VULNERABILITY")
    assert sorted(a["library"]["name"] for a in alerts["alerts"]) == ["django", "left-pad"]
    state = api.ok("getRequestState", **org, requestToken=answer["requestToken"])
    assert state == {"requestState": "FINISHED"}
    [vitals] = api.ok("getProjectVitals", **project)["projectVitals"]
    assert "knowledgeGaps" not in vitals
    status = api.ok("getKnowledgeBaseStatus", **org)
    assert status["knowledgeGaps"] == []
    npm = status["ecosystems"]["npm"]
    assert (npm["records"], npm["lastResult"], npm["lastMethod"]) == (1, "ok", "all.zip")
    assert npm["newestModified"] == "2026-01-01T00:00:00Z"
    assert (
        status["sources"]["osv"]["records"] == 1 and status["sources"]["osv"]["lastResult"] == "ok"
    )


def test_a_full_run_syncs_the_catalog_ecosystems_not_attempted_within_the_interval(
    api: Api, site: Bootstrap, database: Database, config: Config, tmp_path: Path
) -> None:
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="web",
        sbom=sbom(("npm", "left-pad", "1.2.0"), ("pypi", "django", "3.2.0")),
    )
    scheduled = dataclasses.replace(
        config,
        kb_osv_url=str(npm_mirror(tmp_path)),
        kb_sync_interval=6.0,
        kb_ecosystems="crates.io",
    )
    syncer = KnowledgeSync(database, scheduled)
    assert syncer.due(full=True) == ["PyPI", "npm", "crates.io"]
    done = syncer.run_due(full=True)
    assert done is not None and done.feeds == []  # no feed configured
    outcomes = {o.ecosystem: o.result for o in done.ecosystems}
    assert outcomes == {"npm": "ok", "PyPI": "failed", "crates.io": "failed"}  # not mirrored
    assert syncer.due(full=True) == []  # every one attempted: not again within 6 h
    status = api.ok("getKnowledgeBaseStatus", orgToken=site.org_token)
    assert status["knowledgeGaps"] == ["PyPI", "crates.io"]
    assert "publishes no ecosystem named 'PyPI'" in status["ecosystems"]["PyPI"]["lastError"]
    assert status["sources"]["osv"]["lastResult"] == "failed"
    assert status["sources"]["osv"]["failing"] == ["PyPI", "crates.io"]


def test_the_server_syncs_on_its_schedule(
    database: Database, config: Config, tmp_path: Path
) -> None:
    """Started with the local workers, the server runs the sync thread: at start it syncs
    the listed ecosystems never attempted, then fetches the configured feeds, and stops
    with the application."""
    mirror = build_mirror(tmp_path / "mirror", {"PyPI": PYPI.parent / "PyPI-ghsa-sample.zip"})
    kev = tmp_path / "known_exploited_vulnerabilities.json"
    kev.write_text(json.dumps({"vulnerabilities": [{"cveID": "CVE-2021-44228"}]}))
    served = dataclasses.replace(
        config,
        kb_osv_url=str(mirror),
        kb_ecosystems="PyPI",
        kb_sync_interval=6.0,
        kb_kev_url=str(kev),
    )
    with TestClient(create_app(served, database, migrate=False)):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with database.transaction(write=False) as db:
                status = knowledge_status(db, served)
            if status["sources"]["kev"]["lastResult"] != "never":
                break
            time.sleep(0.2)
    pypi = status["ecosystems"]["PyPI"]
    assert (pypi["lastResult"], pypi["records"], pypi["lastMethod"]) == ("ok", 25, "all.zip")
    fetched = status["sources"]["kev"]
    assert (fetched["lastResult"], fetched["records"], fetched["lastMethod"]) == (
        "ok",
        1,
        "download",
    )

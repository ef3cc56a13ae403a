"""The ``depvault`` command: bootstrap, organizations, users, TLS, and a real server."""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from depvault.cli.main import app
from depvault.config import Config
from depvault.domain.timefmt import utcnow
from depvault.store.engine.db import create_database
from depvault.store.inventories.hierarchy import create_product, create_project
from depvault.store.organizations.scopes import find_organization
from tests.data_files import DATA
from tests.live_server import free_port, serve_process
from tests.osv_mirror_server import build_mirror

runner = CliRunner()


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DEPVAULT_DATA_DIR": str(tmp_path / "data"),
        "DEPVAULT_DATABASE_URL": "",
        "DEPVAULT_KB_SYNC_INTERVAL": "0",  # a served test fetches nothing from the network
    }


def test_bootstrap_prints_one_json_object_once(env: dict[str, str]) -> None:
    code, out, _ = _run(env, "bootstrap", "--json")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    values = json.loads(lines[0])
    assert set(values) == {"globalOrgToken", "orgToken", "userKey"}
    assert all(len(v) == 64 and v.isalnum() for v in values.values())
    code, out, err = _run(env, "bootstrap", "--json")
    assert code != 0 and out == "" and "already bootstrapped" in err


def test_org_and_user_commands(env: dict[str, str]) -> None:
    _, out, _ = _run(env, "bootstrap", "--json")
    org = json.loads(out)["orgToken"]
    code, out, _ = _run(env, "org", "create", "Acme", "--json")
    assert code == 0
    created = json.loads(out)
    assert len(created["orgToken"]) == 64 and len(created["userKey"]) == 64
    code, out, _ = _run(env, "org", "list", "--json")  # Acme is in no global organization
    assert code == 0
    assert json.loads(out) == [
        {"orgName": "Acme", "orgToken": created["orgToken"], "globalOrgName": None},
        {"orgName": "My Organization", "orgToken": org, "globalOrgName": "Global Organization"},
    ]
    code, out, _ = _run(env, "org", "list")
    assert code == 0 and f"Acme\t{created['orgToken']}\t(no global organization)" in out
    code, out, _ = _run(env, "user", "add", "dev@example.com", "--org", org, "--json")
    first = json.loads(out)["userKey"]
    assert code == 0 and len(first) == 64
    # the same person joining another organization keeps their key
    code, out, _ = _run(
        env, "user", "add", "dev@example.com", "--org", created["orgToken"], "--admin", "--json"
    )
    assert code == 0 and json.loads(out)["userKey"] is None
    code, out, _ = _run(env, "user", "rotate-key", "dev@example.com", "--org", org, "--json")
    rotated = json.loads(out)["userKey"]
    assert code == 0 and rotated != first
    code, _, err = _run(env, "user", "rotate-key", "ghost@example.com", "--org", org)
    assert code != 0 and "not a member" in err
    code, _, err = _run(env, "user", "add", "x@example.com", "--org", "nope")
    assert code != 0 and "organization" in err


def test_attribute_commands(env: dict[str, str]) -> None:
    _, out, _ = _run(env, "bootstrap", "--json")
    org = json.loads(out)["orgToken"]
    # products and projects come from the API; the store functions make them here
    database = create_database(Config(data_dir=Path(env["DEPVAULT_DATA_DIR"])))
    with database.transaction() as db:
        scope = find_organization(db, org)
        assert scope is not None and scope.org is not None
        product = create_product(db, scope.org.id, "Shop", utcnow())
        create_project(db, scope.org.id, product.id, "web", utcnow())
    database.dispose()

    code, out, _ = _run(env, "attribute", "define", org, "team", "--description", "Owner")
    assert code == 0 and "team" in out
    code, _, err = _run(env, "attribute", "define", "My Organization", "team")
    assert code == 2 and "already exists" in err
    code, out, _ = _run(env, "attribute", "set", "My Organization", "team", "core", "--json")
    assert code == 0
    assert json.loads(out) == {
        "attribute": "team",
        "level": "Organization",
        "product": None,
        "project": None,
        "before": None,
        "after": "core",
        "changed": True,
    }
    code, out, _ = _run(env, "attribute", "set", org, "team", "web-team", "--product", "Shop",
                        "--project", "web")  # fmt: skip
    assert code == 0 and "'web-team'" in out
    code, out, _ = _run(env, "attribute", "list", org, "--json")
    assert code == 0
    [listed] = json.loads(out)["attributes"]
    assert (listed["name"], listed["description"], listed["values"]) == ("team", "Owner", 2)
    code, out, _ = _run(env, "attribute", "unset", org, "team", "--json")
    assert code == 0 and json.loads(out)["before"] == "core"
    code, out, _ = _run(env, "attribute", "unset", org, "team")
    assert code == 0 and "unchanged" in out
    for args, message in [
        (("set", "Nope", "team", "v"), "No organization has the name or token 'Nope'"),
        (("set", org, "nope", "v"), "no attribute 'nope'"),
        (("set", org, "team", "v", "--product", "Nope"), "no product 'Nope'"),
        (("set", org, "team", "v", "--product", "Shop", "--project", "x"), "no project 'x'"),
        (("set", org, "team", "v", "--project", "web"), "--project needs --product"),
        (("unset", org, "team", "--product", "Nope"), "no product 'Nope'"),
        (("list", "Nope"), "No organization"),
    ]:
        code, _, err = _run(env, "attribute", *args)
        assert code == 2 and message in err, (args, err)


@contextlib.contextmanager
def serving(env: dict[str, str], log_file: Path, **settings: str) -> Iterator[dict[str, Any]]:
    """``depvault serve`` in a subprocess, until the block ends: yields the bootstrap
    values it printed, with the port it listens on."""
    port = free_port()
    server_env = {
        **os.environ,
        **env,
        **settings,
        "DEPVAULT_PORT": str(port),
        "DEPVAULT_LOG_LEVEL": "WARNING",
    }
    with serve_process(server_env, log_file) as (pid, values):
        yield {**values, "port": port, "pid": pid}


def _until_up(open_once: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + 30
    while True:
        try:
            return open_once()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_bootstraps_and_answers_over_https(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = _run(env, "tls", "self-signed", "--out-dir", str(tmp_path / "tls"))
    assert code == 0
    tls = json.loads(out)
    with serving(env, tmp_path / "server.log", **tls) as values:
        context = ssl.create_default_context(cafile=tls["DEPVAULT_TLS_CERT_FILE"])
        body = json.dumps(
            {
                "requestType": "getOrganizationDetails",
                "userKey": values["userKey"],
                "orgToken": values["orgToken"],
            }
        ).encode()
        request = urllib.request.Request(
            f"https://127.0.0.1:{values['port']}/api/v1.3",
            data=body,
            headers={"content-type": "application/json"},
        )

        def ask() -> Any:
            with urllib.request.urlopen(request, context=context, timeout=5) as response:
                return json.loads(response.read())

        assert _until_up(ask)["orgToken"] == values["orgToken"]
    # a second start on the same store does not bootstrap again
    again = subprocess.run(
        [sys.executable, "-c", "from depvault.cli.main import main; main()", "bootstrap"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0


def test_import_sbom_against_a_running_server(env: dict[str, str], tmp_path: Path) -> None:
    shared = DATA / "sbom"
    sbom = shared / "laravel-7.12.0.cdx-1.4.json"
    if not sbom.exists():
        pytest.skip(f"real SBOMs not found at {shared}")
    with serving(env, tmp_path / "server.log") as values:
        url = f"http://127.0.0.1:{values['port']}"
        _until_up(lambda: urllib.request.urlopen(f"{url}/health", timeout=2).close())
        body = json.dumps(
            {
                "requestType": "createProduct",
                "userKey": values["userKey"],
                "orgToken": values["orgToken"],
                "productName": "web",
            }
        ).encode()
        request = urllib.request.Request(
            f"{url}/api/v1.3", data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            product = json.loads(response.read())["productToken"]
        code, out, err = _run(
            env,
            "import-sbom",
            str(sbom),
            "--product-token",
            product,
            "--project-name",
            "laravel",
            "--wait",
            "--url",
            url,
            "--user-key",
            values["userKey"],
        )
        assert code == 0, err
        result = json.loads(out.strip().splitlines()[-1])
        assert result["state"] == "FINISHED" and len(result["projectToken"]) == 64
        code, _, err = _run(
            env,
            "import-sbom",
            str(sbom),
            "--project-token",
            "x" * 64,
            "--url",
            url,
            "--user-key",
            values["userKey"],
        )
        assert code != 0 and "projectToken" in err


def test_kb_sync_and_status_from_a_local_mirror(env: dict[str, str], tmp_path: Path) -> None:
    sample = DATA / "osv" / "PyPI-ghsa-sample.zip"
    if not sample.exists():
        pytest.skip(f"OSV data not found at {sample}")
    mirror = build_mirror(tmp_path / "mirror", {"PyPI": sample})
    env = {**env, "DEPVAULT_KB_OSV_URL": mirror.as_uri()}
    assert _run(env, "db", "upgrade")[0] == 0  # kb sync never creates a store
    code, out, _ = _run(env, "kb", "sync", "-e", "PyPI")
    assert code == 0
    [pypi] = json.loads(out)["ecosystems"]
    assert (pypi["result"], pypi["method"], pypi["fetched"], pypi["changed"]) == (
        "ok",
        "all.zip",
        25,
        25,
    )
    code, out, _ = _run(env, "kb", "sync", "-e", "PyPI", "-e", "npm")
    assert code == 1  # npm is not mirrored
    outcomes = {o["ecosystem"]: o for o in json.loads(out)["ecosystems"]}
    assert outcomes["PyPI"]["method"] == "none"
    assert "no ecosystem named 'npm'" in outcomes["npm"]["error"]
    code, out, _ = _run(env, "kb", "status")
    status = json.loads(out)
    assert code == 0
    assert status["ecosystems"]["PyPI"]["records"] == 25
    assert status["ecosystems"]["npm"]["lastResult"] == "failed"
    assert status["knowledgeGaps"] == ["npm"]
    assert status["sources"]["osv"]["url"] == mirror.as_uri()

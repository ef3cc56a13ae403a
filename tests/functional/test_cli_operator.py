"""The operator's day with the real ``depvault`` command, in subprocesses, against a
real server: one test per stumble of issue 17 (a new user's first hour)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from tests.data_files import OSV
from tests.functional.test_cli import _until_up, serving
from tests.live_server import free_port as _free_port

REPO = Path(__file__).resolve().parents[2]
CRATES = OSV / "crates.io-all.zip"
COMMAND = [sys.executable, "-c", "from depvault.cli.main import main; main()"]


def _clean_environ() -> dict[str, str]:
    """The test process's environment without any depvault setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DEPVAULT_")}


def depvault(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``depvault ARGS`` as a user would; ``env`` adds to a clean environment."""
    return subprocess.run(  # noqa: S603 - the test's own command line
        [*COMMAND, *args],
        env={**_clean_environ(), **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DEPVAULT_DATA_DIR": str(tmp_path / "data")}


def _smallvec_advisories(folder: Path) -> Path:
    folder.mkdir()
    with zipfile.ZipFile(CRATES) as archive:
        for name in archive.namelist():
            if b'"smallvec"' in (raw := archive.read(name)):
                (folder / name).write_bytes(raw)
    return folder


def test_version_comes_from_the_package_metadata() -> None:
    done = depvault("--version")
    assert done.returncode == 0
    assert done.stdout == f"depvault {version('depvault')}\n"


def test_a_busy_port_fails_before_anything_is_promised(env: dict[str, str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = depvault("serve", "--port", str(port), env=env)
    assert done.returncode != 0
    assert done.stdout == ""  # no one-time key printed for a server that never ran
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "serving" not in done.stderr and "Traceback" not in done.stderr
    assert not Path(env["DEPVAULT_DATA_DIR"]).exists()  # nothing bootstrapped


def test_a_second_server_on_one_sqlite_store_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    with serving(env, tmp_path / "first.log") as values:
        url = f"http://127.0.0.1:{values['port']}"
        _until_up(lambda: urllib.request.urlopen(f"{url}/health", timeout=2).close())
        second = depvault("serve", "--port", str(_free_port()), env=env, timeout=60)
    assert second.returncode != 0 and second.stdout == ""
    store = Path(env["DEPVAULT_DATA_DIR"]).resolve() / "depvault.db"
    assert f"the store {store} is already served by process" in second.stderr
    assert "serving" not in second.stderr
    log = (tmp_path / "first.log").read_text()
    assert f"serving http://127.0.0.1:{values['port']}/api/v1.3" in log


def test_listening_beyond_loopback_without_tls_warns(env: dict[str, str], tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    everywhere = "0.0.0.0"  # noqa: S104 - the point of the test
    with serving(env, log_file, DEPVAULT_HOST=everywhere, DEPVAULT_LOG_LEVEL="INFO") as values:
        _until_up(
            lambda: urllib.request.urlopen(
                f"http://127.0.0.1:{values['port']}/health", timeout=2
            ).close()
        )
        deadline = time.monotonic() + 30
        while "serving" not in log_file.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    log = log_file.read_text()
    assert "WARNING depvault.serve: listening on 0.0.0.0 without TLS" in log
    assert log.index("without TLS") < log.index("serving")


def test_operator_commands_never_create_a_store(tmp_path: Path) -> None:
    elsewhere = tmp_path / "cron"
    elsewhere.mkdir()
    advisory = elsewhere / "x.json"
    advisory.write_text("{}")
    missing = (elsewhere / "depvault-data" / "depvault.db").resolve()
    for args in (("kb", "import", str(advisory)), ("kb", "rematch"), ("org", "create", "X")):
        done = depvault(*args, cwd=elsewhere)
        assert done.returncode == 2, (args, done.stderr)
        assert f"depvault: store {missing}\n" in done.stderr
        assert f"no depvault store at {missing}" in done.stderr
        assert "DEPVAULT_DATA_DIR" in done.stderr and "--config" in done.stderr
        assert not (elsewhere / "depvault-data").exists()


def test_a_config_file_points_every_command_at_one_store(tmp_path: Path) -> None:
    service = tmp_path / "service"
    service.mkdir()
    (service / "depvault.toml").write_text('data_dir = "store"\nlog_level = "WARNING"\n')
    created = depvault("bootstrap", "--json", cwd=service)
    assert created.returncode == 0, created.stderr
    store = (service / "store" / "depvault.db").resolve()
    assert created.stderr.splitlines()[0] == f"depvault: store {store}"
    org = json.loads(created.stdout)["orgToken"]
    cron = tmp_path / "cron"
    cron.mkdir()
    config = str(service / "depvault.toml")
    by_option = depvault("--config", config, "user", "add", "a@example.com", "--org", org, cwd=cron)
    assert by_option.returncode == 0, by_option.stderr
    assert f"depvault: store {store}" in by_option.stderr
    by_variable = depvault(
        "user", "add", "b@example.com", "--org", org, cwd=cron, env={"DEPVAULT_CONFIG": config}
    )
    assert by_variable.returncode == 0 and f"depvault: store {store}" in by_variable.stderr
    # the environment overrides the file
    other = tmp_path / "other"
    overridden = depvault(
        "user",
        "add",
        "c@example.com",
        "--org",
        org,
        cwd=service,
        env={"DEPVAULT_DATA_DIR": str(other)},
    )
    assert overridden.returncode == 2
    assert f"no depvault store at {(other / 'depvault.db').resolve()}" in overridden.stderr
    (cron / "depvault.toml").write_text("no_such_setting = 1\n")
    unknown = depvault("kb", "rematch", cwd=cron)
    assert unknown.returncode == 2 and "unknown setting 'no_such_setting'" in unknown.stderr
    absent = depvault("--config", str(cron / "nope.toml"), "kb", "rematch", cwd=cron)
    assert absent.returncode == 2 and "nope.toml does not exist" in absent.stderr


def test_kb_import_names_every_rejected_file(env: dict[str, str], tmp_path: Path) -> None:
    assert depvault("bootstrap", env=env).returncode == 0
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not JSON")
    done = depvault("kb", "import", str(garbage), env=env)
    assert done.returncode == 1
    assert f"depvault: rejected {garbage}: not JSON" in done.stderr
    assert "no valid OSV record read" in done.stderr
    assert json.loads(done.stdout)["rejected"] == [
        [str(garbage), json.loads(done.stdout)["rejected"][0][1]]
    ]
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / "not-osv.json").write_text('{"id": 3}')
    with zipfile.ZipFile(CRATES) as archive:
        name = archive.namelist()[0]
        (folder / name).write_bytes(archive.read(name))
    mixed = depvault("kb", "import", str(folder), env=env)
    assert mixed.returncode == 0, mixed.stderr
    assert f"depvault: rejected {folder / 'not-osv.json'}: not an OSV record" in mixed.stderr
    assert json.loads(mixed.stdout)["new"] == 1


def test_no_server_says_what_to_do() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    for args in (("product", "list", "--org", "o"), ("status",)):
        done = depvault(*args, env={"DEPVAULT_URL": url, "DEPVAULT_USER_KEY": "k"})
        assert done.returncode == 2
        assert f"no depvault server at {url}" in done.stderr
        assert "start it with `depvault serve` or set DEPVAULT_URL" in done.stderr
        assert "Traceback" not in done.stderr and "urlopen error" not in done.stderr


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    assert done.stdout[:1] in "{[", repr(done.stdout[:20])  # nothing before the JSON
    return json.loads(done.stdout)


@pytest.mark.skipif(not CRATES.exists(), reason=f"OSV data not found at {CRATES}")
def test_the_first_hour_with_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    """kb import → product → SBOM import → alerts → report → SBOM export → a colleague."""
    osv = _smallvec_advisories(tmp_path / "osv")
    sbom = tmp_path / "rust.cdx.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.4",
                "version": 1,
                "components": [
                    {
                        "type": "library",
                        "name": "smallvec",
                        "version": "0.6.9",
                        "purl": "pkg:cargo/smallvec@0.6.9",
                    }
                ],
            }
        )
    )
    with serving(env, tmp_path / "server.log") as values:
        url = f"http://127.0.0.1:{values['port']}"
        _until_up(lambda: urllib.request.urlopen(f"{url}/health", timeout=2).close())
        client = {
            **env,
            "DEPVAULT_URL": url,
            "DEPVAULT_USER_KEY": values["userKey"],
            "DEPVAULT_ORG_TOKEN": values["orgToken"],
        }
        imported = _json(depvault("kb", "import", str(osv), env=env))
        assert imported["new"] == 5 and imported["rejected"] == []
        product = _json(depvault("product", "create", "shop", "--json", env=client))
        listed = _json(depvault("product", "list", "--json", env=client))
        assert [p["productToken"] for p in listed["products"]] == [product["productToken"]]
        table = depvault("product", "list", env=client)
        assert "shop" in table.stdout and product["productToken"] in table.stdout
        done = _json(
            depvault(
                "import-sbom",
                str(sbom),
                "--product-token",
                product["productToken"],
                "--project-name",
                "web",
                "--wait",
                env=client,
            )
        )
        assert (done["state"], done["message"]) == ("FINISHED", "imported and analysed")
        projects = _json(depvault("project", "list", "--product", "shop", "--json", env=client))
        assert [p["name"] for p in projects["projects"]] == ["web"]
        shown = _json(depvault("project", "show", "web", "--product", "shop", "--json", env=client))
        assert shown["activeAlerts"] == {"SECURITY_VULNERABILITY": 4, "NEW_MAJOR_VERSION": 1}
        alerts = _json(
            depvault(
                "alerts",
                "list",
                "--scope",
                "project:shop/web",
                "--severity",
                "high",
                "--json",
                env=client,
            )
        )["alerts"]
        assert len(alerts) == 3 and all(a["vulnerability"]["severity"] == "high" for a in alerts)
        [offer] = _json(
            depvault("alerts", "list", "--type", "NEW_MAJOR_VERSION", "--json", env=client)
        )["alerts"]
        assert offer["description"] == "Version 1.6.1 is available"
        uuid = offer["alertUuid"]
        assert (
            depvault("alerts", "ignore", uuid, "--comment", "next sprint", env=client).returncode
            == 0
        )
        [ignored] = _json(depvault("alerts", "list", "--status", "ignored", "--json", env=client))[
            "alerts"
        ]
        assert ignored["alertUuid"] == uuid and ignored["comments"] == "next sprint"
        refused = depvault("alerts", "resolve", uuid, "--comment", "x", env=client)
        assert refused.returncode == 2 and "only Active or Ignored can be set" in refused.stderr
        assert (
            depvault("alerts", "reactivate", uuid, "--comment", "now", env=client).returncode == 0
        )

        before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
        report = tmp_path / "report.zip"
        generate = ["report", "generate", "ProductSecurityAlertsReport", "--scope"]
        generate += ["product:shop", "--format", "json", "--json"]
        _json(depvault(*generate, "--out", str(report), env=client))
        with zipfile.ZipFile(report) as archive:
            [member] = archive.infolist()
            assert datetime(*member.date_time) >= before.replace(second=0)  # not 1980-01-01
            rows = json.loads(archive.read(member))
        assert rows
        unzipped = _json(
            depvault(*generate, "--out", str(tmp_path / "unzipped"), "--unzip", env=client)
        )
        assert [Path(f).parent for f in unzipped["files"]] == [tmp_path / "unzipped"]
        exported = tmp_path / "web.cdx.json"
        _json(
            depvault(
                "sbom",
                "export",
                "--project",
                "shop/web",
                "--out",
                str(exported),
                "--json",
                env=client,
            )
        )
        document = json.loads(exported.read_text())
        assert document["bomFormat"] == "CycloneDX"
        assert [c["name"] for c in document["components"]] == ["smallvec"]

        # a colleague: added with no role, refused; granted member, reads
        key = _json(
            depvault(
                "user", "add", "dev@example.com", "--org", values["orgToken"], "--json", env=env
            )
        )["userKey"]
        as_dev = {**client, "DEPVAULT_USER_KEY": key}
        assert depvault("product", "list", env=as_dev).returncode == 2
        granted = _json(
            depvault("user", "grant", "dev@example.com", "--role", "member", "--json", env=client)
        )
        assert granted == {
            "email": "dev@example.com",
            "role": "readOnlyUsers",
            "scope": "the organization",
            "changed": True,
        }
        assert _json(depvault("product", "list", "--json", env=as_dev))["products"]
        assert depvault("product", "create", "x", env=as_dev).returncode == 2
        _json(
            depvault(
                "user",
                "grant",
                "dev@example.com",
                "--role",
                "product-admin",
                "--product",
                "shop",
                "--json",
                env=client,
            )
        )
        assert depvault("project", "create", "api", "--product", "shop", env=as_dev).returncode == 0
        status = _json(depvault("status", "--json", env=client))
        assert status["version"] == version("depvault") and status["status"] == "ok"
        assert status["knowledge"]["advisories"] == 5
        assert status["queue"]["updates"] == 0
        _json(depvault("project", "delete", "api", "--product", "shop", "--json", env=client))
        _json(depvault("product", "delete", "shop", "--json", env=client))
        assert _json(depvault("product", "list", "--json", env=client))["products"] == []


def test_the_readme_says_where_the_command_lives_and_walks_the_first_hour() -> None:
    readme = (REPO / "README.md").read_text()
    assert ".venv/bin/depvault" in readme
    assert "make run PORT=9000" in readme
    assert "## The first hour" in readme
    first_hour = readme.split("## The first hour", 1)[1]
    for step in ("kb import", "import-sbom", "alerts list", "report generate"):
        assert step in first_hour
    makefile = (REPO / "Makefile").read_text()
    assert "--port $(PORT)" in makefile
    help_text = depvault("import-sbom", "--help").stdout
    assert "(by name)" not in help_text


def test_the_docs_page_is_served(env: dict[str, str], tmp_path: Path) -> None:
    with serving(env, tmp_path / "server.log") as values:
        url = f"http://127.0.0.1:{values['port']}"
        _until_up(lambda: urllib.request.urlopen(f"{url}/health", timeout=2).close())
        with urllib.request.urlopen(f"{url}/docs", timeout=10) as response:
            assert response.headers["content-type"].startswith("text/html")
            page = response.read().decode()
        with urllib.request.urlopen(f"{url}/docs/createProduct", timeout=10) as response:
            one = response.read().decode()
    assert "<h1>" in page and "createProduct" in page and "getRequestSchema" in page
    assert "productName" in one and "Example" in one

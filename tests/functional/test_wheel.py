"""The built wheel, not only the editable install: ``python -m build`` makes it, a clean
virtualenv installs it, and the CLI smoke test runs from that virtualenv (a file left
out of the package data, a module imported from the source tree only, would fail here).

It runs once per suite (not per backend) and takes a minute or two: building, then
installing every dependency from the configured package index. Without an index pip can
install from, it is skipped with pip's reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.functional.test_cli import _until_up
from tests.live_server import free_port as _free_port

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.wheel


def _run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the test's own commands
        [str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs
    )  # type: ignore[call-overload]


def test_the_built_wheel_installs_and_serves(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO)
    if built.returncode != 0 and "Could not find a version" in built.stderr + built.stdout:
        pytest.skip(f"pip cannot fetch the build backend: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = dist.glob("depvault-*.whl")
    assert wheel.name.startswith(f"depvault-{version('depvault')}-")

    # the clean virtualenv sees only itself: no DEPVAULT_* setting, and no PYTHONPATH that
    # could make pip take a source tree for the installed distribution
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPVAULT_")}
    env.pop("PYTHONPATH", None)
    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv, env=env).returncode == 0
    installed = _run(venv / "bin" / "pip", "install", "--quiet", wheel, env=env)
    if installed.returncode != 0 and (
        "Could not find a version" in installed.stderr
        or "No matching distribution" in installed.stderr
    ):
        pytest.skip(f"pip cannot install the wheel's dependencies: {installed.stderr[-300:]}")
    assert installed.returncode == 0, installed.stderr[-2000:]

    command = venv / "bin" / "depvault"
    where = tmp_path / "site"
    where.mkdir()
    done = _run(command, "--version", env=env, cwd=where)
    assert done.stdout == f"depvault {version('depvault')}\n", done.stderr
    # the package comes from the virtualenv, not from this source tree
    origin = _run(
        venv / "bin" / "python",
        "-c",
        "import depvault; print(depvault.__file__)",
        env=env,
        cwd=where,
    )
    assert str(venv) in origin.stdout, origin.stdout

    port = _free_port()
    server_env = {**env, "DEPVAULT_PORT": str(port), "DEPVAULT_LOG_LEVEL": "WARNING"}
    with subprocess.Popen(  # noqa: S603
        [str(command), "serve"],
        env=server_env,
        cwd=where,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            keys = json.loads(server.stdout.readline())
            url = f"http://127.0.0.1:{port}"
            _until_up(lambda: urllib.request.urlopen(f"{url}/health", timeout=2).close())
            client = {
                **env,
                "DEPVAULT_URL": url,
                "DEPVAULT_USER_KEY": keys["userKey"],
                "DEPVAULT_ORG_TOKEN": keys["orgToken"],
            }
            status = json.loads(_run(command, "status", "--json", env=client).stdout)
            assert status["status"] == "ok" and status["version"] == version("depvault")
            created = _run(command, "product", "create", "shop", "--json", env=client)
            assert created.returncode == 0, created.stderr
            listed = json.loads(_run(command, "product", "list", "--json", env=client).stdout)
            assert [p["productName"] for p in listed["products"]] == ["shop"]
            with urllib.request.urlopen(f"{url}/docs/createProduct", timeout=10) as page:
                assert '"requestType": "createProduct"' in page.read().decode()  # package data
            store = _run(command, "kb", "rematch", env=env, cwd=where)
            assert store.returncode == 0, store.stderr
            assert f"depvault: store {where / 'depvault-data' / 'depvault.db'}" in store.stderr
        finally:
            server.terminate()
            deadline = time.monotonic() + 15
            while server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)

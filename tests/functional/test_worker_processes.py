"""Work done by real worker processes (subprocesses of the test): shared out, killed,
recovered, restarted. Kept few and bounded in time: CI runs them on two cores."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.inventory import Component, Inventory
from depvault.domain.timefmt import utcnow
from depvault.ingest.licensing import license_facts
from depvault.jobs.liveness import gone
from depvault.jobs.processes import NICENESS, NotifyingRunner
from depvault.jobs.updates import ProjectUpdate, UpdateWorker, enqueue
from depvault.store.engine.db import Database
from depvault.store.inventories import hierarchy
from depvault.store.inventories.writes import UpdateType
from depvault.store.jobs.report_files import report_files
from depvault.store.models import AsyncProcess, ReportChunk
from tests.conftest import Api
from tests.functional.test_cli import serving
from tests.live_server import free_port
from tests.s3_server import S3


def environment(config: Config, **settings: str) -> dict[str, str]:
    """The variables that point a subprocess at the test's store."""
    return {
        **os.environ,
        "DEPVAULT_DATA_DIR": str(config.data_dir),
        "DEPVAULT_DATABASE_URL": config.database_url,
        "DEPVAULT_LOG_LEVEL": "WARNING",
        "DEPVAULT_WORKERS": "1",
        "DEPVAULT_RECOVERY_INTERVAL_SECONDS": "1",
        # no scheduled knowledge sync: tests fetch nothing from the network, and a worker
        # process waits for a sync stuck in name lookups (up to 60 s) before it stops
        "DEPVAULT_KB_SYNC_INTERVAL": "0",
        **settings,
    }


@contextlib.contextmanager
def workers(config: Config, log: Path, **settings: str) -> Iterator[subprocess.Popen[bytes]]:
    """``depvault worker`` in its own process group (so a test can kill it whole)."""
    with (
        log.open("ab") as sink,
        subprocess.Popen(
            [sys.executable, "-c", "from depvault.cli.main import main; main()", "worker"],
            env=environment(config, **settings),
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        ) as process,
    ):
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def until(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


def processes(database: Database) -> list[AsyncProcess]:
    with database.transaction(write=False) as db:
        return list(db.scalars(select(AsyncProcess).order_by(AsyncProcess.id)))


def load_project(database: Database, components: int) -> None:
    """A project of ``components`` libraries, written in this process."""
    with database.transaction() as db:
        product = hierarchy.create_product(db, 1, "P", utcnow())
        project = hierarchy.create_project(db, 1, product.id, "big", utcnow())
        enqueue(
            db,
            org_id=1,
            channel="SBOM",
            update_type=UpdateType.OVERRIDE,
            updates=[
                ProjectUpdate(
                    project.id,
                    Inventory(
                        tuple(
                            Component(ref=f"c{i}", name=f"lib-{i}", version="1", ecosystem="npm")
                            for i in range(components)
                        )
                    ),
                )
            ],
            user_email=None,
        )
    updates = UpdateWorker(database, license_facts)
    while updates.run_once():
        pass


def queue_reports(
    config: Config, database: Database, site: Bootstrap, count: int, fmt: str = "xlsx"
) -> None:
    """``count`` organization inventory reports queued through the API of a node that
    runs no workers (its runner only notifies)."""
    app = create_app(config, database, migrate=False, jobs=NotifyingRunner(None))
    with TestClient(app) as client:
        api = Api(client, site.user_key)
        for _ in range(count):
            api.ok(
                "generateOrganizationReportAsync",
                orgToken=site.org_token,
                reportType="OrgInventoryReport",
                format=fmt,
            )


def complete(config: Config, database: Database, row: AsyncProcess) -> int:
    """The number of entries of a finished report's ZIP, read through the node's report
    store, whichever it is (a truncated file fails here)."""
    assert row.status == "SUCCESS" and row.artifact, (row.status, row.failure_reason)
    data = b"".join(report_files(config, database).chunks(row.artifact))
    assert len(data) == row.artifact_bytes
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return len(archive.namelist())


@pytest.mark.parametrize("backend", ["postgres"])
def test_two_worker_processes_generate_each_report_once(
    config: Config, database: Database, site: Bootstrap, tmp_path: Path
) -> None:
    """200 queued reports (JSON, the cheapest render: the claims are what is tested)
    over two ``depvault worker`` processes of two threads each."""
    load_project(database, 20)
    queue_reports(config, database, site, 200, fmt="json")
    log = tmp_path / "workers.log"
    with workers(config, log, DEPVAULT_WORKERS="2"), workers(config, log, DEPVAULT_WORKERS="2"):
        until(
            lambda: all(row.status == "SUCCESS" for row in processes(database)),
            300,
            "200 reports over two worker processes",
        )
    rows = processes(database)
    assert len(rows) == 200
    assert [row.attempts for row in rows] == [1] * 200  # each claimed, and generated, once
    assert len({row.claimed_by for row in rows}) == 2, "both processes took a share"
    assert len({row.artifact for row in rows}) == 200
    assert all(complete(config, database, row) == 1 for row in rows)


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_report_of_a_killed_worker_is_finished_by_another(
    config: Config, database: Database, site: Bootstrap, tmp_path: Path
) -> None:
    """The first worker is held in the middle of its render (the test locks the table
    of libraries the report reads), SIGKILLed there, and the second one, already running,
    recovers the report and generates it whole."""
    load_project(database, 20)
    queue_reports(config, database, site, 1)
    log = tmp_path / "workers.log"
    with database.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE libraries IN ACCESS EXCLUSIVE MODE"))
        with workers(config, log) as first:
            until(lambda: processes(database)[0].status == "IN_PROGRESS", 60, "the first claim")
            until(lambda: waiting_on_the_lock(database), 60, "the render to reach libraries")
            [claimed] = processes(database)
            with workers(config, log):
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(timeout=30)
                blocker.rollback()  # the render may read now
                [row] = until(
                    lambda: [r for r in processes(database) if r.status in ("SUCCESS", "FAILED")],
                    120,
                    "the second worker to finish the report",
                )
    assert row.attempts == 2  # claimed by the killed worker, then by the other
    assert row.claimed_by != claimed.claimed_by
    assert complete(config, database, row) == 1


def waiting_on_the_lock(database: Database) -> bool:
    """Whether a session waits for a lock on the libraries table."""
    with database.engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    " WHERE c.relname = 'libraries' AND NOT l.granted"
                )
            )
        )


def test_serve_restarts_a_killed_worker_process(
    config: Config, database: Database, tmp_path: Path
) -> None:
    """``depvault serve`` (either backend): its worker process runs at a lower priority,
    and, SIGKILLed, is replaced by one that does the work the API queues."""
    env = {
        key: value
        for key, value in environment(config).items()
        if key.startswith("DEPVAULT_") and key != "DEPVAULT_LOG_LEVEL"
    }
    with serving(env, tmp_path / "serve.log") as values:
        server = values["pid"]
        [worker] = until(lambda: worker_children(server), 60, "the worker process")
        lowered = min(19, os.nice(0) + NICENESS)
        until(lambda: niceness(worker) == lowered, 30, "the worker to lower its priority")
        os.kill(worker, signal.SIGKILL)
        [replacement] = until(
            lambda: [p for p in worker_children(server) if p != worker], 60, "a new worker"
        )
        url = f"http://127.0.0.1:{values['port']}/api/v1.3"

        def ask(request_type: str, **params: str) -> Any:
            body = json.dumps(
                {"requestType": request_type, "userKey": values["userKey"], **params}
            ).encode()
            request = urllib.request.Request(
                url, data=body, headers={"content-type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())

        until(lambda: _answers(f"http://127.0.0.1:{values['port']}/ready"), 30, "readiness")
        queued = ask(
            "generateOrganizationReportAsync",
            orgToken=values["orgToken"],
            reportType="OrgInventoryReport",
            format="json",
        )["asyncProcessStatus"]["uuid"]
        done = until(
            lambda: (
                ask("getAsyncProcessStatus", orgToken=values["orgToken"], uuid=queued)[
                    "asyncProcessStatus"
                ]["status"]
                in ("SUCCESS", "FAILED")
            ),
            60,
            "the replacement worker to generate the report",
        )
        assert done
        status = ask("getAsyncProcessStatus", orgToken=values["orgToken"], uuid=queued)
        assert status["asyncProcessStatus"]["status"] == "SUCCESS", status
        assert worker_children(server) == [replacement]


@pytest.mark.parametrize("backend", ["postgres"])
def test_depvault_worker_restarts_a_killed_worker_process(
    config: Config, database: Database, site: Bootstrap, tmp_path: Path
) -> None:
    """``depvault worker`` (a machine without an API): its worker process, SIGKILLed
    while idle, is replaced, and the replacement takes the work queued elsewhere."""
    with workers(config, tmp_path / "workers.log") as supervisor:
        [worker] = until(lambda: worker_children(supervisor.pid), 60, "the worker process")
        os.kill(worker, signal.SIGKILL)
        [replacement] = until(
            lambda: [p for p in worker_children(supervisor.pid) if p != worker],
            60,
            "a new worker process",
        )
        queue_reports(config, database, site, 1, fmt="json")
        [row] = until(
            lambda: [r for r in processes(database) if r.status in ("SUCCESS", "FAILED")],
            60,
            "the replacement to generate the report",
        )
        assert worker_children(supervisor.pid) == [replacement]
    assert complete(config, database, row) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_worker_processes_end_with_their_supervisor(config: Config, tmp_path: Path) -> None:
    """``depvault worker``'s supervisor SIGKILLed (it cannot stop its children): they
    see it gone and end by themselves instead of running on as orphans."""
    with workers(config, tmp_path / "workers.log", DEPVAULT_WORKER_PROCESSES="2") as supervisor:
        children = until(
            lambda: (lambda found: found if len(found) == 2 else None)(
                worker_children(supervisor.pid)
            ),
            60,
            "two worker processes",
        )
        supervisor.kill()  # the supervisor alone, not its process group
        supervisor.wait(timeout=30)
        until(lambda: not any(alive(pid) for pid in children), 60, "the orphans to end")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def worker_children(parent: int) -> list[int]:
    """The worker processes ``parent`` started (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and b"spawn_main" in command and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def niceness(pid: int) -> int:
    """A process's ``nice`` value, from /proc (field 19 of its stat line)."""
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[16])


def test_a_lease_outlives_nothing_but_its_process(config: Config, database: Database) -> None:
    """Another process's lease (an advisory lock, or a SQLite lease file's flock) is
    seen as held while the process runs, and as gone once it is SIGKILLed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from depvault.config import Config\n"
            "from depvault.jobs.liveness import Lease\n"
            "from depvault.store.engine.db import create_database\n"
            "lease = Lease(create_database(Config.from_env()))\n"
            "print(lease.owner, flush=True)\n"
            "time.sleep(120)\n",
        ],
        env=environment(config),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        owner = int(holder.stdout.readline())
        with database.transaction() as db:
            assert gone(db, {owner}, None) == set()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        with database.transaction() as db:
            assert until(lambda: gone(db, {owner}, None) == {owner}, 10, "the lease to go")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("store", ["database", "s3"])
def test_a_report_generated_on_one_node_downloads_on_another(
    config: Config, database: Database, tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    """Node A (``depvault serve`` with its worker, its own data folder) generates the
    report; node B (this process, another data folder, no workers) serves the download
    from the shared report store, the database's or S3 (moto's server): no folder is
    shared."""
    shared: dict[str, str] = {}
    if store == "s3":
        s3: S3 = request.getfixturevalue("s3")
        shared = s3.settings()
    env = {
        key: value
        for key, value in environment(
            config, DEPVAULT_DATA_DIR=str(tmp_path / "a"), **shared
        ).items()
        if key.startswith("DEPVAULT_") and key != "DEPVAULT_LOG_LEVEL"
    }
    with serving(env, tmp_path / "serve.log") as values:
        until(lambda: _answers(f"http://127.0.0.1:{values['port']}/ready"), 30, "readiness")
        node_b = create_app(
            dataclasses.replace(
                config,
                data_dir=tmp_path / "b",
                **{key.removeprefix("DEPVAULT_").lower(): value for key, value in shared.items()},
            ),
            database,
            migrate=False,
            jobs=NotifyingRunner(None),
        )
        with TestClient(node_b) as client:
            api = Api(client, values["userKey"])
            queued = api.ok(
                "generateOrganizationReportAsync",
                orgToken=values["orgToken"],
                reportType="OrgInventoryReport",
                format="json",
            )["asyncProcessStatus"]["uuid"]
            until(lambda: processes(database)[0].status == "SUCCESS", 60, "node A's worker")
            content_type, body = api.raw(
                "downloadAsyncReport", orgToken=values["orgToken"], reportStatusUUID=queued
            )
    assert content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        [name] = archive.namelist()
        assert json.loads(archive.read(name))["libraries"] == []
    assert not (tmp_path / "b" / "reports").exists() and not (tmp_path / "a" / "reports").exists()
    if store == "s3":
        [row] = processes(database)
        assert s3.keys() == [f"reports/{row.artifact}"]  # the object, not the database
        with database.transaction(write=False) as db:
            assert db.scalar(select(func.count()).select_from(ReportChunk)) == 0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_serve_stops_its_workers_before_it_exits_on_sigterm(
    config: Config, database: Database, tmp_path: Path
) -> None:
    """SIGTERM to ``depvault serve``: it stops its worker processes itself and exits
    with status 0 (uvicorn used to raise the signal again after shutting down, which
    ended serve before its cleanup; the workers were left to notice on their own)."""
    port = free_port()
    env = {
        **environment(config),
        "DEPVAULT_PORT": str(port),
        "DEPVAULT_LOG_LEVEL": "INFO",
    }
    with (
        (tmp_path / "serve.log").open("w") as log,
        subprocess.Popen(
            [sys.executable, "-c", "from depvault.cli.main import main; main()", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        ) as server,
    ):
        [worker] = until(lambda: worker_children(server.pid), 60, "the worker process")
        until(lambda: _answers(f"http://127.0.0.1:{port}/health"), 60, "the API")
        server.terminate()
        assert server.wait(timeout=60) == 0
    assert not Path(f"/proc/{worker}").exists(), "the worker outlived its serve"
    assert "supervisor gone" not in (tmp_path / "serve.log").read_text()

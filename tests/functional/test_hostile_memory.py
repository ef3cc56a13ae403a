"""Hostile input costs bounded memory (issue 14): the RSS of a real server process,
read from ``/proc/<pid>/status``, around decompression bombs and a huge chunked body.

Each test starts its own ``depvault serve``, warms it with one legitimate import and
one legitimate agent update (so that lazily imported code and caches are in place),
takes the baseline, then sends the hostile requests while a thread samples the RSS.
The bounds are the issue's: +150 MB during and after a bomb, +50 MB for the body.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.client
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.bombs import GIB, MIB, zero_bomb
from tests.live_server import MB, LiveServer, RssSampler, live_server
from tests.samples import SMALL_DIFF, SMALL_SBOM

BOMB = zero_bomb(10 * GIB)  # 10.6 MB of gzip, 10 GiB of zeros
BOMB_BUDGET = 150 * MB
BODY_BUDGET = 50 * MB


def _agent_form(server: LiveServer, diff: str) -> bytes:
    fields = {
        "type": "UPDATE",
        "token": server.values["orgToken"],
        "userKey": server.values["userKey"],
        "product": "memory",
        "agent": "fs-agent",
        "diff": diff,
    }
    return urlencode(fields).encode()


def _agent_bomb(server: LiveServer) -> tuple[int, Any]:
    body = _agent_form(server, base64.b64encode(BOMB).decode())
    return server.post("/agent", body, "application/x-www-form-urlencoded", timeout=600)


def _sbom_body(server: LiveServer, project_token: str, document: bytes) -> bytes:
    body = {
        "requestType": "importProjectSbom",
        "userKey": server.values["userKey"],
        "projectToken": project_token,
        "sbom": base64.b64encode(document).decode(),
    }
    return json.dumps(body).encode()


@pytest.fixture
def server(tmp_path: Path) -> Any:
    """A warmed server and the token of a project to import into."""
    with warmed_server(tmp_path) as served:
        yield served


@contextlib.contextmanager
def warmed_server(folder: Path, **settings: str) -> Iterator[tuple[LiveServer, str]]:
    with live_server(folder, **settings) as live:
        product = live.api("createProduct", orgToken=live.values["orgToken"], productName="m")
        project = live.api("createProject", productToken=product["productToken"], projectName="p")
        token = project["projectToken"]
        small = gzip.compress(json.dumps(SMALL_SBOM).encode())
        status, answer = live.post("/api/v1.3", _sbom_body(live, token, small), "application/json")
        assert status == 200 and "requestToken" in answer, answer
        diff = base64.b64encode(gzip.compress(json.dumps(SMALL_DIFF).encode())).decode()
        status, answer = live.post(
            "/agent", _agent_form(live, diff), "application/x-www-form-urlencoded"
        )
        assert answer["status"] == 1, answer
        time.sleep(1)  # the queued updates are written by the workers
        yield live, token


def _baseline(server: LiveServer) -> int:
    return min(server.rss() for _ in range(5))


def _check(server: LiveServer, baseline: int, peak: int, budget: int, what: str) -> None:
    time.sleep(0.5)
    after = server.rss()
    figures = (
        f"{what}: baseline {baseline / MB:.0f} MB, peak {peak / MB:.0f} MB "
        f"(+{(peak - baseline) / MB:.0f}), after {after / MB:.0f} MB "
        f"(+{(after - baseline) / MB:.0f})"
    )
    print(figures)
    assert peak - baseline <= budget, figures
    assert after - baseline <= budget, figures


def _bomb_refused(status: int, answer: Any, agent: bool) -> bool:
    """Refused as a bomb, or (while every expansion slot stayed taken) as busy."""
    if agent:
        message = answer["message"]
        return (
            status == 200 and answer["status"] == 2 and ("expands" in message or "busy" in message)
        )
    message = answer["errorMessage"]
    if answer["errorCode"] != 3000:
        return False
    return (status == 200 and "expands" in message) or (status == 503 and "busy" in message)


@pytest.mark.parametrize("endpoint", ["agent", "sbom"])
@pytest.mark.parametrize("at_once", [1, 4])
def test_bomb_costs_bounded_memory(
    server: tuple[LiveServer, str], endpoint: str, at_once: int
) -> None:
    _bombard(*server, endpoint, at_once)


def test_without_the_ratio_check_the_spool_still_bounds_memory(tmp_path: Path) -> None:
    """With the ratio check off, two bombs expand to the 1 GiB limit each — into
    temporary files — and are refused there: memory is bounded by the design, not by
    the early refusal."""
    with warmed_server(tmp_path, DEPVAULT_MAX_EXPANSION_RATIO="1000000000") as (live, project):
        answers = _bombard(live, project, "sbom", 2)
    assert all("DEPVAULT_MAX_EXPANDED_BYTES" in answer["errorMessage"] for _, answer in answers)


def _bombard(live: LiveServer, project: str, endpoint: str, at_once: int) -> list[Any]:
    """Send ``at_once`` bombs at once; check every answer and the memory they cost."""
    baseline = _baseline(live)

    def one(_: int) -> tuple[int, Any]:
        if endpoint == "agent":
            return _agent_bomb(live)
        return live.post(
            "/api/v1.3", _sbom_body(live, project, BOMB), "application/json", timeout=600
        )

    with RssSampler(live).running() as sampler, ThreadPoolExecutor(at_once) as pool:
        answers = list(pool.map(one, range(at_once)))
    for status, answer in answers:
        assert _bomb_refused(status, answer, endpoint == "agent"), (status, answer)
    _check(live, baseline, sampler.peak, BOMB_BUDGET, f"{at_once} {endpoint} bomb(s)")
    assert "ERROR" not in live.log()
    return answers


def _chunks(total: int) -> Any:
    yield b'{"requestType": "getAllProducts", "pad": "'
    piece = b"a" * MIB
    for _ in range(total // MIB):
        yield piece
    yield b'"}'


def test_chunked_body_past_the_limit_costs_bounded_memory(server: tuple[LiveServer, str]) -> None:
    live, _ = server
    baseline = _baseline(live)
    status: int | None = None
    with RssSampler(live).running() as sampler:
        connection = live.connection(timeout=600)
        with contextlib.suppress(OSError):  # the server answered 413 and closed meanwhile
            connection.request(
                "POST",
                "/api/v1.3",
                body=_chunks(300 * MB),
                headers={"content-type": "application/json"},
                encode_chunked=True,
            )
        try:
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException):
            status = None
        connection.close()
    assert status in (413, None)
    _check(live, baseline, sampler.peak, BODY_BUDGET, "chunked 300 MB body")

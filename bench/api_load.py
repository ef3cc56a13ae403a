"""The two halves of bench_api.py's measurement that are not depvault: a keep-alive HTTP
load client (asyncio, raw sockets: an HTTP library's own cost would be measured too)
and the bare Starlette + uvicorn app the server is compared with.

The bare app answers ``POST /api/v1.3`` with ``orjson.dumps`` of the answer registered
under the body's ``requestType`` (``POST /register`` registers one): the same bytes
depvault answered, serialised per request, through the same server stack, so the ratio
of the two rates is what depvault's own work costs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class Measure:
    """One timed run of one request against one server."""

    requests: int
    seconds: float
    latencies_ms: list[float]
    body_bytes: int

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        """The ``p``-th latency percentile, in milliseconds."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> str:
        """``rate req/s, p50/p95/p99 ms``."""
        return (
            f"{self.rate:8.1f} req/s  p50/p95/p99 {self.percentile(50):7.1f} / "
            f"{self.percentile(95):7.1f} / {self.percentile(99):7.1f} ms"
        )


def request_bytes(port: int, body: dict[str, Any], path: str = "/api/v1.3") -> bytes:
    """One keep-alive ``POST`` with a JSON body, ready to write."""
    payload = orjson.dumps(body)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    status = head.split(b" ", 2)[1]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if status != b"200" or length is None:
        raise RuntimeError(f"unexpected answer: {head[:200]!r}")
    return await reader.readexactly(length)


async def _client(
    port: int, request: bytes, deadline: float, latencies: list[float], sizes: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            body = await _read_response(reader)
            latencies.append((time.perf_counter() - started) * 1000)
            if not sizes:
                if body.startswith(b'{"errorCode"'):
                    raise RuntimeError(f"error answer: {body[:300]!r}")
                sizes.append(len(body))
    finally:
        writer.close()


async def _run(port: int, request: bytes, clients: int, seconds: float) -> Measure:
    latencies: list[float] = []
    sizes: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_client(port, request, deadline, latencies, sizes) for _ in range(clients))
    )
    return Measure(len(latencies), time.perf_counter() - started, latencies, sizes[0])


def measure(port: int, body: dict[str, Any], clients: int, seconds: float) -> Measure:
    """``clients`` keep-alive connections sending ``body`` as fast as answered for
    ``seconds`` (each finishes its request in flight)."""
    return asyncio.run(_run(port, request_bytes(port, body), clients, seconds))


def fetch(port: int, body: dict[str, Any], path: str = "/api/v1.3") -> bytes:
    """One request's answer body."""

    async def one() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request_bytes(port, body, path))
        answer = await _read_response(reader)
        writer.close()
        return answer

    return asyncio.run(one())


def median(values: list[float]) -> float:
    """The median, for the summary of several rounds."""
    return statistics.median(values)


def bare_app() -> Any:
    """The bare Starlette app (see the module's docstring)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    answers: dict[str, Any] = {}

    async def register(request: Request) -> Response:
        data = orjson.loads(await request.body())
        answers[data["name"]] = data["answer"]
        return Response(b"{}", media_type="application/json")

    async def answer(request: Request) -> Response:
        data = orjson.loads(await request.body())
        body = orjson.dumps(answers[data["requestType"]], option=orjson.OPT_NON_STR_KEYS)
        return Response(body, headers={"content-type": "application/json; charset=utf-8"})

    return Starlette(
        routes=[
            Route("/register", register, methods=["POST"]),
            Route("/api/v1.3", answer, methods=["POST"]),
        ]
    )


def serve_bare(port: int) -> None:
    """Run the bare app as depvault serve runs its own: uvicorn, httptools and uvloop
    where installed, no access log."""
    import uvicorn

    uvicorn.run(
        bare_app(),
        host="127.0.0.1",
        port=port,
        http="auto",
        loop="auto",
        access_log=False,
        log_level="warning",
    )

"""The migration's source client (retries, pacing, error envelopes) against a small
real HTTP server, and the pure conversions of what it reads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from depvault.domain.identity import identify
from depvault.migration.inventories import inventory_from_source
from depvault.migration.reading import parse_date, read_notices
from depvault.migration.source import SourceClient, SourceError


class Script:
    """What the fake source answers, request after request: (status, body)."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        self.answers = answers
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []


@pytest.fixture
def source() -> Iterator[tuple[str, Script]]:
    script = Script([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            script.bodies.append(json.loads(self.rfile.read(length)))
            script.paths.append(self.path)
            status, body = script.answers.pop(0)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1.3", script
    server.shutdown()
    server.server_close()


def client(url: str, slept: list[float]) -> SourceClient:
    return SourceClient(url, "k" * 64, rate=1000, retries=3, sleep=slept.append)


def test_transient_errors_are_retried_with_growing_delays(source: tuple[str, Script]) -> None:
    url, script = source
    script.answers = [(503, b""), (429, b""), (200, b'{"orgName": "Acme"}')]
    slept: list[float] = []
    answer = client(url, slept).call("getOrganizationDetails", orgToken="t")
    assert answer == {"orgName": "Acme"}
    assert [s for s in slept if s >= 0.5] == [0.5, 1.0]  # pacing sleeps are shorter
    assert script.paths == ["/api/v1.3"] * 3  # the base URL's /api/v1.3 is not doubled
    assert script.bodies[0] == {
        "requestType": "getOrganizationDetails",
        "userKey": "k" * 64,
        "orgToken": "t",
    }


def test_a_source_down_for_every_retry_is_named(source: tuple[str, Script]) -> None:
    url, script = source
    script.answers = [(502, b"")] * 4
    with pytest.raises(SourceError, match=r"failed 4 times \(HTTP 502\)"):
        client(url, []).call("getAllProducts", orgToken="t")


def test_an_error_envelope_is_the_sources_answer_and_not_retried(
    source: tuple[str, Script],
) -> None:
    url, script = source
    script.answers = [(200, b'{"errorCode": 5001, "errorMessage": "not allowed"}')]
    with pytest.raises(SourceError) as raised:
        client(url, []).call("getAllUsers", orgToken="t")
    assert raised.value.code == 5001
    assert raised.value.message == "getAllUsers: not allowed (code 5001)"
    assert len(script.bodies) == 1


def test_requests_are_paced_to_the_rate() -> None:
    slept: list[float] = []
    paced = SourceClient("http://127.0.0.1:9", "k" * 64, rate=2, sleep=slept.append)
    paced._pace()
    paced._pace()
    assert slept and 0.4 < slept[-1] <= 0.5


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(SourceError, match="http:// or https://"):
        SourceClient("ftp://example.com", "k" * 64)


def test_dates_in_every_spelling_the_protocol_uses() -> None:
    assert str(parse_date("2024-01-02 03:04:05 +0000")) == "2024-01-02 03:04:05"
    assert str(parse_date("2024-01-02")) == "2024-01-02 00:00:00"
    assert parse_date("02/01/2024") is None and parse_date(None) is None


def library(key: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"keyUuid": key, "name": name, "artifactId": name, "groupId": name,
            "filename": name, "version": "1.0", **extra}  # fmt: skip


def test_a_hierarchy_becomes_the_inventory_it_was_written_from() -> None:
    hierarchy = {
        "libraries": [
            library("a", "app", keyId=3, purl="pkg:pypi/app@1.0", dependencies=[
                library("b", "lib", keyId=1, purl="pkg:pypi/lib@1.0"),
                library("c", "golang.org/x/text", keyId=2, purl="pkg:generic/golang.org/x/text"),
            ]),
            library("b", "lib", keyId=1, purl="pkg:pypi/lib@1.0", licenses=[{"spdxName": "MIT"}]),
        ]
    }  # fmt: skip
    locations = {"libraryLocations": [{"keyUuid": "b", "locations": [{"path": "/src/req.txt"}]}]}
    inventory = inventory_from_source(hierarchy, locations)
    assert [c.ref for c in inventory.components] == ["b", "c", "a"]  # the source's order
    assert inventory.direct == ("a", "b")
    assert inventory.edges == (("a", "b"), ("a", "c"))
    by_ref = {c.ref: c for c in inventory.components}
    assert by_ref["b"].locations[0].path == "/src/req.txt"
    # the generic purl's name keeps its slashes, as the library was first identified
    assert identify(by_ref["c"]).name == "golang.org/x/text"
    assert identify(by_ref["c"]).purl == "pkg:generic/golang.org/x/text@1.0"


def test_notices_are_read_back_from_the_notices_file(source: tuple[str, Script]) -> None:
    url, script = source
    separator = "=" * 72
    text = "\r\n".join(
        ["Shop", separator, "Library: a-1.0.jar", "Reference: https://x", "Line 1", "Line 2",
         separator, "Library: b-2.0", "Only text", separator, ""]
    )  # fmt: skip
    script.answers = [(200, text.encode())]
    assert read_notices(client(url, []), "p") == [
        ("a-1.0.jar", "Line 1\nLine 2", "https://x"),
        ("b-2.0", "Only text", None),
    ]

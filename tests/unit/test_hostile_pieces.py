"""The pieces that keep hostile input cheap (issue 14): the spool, limited gunzip, the
expansion slots, the failed-key throttle and the forwarded client address."""

from __future__ import annotations

import gzip
import logging
import random
import threading

import pytest
from starlette.requests import Request

from depvault.api.throttle import KeyThrottle, client_address, parse_trusted_proxies
from depvault.api.validation import check_forbidden_characters, unstorable_character
from depvault.errors import (
    ForbiddenCharacter,
    InvalidParameter,
    ServerBusy,
    TooManyFailedKeys,
    UnstorableCharacter,
)
from depvault.ingest.decompress import gunzip_limited
from depvault.ingest.expansion import ExpansionLimits
from depvault.ingest.spool import Spool
from tests.bombs import MIB, zero_bomb

LIMITS = ExpansionLimits(max_bytes=64 * MIB, max_ratio=100, spool_threshold=MIB)


def test_spool_moves_to_disk_past_its_threshold() -> None:
    with Spool(10) as spool:
        spool.write(b"12345")
        assert not spool.on_disk
        spool.write(b"678901")
        assert spool.on_disk and spool.size == 11
        spool.write(b"!")
        assert spool.read() == b"12345678901!"


def test_gunzip_limited_expands_ordinary_input() -> None:
    text = b'{"a": "' + random.Random(14).randbytes(600_000).hex().encode() + b'"}'  # 1.2 MB
    assert gunzip_limited(gzip.compress(text), LIMITS, "sbom") == text


def test_gunzip_limited_refuses_bombs_by_ratio_and_by_size() -> None:
    with pytest.raises(InvalidParameter, match="100 times its compressed size") as refused:
        gunzip_limited(zero_bomb(1024 * MIB), LIMITS, "diff")
    assert refused.value.parameter == "diff"
    generous = ExpansionLimits(max_bytes=8 * MIB, max_ratio=10_000, spool_threshold=MIB)
    with pytest.raises(InvalidParameter, match="more than 8388608 bytes"):
        gunzip_limited(zero_bomb(16 * MIB), generous, "sbom")
    small = zero_bomb(MIB // 2 * 2)  # under the spool threshold: no ratio check yet
    assert len(gunzip_limited(small, LIMITS, "sbom")) == MIB


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x1f\x8bnot gzip at all", "not valid gzip"),
        (gzip.compress(b"x" * 1000, mtime=0)[:-12], "trunc"),
    ],
    ids=["not gzip", "truncated"],
)
def test_gunzip_limited_names_broken_input(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidParameter, match=reason):
        gunzip_limited(data, LIMITS, "sbom")


def test_expansion_slots_are_shared_and_reentrant() -> None:
    limits = ExpansionLimits(1, 1, 1, max_concurrent=1, wait_seconds=0)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with limits.slot():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        with pytest.raises(ServerBusy, match="retry") as busy, limits.slot():
            pass
        assert busy.value.retry_after == 0
    finally:
        release.set()
        thread.join()
    with limits.slot(), limits.slot():  # nested: one slot, no deadlock
        pass


def test_throttle_refuses_an_address_for_the_rest_of_its_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    throttle = KeyThrottle(3, clock=lambda: now[0])
    for _ in range(3):
        throttle.check("a")
        throttle.failed("a")
    throttle.check("b")
    now[0] += 10
    with pytest.raises(TooManyFailedKeys) as refused:
        throttle.check("a")
    assert refused.value.retry_after == 50
    now[0] += 51
    throttle.check("a")  # the oldest failures are a minute old
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "3 invalid userKeys from a in the last minute (limit 3); 0 of its requests refused "
        "since the last warning"
    ]


def _request(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1), "headers": headers})


def test_client_address_believes_trusted_proxies_only() -> None:
    proxies = parse_trusted_proxies("10.0.0.0/8, ::1")
    assert client_address(_request("10.1.2.3", "1.1.1.1, 2.2.2.2"), proxies) == "2.2.2.2"
    assert client_address(_request("10.1.2.3", "1.1.1.1, 10.3.3.3"), proxies) == "1.1.1.1"
    assert client_address(_request("8.8.8.8", "2.2.2.2"), proxies) == "8.8.8.8"
    assert client_address(_request("10.1.2.3", None), proxies) == "10.1.2.3"
    with pytest.raises(ValueError):
        parse_trusted_proxies("not-an-address")


def test_unstorable_characters_are_refused_at_any_depth_documents_included() -> None:
    assert unstorable_character("a\x00b") == "\x00"
    assert unstorable_character("a\ud800") == "\ud800"
    assert unstorable_character("<ok>") is None
    body = {"sbom": {"components": [{"name": "x\x00"}]}, "name": "<fine in sbom only>"}
    with pytest.raises(UnstorableCharacter) as refused:
        check_forbidden_characters(body, frozenset({"sbom"}))
    assert refused.value.parameter == "sbom.components[0].name"
    with pytest.raises(ForbiddenCharacter):
        check_forbidden_characters({"sbom": {"a": "<b>"}, "name": "<b>"}, frozenset({"sbom"}))
    with pytest.raises(UnstorableCharacter) as refused:
        check_forbidden_characters({"tags": {"k\x00": "v"}}, frozenset())
    assert refused.value.parameter == "tags.k\x00"  # a key is stored too

"""The caller cache's own rules: bounded, expiring, and never storing a caller read
before an invalidation (the race a commit-time invalidation would otherwise lose)."""

from __future__ import annotations

from depvault.domain.scope import Caller
from depvault.store.organizations.caller_cache import CallerCache


def _caller(user_id: int) -> Caller:
    return Caller(
        id=user_id, email=f"u{user_id}@x.test", name="u", is_service=False, is_site_admin=False
    )


def test_an_entry_expires_after_the_ttl() -> None:
    now = [100.0]
    cache = CallerCache(ttl=10, clock=lambda: now[0])
    cache.put("d1", _caller(1), cache.generation)
    now[0] += 9.9
    assert cache.get("d1") == _caller(1)
    now[0] += 0.1
    assert cache.get("d1") is None
    assert len(cache) == 0


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = CallerCache(ttl=60, max_entries=2)
    cache.put("d1", _caller(1), cache.generation)
    cache.put("d2", _caller(2), cache.generation)
    assert cache.get("d1") is not None  # d2 is now the oldest use
    cache.put("d3", _caller(3), cache.generation)
    assert cache.get("d2") is None
    assert cache.get("d1") is not None and cache.get("d3") is not None


def test_forget_drops_only_the_named_users() -> None:
    cache = CallerCache(ttl=60)
    cache.put("d1", _caller(1), cache.generation)
    cache.put("d1b", _caller(1), cache.generation)
    cache.put("d2", _caller(2), cache.generation)
    cache.forget([1])
    assert cache.get("d1") is None and cache.get("d1b") is None
    assert cache.get("d2") == _caller(2)
    cache.forget()
    assert len(cache) == 0


def test_a_caller_read_before_an_invalidation_is_not_stored() -> None:
    cache = CallerCache(ttl=60)
    generation = cache.generation  # a request starts reading its caller …
    cache.forget([7])  # … another commits a rotation of some key …
    cache.put("d7", _caller(7), generation)  # … the read (maybe stale) must not stick
    assert cache.get("d7") is None
    cache.put("d7", _caller(7), cache.generation)
    assert cache.get("d7") == _caller(7)


def test_a_request_seeing_an_older_counter_neither_uses_nor_fills_the_cache() -> None:
    cache = CallerCache(ttl=60)
    assert cache.sync(5)
    cache.put("d1", _caller(1), cache.generation)
    assert cache.sync(6)  # another request saw a change: everything goes
    assert cache.get("d1") is None
    assert not cache.sync(5)  # a transaction begun before that change is behind …
    assert cache.sync(6)  # … and does not move the cache back

"""The dashboard figures cache: computed once, served while fresh, served stale while
one refresh runs, per (organization, visible products)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from depvault.console.figures import Figures, FiguresCache
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.portfolio.overview import OrgCounts


class CountingCache(FiguresCache):
    """Computes figures whose product count is the number of computations so far."""

    def __init__(self, clock: Callable[[], float], background: Callable[..., None]) -> None:
        super().__init__(None, 60, clock=clock, background=background)  # type: ignore[arg-type]
        self.computed = 0

    def _compute(self, org_id: int, which: ProjectFilter) -> Figures:
        self.computed += 1
        counts = OrgCounts(self.computed, 0, 0, {}, 0)
        return Figures(counts, [], [], datetime(2026, 1, 1))


def test_fresh_stale_and_refreshed() -> None:
    now = [0.0]
    queued: list[Callable[[], None]] = []
    cache = CountingCache(lambda: now[0], queued.append)
    org = ProjectFilter(org_id=1)
    assert cache.get(1, org).counts.products == 1
    now[0] = 59
    assert cache.get(1, org).counts.products == 1 and queued == []
    now[0] = 61  # stale: served at once, one refresh queued however many views
    assert cache.get(1, org).counts.products == 1
    assert cache.get(1, org).counts.products == 1
    assert len(queued) == 1
    queued.pop()()
    assert cache.get(1, org).counts.products == 2
    assert cache.computed == 2


def test_each_view_of_an_organization_has_its_own_figures() -> None:
    cache = CountingCache(lambda: 0.0, lambda work: work())
    whole = ProjectFilter(org_id=1)
    one_product = ProjectFilter(org_id=1, only_products=frozenset({7}))
    assert cache.get(1, whole).counts.products == 1
    assert cache.get(1, one_product).counts.products == 2  # not the whole organization's
    assert cache.get(2, whole).counts.products == 3
    assert cache.get(1, whole).counts.products == 1

"""One page of a sorted listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

__all__ = ["MAX_PAGE_SIZE", "Page", "PageRequest", "page_of"]

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class PageRequest:
    """Which page: ``offset`` rows skipped, ``size`` rows shown (at most 200)."""

    offset: int = 0
    size: int = 50

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset", max(0, self.offset))
        object.__setattr__(self, "size", min(MAX_PAGE_SIZE, max(1, self.size)))


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page and whether more follow."""

    items: Sequence[T]
    request: PageRequest
    more: bool

    @property
    def next_offset(self) -> int | None:
        return self.request.offset + self.request.size if self.more else None

    @property
    def previous_offset(self) -> int | None:
        if self.request.offset == 0:
            return None
        return max(0, self.request.offset - self.request.size)


def page_of(
    db: Session, query: Select[*tuple[Any, ...]], request: PageRequest
) -> tuple[list[Any], bool]:
    """The rows of ``query`` (already sorted) for one page, and whether more follow."""
    rows = list(db.connection().execute(query.limit(request.size + 1).offset(request.offset)).all())
    return rows[: request.size], len(rows) > request.size

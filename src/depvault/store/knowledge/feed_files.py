"""The fetch state of the NVD, EPSS and KEV feeds.

Per file, the validators its server gave when it was last imported
(``knowledge_feed_files``), so the next fetch asks conditionally and an unchanged file
is not downloaded again. Per feed, the outcome of its last fetch on its
``knowledge_sources`` row (ecosystem ``""``: the feeds are not split by ecosystem): when,
ok or failed and why, downloaded or unchanged, and the CVEs it holds. A failed fetch
writes only its outcome: the validators and the feed's rows stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from depvault.store.models import (
    Base,
    EpssScore,
    KevEntry,
    KnowledgeFeedFile,
    KnowledgeSource,
    NvdCve,
)

__all__ = [
    "FEED_MODELS",
    "FeedFileState",
    "read_feed_files",
    "record_feed_failure",
    "record_feed_success",
    "save_feed_files",
]

FEED_MODELS: dict[str, type[Base]] = {"nvd": NvdCve, "epss": EpssScore, "kev": KevEntry}
WHOLE_FEED = ""  # the ecosystem of a feed's knowledge_sources row


@dataclass(frozen=True)
class FeedFileState:
    """A feed file as last imported."""

    name: str
    url: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime


def read_feed_files(db: Session, feed: str) -> dict[str, FeedFileState]:
    """Name → state of the feed's files imported so far."""
    rows = db.scalars(select(KnowledgeFeedFile).where(KnowledgeFeedFile.feed == feed))
    return {
        r.name: FeedFileState(r.name, r.url, r.etag, r.last_modified, r.fetched_at) for r in rows
    }


def save_feed_files(db: Session, feed: str, states: Iterable[FeedFileState]) -> None:
    """Keep these as the feed's files' states (replacing those of the same names)."""
    listed = list(states)
    if not listed:
        return
    db.execute(
        delete(KnowledgeFeedFile).where(
            KnowledgeFeedFile.feed == feed, KnowledgeFeedFile.name.in_([s.name for s in listed])
        )
    )
    db.add_all(
        KnowledgeFeedFile(
            feed=feed,
            name=s.name,
            url=s.url,
            etag=s.etag,
            last_modified=s.last_modified,
            fetched_at=s.fetched_at,
        )
        for s in listed
    )


def _ensure(db: Session, feed: str) -> None:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(
        insert(KnowledgeSource)
        .values(source=feed, ecosystem=WHOLE_FEED, records=0)
        .on_conflict_do_nothing()
    )


def record_feed_success(
    db: Session, feed: str, *, method: str, changed: int, now: datetime
) -> None:
    """A fetch of the feed ended well (``method``: ``download`` or ``unchanged``)."""
    _ensure(db, feed)
    held = db.scalar(select(func.count()).select_from(FEED_MODELS[feed])) or 0
    db.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.source == feed, KnowledgeSource.ecosystem == WHOLE_FEED)
        .values(
            records=int(held),
            last_sync_at=now,
            last_result="ok",
            last_error=None,
            last_method=method,
            last_changed=changed,
            last_success_at=now,
        )
    )


def record_feed_failure(db: Session, feed: str, *, error: str, now: datetime) -> None:
    """A fetch of the feed failed: say why; what it holds stays."""
    _ensure(db, feed)
    db.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.source == feed, KnowledgeSource.ecosystem == WHOLE_FEED)
        .values(last_sync_at=now, last_result="failed", last_error=error[:4000])
    )

"""The knowledge base's reader/writer lock.

An analysis matches only the libraries its inventory brought in new and marks them
matched; from then on only a knowledge-base change re-matches them (``analysis.refresh``).
On PostgreSQL an analysis that read the advisories before an import batch committed, but
marked its libraries after the batch's re-match had listed the package's libraries,
would leave them matched against the old knowledge with nobody to match them again. So
an analysis holds this lock shared from its first read of the advisories to its commit,
and an import batch takes it exclusively: the batch waits for the analyses in flight,
and analyses that start meanwhile wait for the batch. Transaction-scoped advisory locks
end with the transaction, commit or rollback, so no path can leak one.

SQLite needs nothing: its write transactions are serialised at ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["KNOWLEDGE_LOCK_KEY", "hold_knowledge_exclusive", "hold_knowledge_shared"]

KNOWLEDGE_LOCK_KEY = 0x64657076_6B620001  # "depv" "kb" 1: a key no other lock of ours uses


def hold_knowledge_shared(db: Session) -> None:
    """Hold the lock shared until the session's transaction ends (PostgreSQL)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": KNOWLEDGE_LOCK_KEY})


def hold_knowledge_exclusive(db: Session) -> None:
    """Hold the lock exclusively until the session's transaction ends (PostgreSQL)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KNOWLEDGE_LOCK_KEY})

"""Console sessions: opening one at sign-in, finding it from its cookie, ending it.

The cookie holds a random 64-character id; the table keys the session by the id's
SHA-256 digest (``domain.secrets.digest_key``, the same treatment user keys get), so
the stored rows sign nobody in. Lookups compare digests in the index; the id is random
and long enough that a timing difference on its digest tells a guesser nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from depvault.domain.scope import Caller
from depvault.domain.secrets import digest_key, new_token
from depvault.store.models import ConsoleSession, User
from depvault.store.organizations.identity import caller_of

__all__ = [
    "SessionLimits",
    "SessionView",
    "end_session",
    "end_user_sessions",
    "open_session",
    "prune_sessions",
    "session_by_id",
    "touch_session",
]

# last_seen_at is written at most this often: a page view is a read, not a write
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLimits:
    """How long a session lives: idle (since its last page) and absolute (since sign-in)."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class SessionView:
    """A stored session: who it is, the token its forms must echo, and its times."""

    caller: Caller
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime

    def expired(self, now: datetime, limits: SessionLimits) -> bool:
        """Whether the session has outlived either limit."""
        return now - self.last_seen_at > limits.idle or now - self.created_at > limits.absolute

    def stale(self, now: datetime) -> bool:
        """Whether its last-seen time is old enough to be written again."""
        return now - self.last_seen_at >= TOUCH_EVERY


def open_session(db: Session, user_id: int, now: datetime) -> tuple[str, str]:
    """A new session of the user: its cookie id (never stored) and its CSRF token."""
    session_id = new_token()
    csrf = new_token()
    db.add(
        ConsoleSession(
            id_digest=digest_key(session_id),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
        )
    )
    db.flush()
    return session_id, csrf


def session_by_id(db: Session, session_id: str) -> SessionView | None:
    """The stored session the cookie names (expired or not), or None. A read: the
    caller decides, in a write transaction, to end or touch it."""
    row = db.execute(
        select(
            ConsoleSession.created_at,
            ConsoleSession.last_seen_at,
            ConsoleSession.csrf_token,
            User.id,
            User.email,
            User.name,
            User.is_service,
            User.is_site_admin,
        )
        .join(User, User.id == ConsoleSession.user_id)
        .where(ConsoleSession.id_digest == digest_key(session_id))
    ).first()
    if row is None:
        return None
    caller = caller_of(row)
    return SessionView(caller, row.csrf_token, row.created_at, row.last_seen_at)


def touch_session(db: Session, session_id: str, now: datetime) -> None:
    """Record a page of the session (its idle time starts again)."""
    db.execute(
        update(ConsoleSession)
        .where(ConsoleSession.id_digest == digest_key(session_id))
        .values(last_seen_at=now)
    )


def end_session(db: Session, session_id: str) -> None:
    """Sign-out: the session is gone (its cookie names nothing any more)."""
    db.execute(delete(ConsoleSession).where(ConsoleSession.id_digest == digest_key(session_id)))


def prune_sessions(db: Session, now: datetime, limits: SessionLimits) -> int:
    """Delete every expired session (one nobody presents again would stay forever:
    an expired one is otherwise deleted only when its cookie comes back); how many."""
    result = db.execute(
        delete(ConsoleSession).where(
            (ConsoleSession.last_seen_at < now - limits.idle)
            | (ConsoleSession.created_at < now - limits.absolute)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_user_sessions(db: Session, user_id: int) -> int:
    """End every session of a user (their key was rotated); how many ended."""
    result = db.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)

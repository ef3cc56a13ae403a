"""Signed-in console sessions (the web console under ``/ui/``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base, created_column


class ConsoleSession(Base):
    """One browser signed in as one user.

    The cookie carries a random id; only its SHA-256 digest is stored (``id_digest``),
    so a copy of the database does not sign anyone in. ``csrf_token`` is the token every
    state-changing form and htmx request of the session must echo. The session ends at
    ``last_seen_at`` + the idle limit or ``created_at`` + the absolute limit, at sign-out,
    and when the user's key is rotated (``store.organizations.people.issue_key``).
    """

    __tablename__ = "console_sessions"

    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_column()
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)

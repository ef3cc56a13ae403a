"""Change counters: a number per named piece of shared state, bumped in the transaction
that changes it, so that every process can tell whether what it remembers is current.

A process caches something (who a key names and what that user may do; an
organization's project vitals) together with the counter's value it read first; a
later request reads the counter (one primary-key lookup) and drops the cached copy
when the value moved. The counter is bumped by the writing transaction itself — by a
store function (``access``) or by triggers (``vitals:<org id>``, migration 0025) — so
the change and the bump commit or roll back together, in whichever process wrote.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from depvault.store.models.base import Base

# Who keys name and which roles users hold (users, groups, role assignments).
ACCESS = "access"


def vitals_counter(org_id: int) -> str:
    """The counter of an organization's project vitals (its projects and products)."""
    return f"vitals:{org_id}"


class ChangeCounter(Base):
    """One named counter; a missing row reads as 0."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

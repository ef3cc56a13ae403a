"""``column IN (values)`` for long value lists, in the form each database handles best.

SQLAlchemy renders ``in_()`` with one bind parameter per value. On PostgreSQL that makes
every statement of a 2,000-id chunk a fresh 2,000-parameter text for SQLAlchemy to
compile and psycopg to parse (0.7 s of a 10,000-component analysis); one array
parameter, ``column = ANY(:values)``, is the same predicate to the planner (indexes
serve it) at the cost of a single parameter. SQLite has no arrays: ``IN`` it is.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

__all__ = ["among", "among_bound", "uses_arrays"]


def uses_arrays(db: Session) -> bool:
    """Whether the session's database takes array parameters (PostgreSQL)."""
    return db.get_bind().dialect.name == "postgresql"


def among(db: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values``."""
    listed = list(values)
    if uses_arrays(db):
        parameter = bindparam(None, listed, type_=ARRAY(column.type), unique=True)
        return column == any_(parameter)  # type: ignore[no-any-return]
    return column.in_(listed)  # type: ignore[no-any-return]


def among_bound(column: Any, name: str, *, arrays: bool) -> ColumnElement[bool]:
    """``column`` is one of the values bound to ``name`` when the statement runs, for
    statements built once: one array parameter with ``arrays`` (PostgreSQL), else an
    expanding ``IN``. Build such a statement both ways; pick with :func:`uses_arrays`."""
    if arrays:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]

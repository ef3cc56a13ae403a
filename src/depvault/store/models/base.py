"""The declarative base and the column helpers every table module shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TOKEN_LENGTH = 64

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit (and only
# that exact type is the rowid alias).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def token_column() -> Mapped[str]:
    """A unique 64-character token (``domain.secrets``)."""
    return mapped_column(String(TOKEN_LENGTH), unique=True, nullable=False)


def created_column() -> Mapped[datetime]:
    """A non-null creation time (naive UTC)."""
    return mapped_column(DateTime(), nullable=False)


def id_tables(metadata: MetaData) -> list[Table]:
    """The tables whose primary key is one integer id the database assigns."""
    found = []
    for table in metadata.sorted_tables:
        [*key] = table.primary_key.columns
        if (
            len(key) == 1
            and key[0].autoincrement in ("auto", True)
            and not key[0].foreign_keys
            and isinstance(key[0].type, Integer)
        ):
            found.append(table)
    return found


def never_reuse_ids(metadata: MetaData) -> None:
    """Ids are never reused: a client holding the id of a removed policy must not act on
    the next one created. PostgreSQL's sequences never go back; SQLite gives a new row
    the largest rowid plus one unless the table is AUTOINCREMENT (migration 0022 rebuilt
    the existing tables so)."""
    for table in id_tables(metadata):
        table.dialect_kwargs["sqlite_autoincrement"] = True

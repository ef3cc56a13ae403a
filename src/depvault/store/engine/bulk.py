"""Loading many rows at once, the fastest way each database offers.

PostgreSQL: ``COPY … FROM STDIN`` (psycopg 3); when rows that already exist must be
skipped, ``INSERT … SELECT … ON CONFLICT DO NOTHING`` from one array per column
(``unnest``) or, for JSON columns and very many rows, from a temporary table. Row-by-row
``executemany`` costs a round trip per row there: 10,000 libraries took 7 s, ``COPY``
takes a fraction of a second (bench/bench_sbom_import.py). SQLite: ``executemany`` on
the C driver, which is already a tight loop in-process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from depvault.domain.secrets import new_uuids
from depvault.store.models import Base

__all__ = ["bulk_insert", "ids_by_key", "insert_rows", "insert_with_uuids"]

# Up to this many rows, PostgreSQL inserts that skip existing rows go as arrays in one
# statement; more go through COPY into a staging table (arrays are built in memory).
UNNEST_ROWS = 50_000


def bulk_insert(
    db: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, skip_existing: bool = False
) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in the session's
    transaction; with ``skip_existing`` rows that violate a unique key are left out."""
    if not rows:
        return
    columns = list(rows[0])
    insert_rows(
        db, model, columns, [[row[c] for c in columns] for row in rows], skip_existing=skip_existing
    )


def insert_with_uuids(
    db: Session, model: type[Base], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """:func:`insert_rows` for tables whose rows carry a fresh random ``uuid`` (alerts,
    policy issues, approval tasks): each row gets one, made in bulk, before its other
    values in ``columns`` order."""
    insert_rows(
        db,
        model,
        ("uuid", *columns),
        [(uuid, *row) for row, uuid in zip(rows, new_uuids(len(rows)), strict=True)],
    )


def insert_rows(
    db: Session,
    model: type[Base],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    skip_existing: bool = False,
) -> None:
    """:func:`bulk_insert` for rows given as value sequences in ``columns`` order: the
    form for tens of thousands of rows (an analysis's alerts), which skips building a
    dict per row only to take it apart again. Table and column names come from the
    models, never from input."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    if db.get_bind().dialect.name != "postgresql":
        _sqlite_insert(db, table, list(columns), rows, skip_existing)
        return
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    if skip_existing and not json_at and len(rows) <= UNNEST_ROWS:
        _insert_unnested(db, table, columns, rows)
        return
    raw = db.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    target = f'"{table.name}"'
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        if skip_existing:
            staging = f'"staging_{table.name}"'
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
                f"(LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {staging}")
            copy_into = staging
        else:
            copy_into = target
        with cursor.copy(f"COPY {copy_into} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_json_as_text(row, json_at) if json_at else row)
        if skip_existing:
            cursor.execute(
                f"INSERT INTO {target} ({names}) SELECT {names} FROM {copy_into} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )


def _insert_unnested(
    db: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``INSERT … SELECT unnest(:a), unnest(:b) … ON CONFLICT DO NOTHING``: one array
    parameter per column, one statement. For the narrow tables an analysis fills with
    ``skip_existing`` (matches, matched marks) this is several times cheaper than a
    temporary staging table per call (its creation alone writes the system catalogs)."""
    by_column = list(zip(*rows, strict=True))
    source = select(
        *(
            func.unnest(bindparam(None, list(values), type_=ARRAY(table.c[name].type), unique=True))
            for name, values in zip(columns, by_column, strict=True)
        )
    )
    db.execute(postgresql.insert(table).from_select(list(columns), source).on_conflict_do_nothing())


def _json_as_text(row: Sequence[Any], json_at: Sequence[int]) -> list[Any]:
    """``row`` with the values at ``json_at`` as JSON text (what ``COPY`` takes)."""
    copied = list(row)
    for index in json_at:
        copied[index] = orjson.dumps(copied[index]).decode()
    return copied


def _sqlite_insert(
    db: Session, table: Table, columns: list[str], rows: Sequence[Sequence[Any]], skip: bool
) -> None:
    """``executemany`` on the driver with the columns' own bind processing (dates to
    SQLite's text form, JSON to text) applied here once per column that has one:
    SQLAlchemy's per-row parameter handling cost more than the insert itself (0.3 s of
    30,000 alert and match rows)."""
    statement = sqlite.insert(table)
    if skip:
        statement = statement.on_conflict_do_nothing()
    dialect = db.get_bind().dialect
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    order = list(compiled.positiontup or ())
    if sorted(order) != sorted(columns):  # a default the compiler added: the slow way
        db.connection().execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    given = list(zip(*rows, strict=True))
    by_column = [list(given[columns.index(name)]) for name in order]
    for index, name in enumerate(order):
        process = table.c[name].type._cached_bind_processor(dialect)
        if process is not None:
            by_column[index] = _processed(process, by_column[index])
    values = list(zip(*by_column, strict=True))
    driver = db.connection().connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(compiled.string, values)
    finally:
        cursor.close()


def _processed(process: Any, values: list[Any]) -> list[Any]:
    """``process`` over a column's values, once per distinct value where values hash (a
    batch of alerts shares one timestamp)."""
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            out.append(done[value])
        except KeyError:
            out.append(done.setdefault(value, process(value)))
        except TypeError:  # unhashable (a JSON list or object)
            out.append(process(value))
    return out


def ids_by_key(
    db: Session, model: type[Base], keys: Sequence[str], chunk: int = 2000
) -> dict[str, int]:
    """``key → id`` for the rows of ``model`` (which has unique ``key`` and ``id``
    columns) among ``keys``. PostgreSQL: the keys are copied into a temporary table and
    joined once (a 2,000-parameter IN list costs psycopg a query parse each time);
    SQLite: IN lists of ``chunk`` keys."""
    if not keys:
        return {}
    table = cast(Table, model.__table__)
    if db.get_bind().dialect.name != "postgresql":
        found: dict[str, int] = {}
        for start in range(0, len(keys), chunk):
            part = list(keys[start : start + chunk])
            rows = db.execute(select(table.c.key, table.c.id).where(table.c.key.in_(part)))
            found.update({key: row_id for key, row_id in rows})
        return found
    raw = db.connection().connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS lookup_keys (key text) ON COMMIT DROP")
        cursor.execute("TRUNCATE lookup_keys")
        with cursor.copy("COPY lookup_keys (key) FROM STDIN") as copy:
            for key in keys:
                copy.write_row((key,))
        cursor.execute(
            f'SELECT t.key, t.id FROM "{table.name}" t JOIN lookup_keys k ON k.key = t.key'  # noqa: S608
        )
        return {key: row_id for key, row_id in cursor.fetchall()}

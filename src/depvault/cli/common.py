"""What every command shares: the configuration, the store, printing, failing.

A store is never created by mistake: only ``serve``, ``bootstrap`` and ``db upgrade``
open a store that does not exist yet (``create=True``). Every other command refuses a
missing one, naming the absolute path it looked at and how to point at the right one: a
cron job started in another folder would otherwise import into a new, empty store and
exit 0. Every command that opens a store says which, on standard error, in one line.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import orjson
import typer
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from depvault.config import CONFIG_ENV, CONFIG_FILE, Config, ConfigError, config_file
from depvault.errors import DepvaultError
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade

__all__ = [
    "fail",
    "load_config",
    "open_database",
    "operator_database",
    "print_json",
    "set_config_file",
    "store_location",
]

# ``--config FILE`` of the ``depvault`` command itself, set by its callback before any
# subcommand runs (one command per process; the tests' runner sets it on every call).
_explicit_config: Path | None = None

POINT_AT_STORE = (
    "point at the right one with DEPVAULT_DATA_DIR or DEPVAULT_DATABASE_URL, "
    f"a {CONFIG_FILE} in the working folder, --config FILE or {CONFIG_ENV}"
)


def set_config_file(path: Path | None) -> None:
    """Remember the ``--config`` file named on the command line (None: look it up)."""
    global _explicit_config
    _explicit_config = path


def load_config(**overrides: Any) -> Config:
    """The configuration: the config file, overridden by ``DEPVAULT_*``, overridden by
    the command line's options."""
    try:
        file = config_file(_explicit_config)
        config = Config.from_sources(
            None, file, **{k: v for k, v in overrides.items() if v is not None}
        )
    except ConfigError as exc:
        fail(f"configuration: {exc}")
    if config.report_storage == "s3" and importlib.util.find_spec("boto3") is None:
        fail(
            "configuration: DEPVAULT_REPORT_STORAGE=s3 needs boto3: install depvault with "
            "its s3 extra (pip install 'depvault[s3]')"
        )
    return config


def store_location(config: Config) -> str:
    """The store as an operator recognises it: the SQLite file's absolute path, or the
    database URL without its password."""
    url = make_url(config.effective_database_url)
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def open_database(config: Config, *, create: bool = False) -> Database:
    """The configured store, migrated to the newest schema; a missing store is an error
    unless ``create``. Says which store on standard error."""
    location = store_location(config)
    typer.echo(f"depvault: store {location}", err=True)
    if not create and config.is_sqlite and not Path(location).is_file():
        fail(
            f"no depvault store at {location}: this command never creates one; "
            f"{POINT_AT_STORE} (`depvault serve` or `depvault bootstrap` create a new store)"
        )
    database = create_database(config)
    try:
        if not create and not inspect(database.engine).has_table("alembic_version"):
            database.dispose()
            fail(
                f"the database {location} holds no depvault store: {POINT_AT_STORE} "
                "(`depvault db upgrade` creates the schema)"
            )
        upgrade(database)
    except SQLAlchemyError as exc:
        database.dispose()
        fail(f"cannot open the store {location}: {exc.__class__.__name__}: {exc.args[0]}")
    return database


@contextmanager
def operator_database(*, create: bool = False) -> Iterator[Database]:
    """The configured store for one operator command: disposed afterwards, and a
    depvault error ends the command with its message (exit code 2)."""
    database = open_database(load_config(), create=create)
    try:
        yield database
    except DepvaultError as exc:
        fail(exc.message)
    finally:
        database.dispose()


def print_json(payload: Any) -> None:
    """One JSON value on one line of standard output, and nothing before it."""
    sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong on standard error and exit non-zero."""
    typer.echo(f"depvault: {message}", err=True)
    raise typer.Exit(code)

"""What every command shares: the configuration, the database, printing, failing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import orjson
import typer

from depvault.config import Config, ConfigError
from depvault.errors import DepvaultError
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade

__all__ = ["fail", "load_config", "open_database", "operator_database", "print_json"]


def load_config(**overrides: Any) -> Config:
    """The configuration from ``DEPVAULT_*`` with command-line overrides."""
    try:
        return Config.from_env(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        fail(f"configuration: {exc}")


def open_database(config: Config) -> Database:
    """The configured database, migrated to the newest schema."""
    database = create_database(config)
    upgrade(database)
    return database


@contextmanager
def operator_database() -> Iterator[Database]:
    """The configured database for one operator command: disposed afterwards, and a
    depvault error ends the command with its message (exit code 2)."""
    database = open_database(load_config())
    try:
        yield database
    except DepvaultError as exc:
        fail(exc.message)
    finally:
        database.dispose()


def print_json(payload: dict[str, Any] | list[Any]) -> None:
    """One JSON value on one line of standard output."""
    sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong on standard error and exit non-zero."""
    typer.echo(f"depvault: {message}", err=True)
    raise typer.Exit(code)

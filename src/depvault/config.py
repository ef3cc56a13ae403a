"""Every setting depvault reads, with its default and the reason for it.

This module is the single place where defaults live (STYLE.md §12). Each field of
:class:`Config` names the ``DEPVAULT_*`` environment variable that sets it and documents
it; ``docs/configuration.md`` is generated from these fields by
``scripts/gen_docs.py`` (``make docs``) and a test keeps the two in step.

The embedded defaults need nothing installed beside Python: SQLite in WAL mode under
``DEPVAULT_DATA_DIR``, report files in a folder beside it, and in-process workers.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Config", "ConfigError", "setting_docs"]

MIB = 1024 * 1024


class ConfigError(ValueError):
    """A ``DEPVAULT_*`` variable holds a value that cannot be used."""


def _setting(
    env: str, doc: str, default: Any = None, minimum: int = 1, choices: tuple[str, ...] = ()
) -> Any:
    metadata = {"env": env, "doc": doc, "minimum": minimum, "choices": choices}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Config:
    """The server's settings, read once at start from the environment."""

    data_dir: Path = _setting(
        "DEPVAULT_DATA_DIR",
        "Folder for the embedded database, report files and the generated TLS pair. "
        "Created when missing.",
        Path("depvault-data"),
    )
    database_url: str = _setting(
        "DEPVAULT_DATABASE_URL",
        "SQLAlchemy URL of the database. Empty means SQLite (WAL mode) at "
        "`$DEPVAULT_DATA_DIR/depvault.db`. For PostgreSQL use "
        "`postgresql+psycopg://user@host:5432/dbname`.",
        "",
    )
    host: str = _setting(
        "DEPVAULT_HOST",
        "Address `depvault serve` listens on. Loopback by default: plain HTTP is meant for "
        "development; serve other interfaces with a TLS certificate.",
        "127.0.0.1",
    )
    port: int = _setting("DEPVAULT_PORT", "TCP port `depvault serve` listens on.", 8080)
    tls_cert_file: Path | None = _setting(
        "DEPVAULT_TLS_CERT_FILE",
        "PEM certificate (chain) for HTTPS. With `DEPVAULT_TLS_KEY_FILE` the server speaks "
        "only HTTPS on its port; `depvault tls self-signed` makes a pair for trials. "
        "Plain HTTP is never redirected to HTTPS (clients cannot follow it).",
    )
    tls_key_file: Path | None = _setting(
        "DEPVAULT_TLS_KEY_FILE", "PEM private key matching `DEPVAULT_TLS_CERT_FILE`."
    )
    max_body_bytes: int = _setting(
        "DEPVAULT_MAX_BODY_BYTES",
        "Largest request body accepted, in bytes (200 MiB, the agent protocol's own "
        "limit). A larger body is refused before it is read whole.",
        200 * MIB,
    )
    max_expanded_bytes: int = _setting(
        "DEPVAULT_MAX_EXPANDED_BYTES",
        "Largest size compressed input (the agent's gzip `diff`, a gzip'd SBOM) may expand "
        "to, in bytes; checked while expanding, so a decompression bomb never fills memory.",
        1024 * MIB,
    )
    workers: int = _setting(
        "DEPVAULT_WORKERS",
        "Threads of each worker process that write inventories, run analyses and render "
        "reports. Updates of one project never run at once, whatever this number.",
        2,
    )
    worker_processes: int = _setting(
        "DEPVAULT_WORKER_PROCESSES",
        "Worker processes `depvault serve` starts beside the API (at a lower CPU priority, "
        "restarted when they die), and `depvault worker` runs. 0 makes `serve` a pure API "
        "node: the work it queues is done by `depvault worker` processes elsewhere.",
        1,
        minimum=0,
    )
    recovery_interval_seconds: int = _setting(
        "DEPVAULT_RECOVERY_INTERVAL_SECONDS",
        "How often each worker looks for work claimed by a process that is gone (killed, "
        "or on a machine that was lost) and puts it back in the queue, in seconds. A "
        "worker process restarted by its `serve` recovers its predecessor's work at once.",
        30,
    )
    reports_dir: Path | None = _setting(
        "DEPVAULT_REPORTS_DIR",
        "Folder for the files of asynchronous reports. Empty means "
        "`$DEPVAULT_DATA_DIR/reports`. Every server process and worker must see the same "
        "folder (a shared volume when they run on several machines).",
    )
    report_storage: str = _setting(
        "DEPVAULT_REPORT_STORAGE",
        "Where asynchronous report files are kept: `local` (the `DEPVAULT_REPORTS_DIR` "
        "folder) or `database` (chunked rows of the `report_chunks` table, which every "
        "node reads). Empty means `database` when the database is PostgreSQL and "
        "`DEPVAULT_REPORTS_DIR` is not set, else `local`.",
        "",
        choices=("", "local", "database"),
    )
    report_retention_hours: int = _setting(
        "DEPVAULT_REPORT_RETENTION_HOURS",
        "How long a finished report's file stays downloadable, in hours; then it is deleted "
        "and a download answers that the report expired.",
        72,
    )
    history_retention_days: int = _setting(
        "DEPVAULT_HISTORY_RETENTION_DAYS",
        "How long the inventory history (the Diff reports) and the counted rejections of "
        "agents' policy checks (the Plugin Policy Violation report, by when last seen) are "
        "kept, in days; older entries are deleted by the workers. 0 keeps them forever.",
        365,
    )
    report_rows_per_file: int = _setting(
        "DEPVAULT_REPORT_ROWS_PER_FILE",
        "Rows per file of an asynchronous report: a larger report is split into numbered "
        "files inside its ZIP. XLSX files also start a new sheet at 1,048,575 data rows.",
        1_000_000,
    )
    sync_report_max_rows: int = _setting(
        "DEPVAULT_SYNC_REPORT_MAX_ROWS",
        "Largest synchronous report, in rows; a larger one answers with an error naming the "
        "asynchronous request to use instead.",
        200_000,
    )
    db_pool_size: int = _setting(
        "DEPVAULT_DB_POOL_SIZE",
        "Connections kept open to PostgreSQL per server process (ignored for SQLite).",
        10,
    )
    log_level: str = _setting(
        "DEPVAULT_LOG_LEVEL", "Python logging level of the server: DEBUG, INFO, WARNING …", "INFO"
    )
    access_log: bool = _setting(
        "DEPVAULT_ACCESS_LOG",
        "Log one line per HTTP request (method, path, status). Bodies and keys are never logged.",
        True,
    )

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: the configured one, else SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'depvault.db').resolve()}"

    @property
    def effective_reports_dir(self) -> Path:
        """The folder of report files in use."""
        return self.reports_dir if self.reports_dir is not None else self.data_dir / "reports"

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is the embedded SQLite database."""
        return self.effective_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Read every ``DEPVAULT_*`` variable; ``overrides`` win over the environment.

        Raises :class:`ConfigError` naming the variable whose value cannot be parsed.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f, raw)
        values.update(overrides)
        return cls(**values)


def _parse(f: dataclasses.Field[Any], raw: str) -> Any:
    kind = str(f.type)
    env = f.metadata["env"]
    try:
        if kind == "int":
            value = int(raw)
            minimum = f.metadata["minimum"]
            if value < minimum:
                raise ValueError(
                    "must be positive" if minimum == 1 else f"must be {minimum} or more"
                )
            return value
        if kind == "bool":
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError("expected true or false")
        if kind.startswith("Path"):
            return Path(raw)
        if f.metadata["choices"] and raw not in f.metadata["choices"]:
            raise ValueError(f"expected one of {', '.join(c for c in f.metadata['choices'] if c)}")
    except ValueError as exc:
        raise ConfigError(f"{env}={raw!r}: {exc}") from None
    return raw


def setting_docs() -> list[tuple[str, str, str]]:
    """(variable, default, documentation) for every setting, for the generated docs."""
    rows = []
    for f in dataclasses.fields(Config):
        default = "" if f.default is None else str(f.default)
        rows.append((f.metadata["env"], default, f.metadata["doc"]))
    return rows

"""Every setting depvault reads, with its default and the reason for it.

This module is the single place where defaults live (STYLE.md §12). Each field of
:class:`Config` names the ``DEPVAULT_*`` environment variable that sets it and documents
it; ``docs/configuration.md`` is generated from these fields by
``scripts/gen_docs.py`` (``make docs``) and a test keeps the two in step.

The embedded defaults need nothing installed beside Python: SQLite in WAL mode under
``DEPVAULT_DATA_DIR``, report files in a folder beside it, and in-process workers.

The same settings may come from a TOML file (``depvault.toml`` in the working folder,
``--config FILE`` or ``DEPVAULT_CONFIG``), keyed by the field names below (``data_dir =
"/var/lib/depvault"``), so that a service and the cron jobs beside it read one truth.
The environment overrides the file; relative paths in the file are relative to the file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CONFIG_ENV", "CONFIG_FILE", "Config", "ConfigError", "config_file", "setting_docs"]

MIB = 1024 * 1024
CONFIG_ENV = "DEPVAULT_CONFIG"
CONFIG_FILE = "depvault.toml"


class ConfigError(ValueError):
    """A ``DEPVAULT_*`` variable holds a value that cannot be used."""


def _setting(
    env: str,
    doc: str,
    default: Any = None,
    minimum: int = 1,
    choices: tuple[str, ...] = (),
    *,
    secret: bool = False,
) -> Any:
    metadata = {"env": env, "doc": doc, "minimum": minimum, "choices": choices}
    # a secret stays out of the settings' repr, so out of any log or traceback showing it
    return field(default=default, metadata=metadata, repr=not secret)


@dataclass(frozen=True)
class Config:
    """The server's settings, read once at start from the environment."""

    data_dir: Path = _setting(
        "DEPVAULT_DATA_DIR",
        "Folder for the embedded database, report files and the generated TLS pair. "
        "`depvault serve`, `bootstrap` and `db upgrade` create it when missing; every other "
        "command refuses a missing store, naming the absolute path it looked at.",
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
        "to, in bytes. Counted while expanding into a temporary file, so a decompression "
        "bomb is refused without filling memory; an accepted expansion is parsed in memory "
        '(see docs/operations.md, "Limits that protect a server").',
        1024 * MIB,
    )
    max_expansion_ratio: int = _setting(
        "DEPVAULT_MAX_EXPANSION_RATIO",
        "Compressed input expanding more than this many times its compressed size is "
        "refused as a decompression bomb as soon as its expansion passes "
        "`DEPVAULT_SPOOL_THRESHOLD_BYTES`. Real SBOMs and agent diffs compress 3 to 15 "
        "times; a bomb of zeros about 1,000 times.",
        100,
    )
    max_concurrent_expansions: int = _setting(
        "DEPVAULT_MAX_CONCURRENT_EXPANSIONS",
        "Expansions run at once per server process: gunzipping and parsing a compressed "
        "document, or parsing a body larger than `DEPVAULT_SPOOL_THRESHOLD_BYTES`. Further "
        "requests wait up to `DEPVAULT_EXPANSION_WAIT_SECONDS`, then are answered HTTP 503 "
        "with an error envelope saying the server is busy and to retry.",
        2,
    )
    expansion_wait_seconds: int = _setting(
        "DEPVAULT_EXPANSION_WAIT_SECONDS",
        "How long a request waits for an expansion slot before it is answered busy.",
        5,
    )
    spool_threshold_bytes: int = _setting(
        "DEPVAULT_SPOOL_THRESHOLD_BYTES",
        "Request bodies and expansions larger than this are written to a temporary file "
        "(in `$TMPDIR`) as they arrive instead of growing in memory, and a larger body is "
        "parsed in an expansion slot.",
        8 * MIB,
    )
    auth_failures_per_minute: int = _setting(
        "DEPVAULT_AUTH_FAILURES_PER_MINUTE",
        "Wrong userKeys (and failed web console sign-ins) accepted from one client address "
        "in a minute; past it, requests "
        "from that address are refused (HTTP 429, an error envelope saying when to retry) "
        "until the minute's oldest failure is a minute old. Logged once a minute per "
        "address at WARNING, with the count, never the key.",
        30,
    )
    console_idle_minutes: int = _setting(
        "DEPVAULT_CONSOLE_IDLE_MINUTES",
        "A web console session (`/ui/`) ends after this many minutes without a page "
        "request; the person signs in again with their e-mail address and user key.",
        30,
    )
    console_session_hours: int = _setting(
        "DEPVAULT_CONSOLE_SESSION_HOURS",
        "A web console session ends this many hours after sign-in, however busy it is. "
        "Signing out, and issuing the person a new user key, end their sessions at once.",
        12,
    )
    console_figures_seconds: int = _setting(
        "DEPVAULT_CONSOLE_FIGURES_SECONDS",
        "The web console's organization dashboard computes its figures (counts, the most "
        "vulnerable projects and libraries) at most once in this many seconds per "
        "organization and shows them with their time; an older set is served while it is "
        "computed again in the background (seconds of counting on a 1,000,000-row "
        "organization).",
        60,
    )
    trusted_proxies: str = _setting(
        "DEPVAULT_TRUSTED_PROXIES",
        "Comma-separated addresses or networks (`10.0.0.0/8`) of reverse proxies whose "
        "`X-Forwarded-For` header names the client, for the throttling of wrong keys. "
        "Empty: the client is the peer address of the connection.",
        "",
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
    max_jobs_per_org: int = _setting(
        "DEPVAULT_MAX_JOBS_PER_ORG",
        "Jobs (inventory updates, report renders) of one organization running at once, "
        "over every worker of every machine: past it, workers take other organizations' "
        "work. 0 means no cap (one organization's server). Whatever it is, inventory "
        "updates are taken before reports, and project reports before product and "
        "organization reports.",
        0,
        minimum=0,
    )
    api_processes: int = _setting(
        "DEPVAULT_API_PROCESSES",
        "Processes of `depvault serve` that answer API requests, sharing its port (the "
        "kernel spreads the connections), each with its own `DEPVAULT_DB_POOL_SIZE` "
        "connections; `serve --processes N` overrides it. 1 serves from the `serve` process "
        "itself. Works on SQLite too (the processes of one `serve` share its file).",
        1,
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
        "folder), `database` (chunked rows of the `report_chunks` table, which every "
        "node reads) or `s3` (objects of `DEPVAULT_S3_BUCKET` in S3-compatible object "
        "storage; needs the `s3` extra: `pip install 'depvault[s3]'`). Empty means "
        "`database` when the database is PostgreSQL and `DEPVAULT_REPORTS_DIR` is not "
        "set, else `local`.",
        "",
        choices=("", "local", "database", "s3"),
    )
    s3_bucket: str = _setting(
        "DEPVAULT_S3_BUCKET",
        "Bucket of the report files when `DEPVAULT_REPORT_STORAGE=s3` (it must exist).",
        "",
    )
    s3_prefix: str = _setting(
        "DEPVAULT_S3_PREFIX",
        "Prefix of the report files' object keys in `DEPVAULT_S3_BUCKET`.",
        "reports/",
    )
    s3_endpoint_url: str = _setting(
        "DEPVAULT_S3_ENDPOINT_URL",
        "URL of an S3-compatible service (MinIO, Ceph …), addressed path-style. Empty "
        "means AWS S3.",
        "",
    )
    s3_region: str = _setting(
        "DEPVAULT_S3_REGION",
        "Region of the bucket. Empty means boto3's own choice (`AWS_REGION`, "
        "`AWS_DEFAULT_REGION`, the shared configuration).",
        "",
    )
    s3_access_key_id: str = _setting(
        "DEPVAULT_S3_ACCESS_KEY_ID",
        "Access key of the object storage. Empty (with the secret) means boto3's own "
        "credential chain: `AWS_*` variables, shared files, an instance or pod role.",
        "",
    )
    s3_secret_access_key: str = _setting(
        "DEPVAULT_S3_SECRET_ACCESS_KEY",
        "Secret key matching `DEPVAULT_S3_ACCESS_KEY_ID` (never logged).",
        "",
        secret=True,
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
        "Connections each process keeps open to its database (SQLite or PostgreSQL); never "
        "more: a request that finds them all in use waits for one. An API process answers "
        "as many calls at once (its answering threads); more wait their turn.",
        10,
    )
    key_cache_seconds: int = _setting(
        "DEPVAULT_KEY_CACHE_SECONDS",
        "How long a process remembers at most which user a key names and that user's "
        "roles, in seconds (a bounded in-process cache; requests skip reading them). A key "
        "rotated, a user removed or a role changed through depvault takes effect at the "
        "next request in every process sharing the database (they compare a change counter "
        "the change bumps); this bounds only a row edited in the database by hand.",
        10,
    )
    kb_osv_url: str = _setting(
        "DEPVAULT_KB_OSV_URL",
        "Where the knowledge base syncs OSV advisories from: a base URL laid out as OSV "
        "publishes its data dumps (`ecosystems.txt`, `<ecosystem>/all.zip`, "
        "`<ecosystem>/<ID>.json`, `<ecosystem>/modified_id.csv`), or a local folder laid "
        "out the same way (a path or `file://` URL: an rsync'd mirror for air-gapped sites).",
        "https://osv-vulnerabilities.storage.googleapis.com",
    )
    kb_ecosystems: str = _setting(
        "DEPVAULT_KB_ECOSYSTEMS",
        "OSV ecosystems to sync besides those of the catalog's libraries, comma-separated "
        "as OSV names them (`PyPI,npm,Maven`). Empty: only the catalog's ecosystems; an "
        "import in an ecosystem the knowledge base lacks queues its first sync.",
        "",
    )
    kb_sync_interval: float = _setting(
        "DEPVAULT_KB_SYNC_INTERVAL",
        "Hours between the server's knowledge-base syncs (fractions allowed). 0 turns the "
        "scheduled sync off (`depvault kb sync` still works); one process at a time syncs.",
        6.0,
    )
    kb_sync_max_changes: int = _setting(
        "DEPVAULT_KB_SYNC_MAX_CHANGES",
        "A sync fetches changed records one by one up to this many per ecosystem; when more "
        "changed since the last sync it downloads the ecosystem's `all.zip` instead.",
        1000,
    )
    kb_nvd_url: str = _setting(
        "DEPVAULT_KB_NVD_URL",
        "Where the scheduled sync fetches NVD's CVE JSON 2.0 feeds from: the folder URL "
        "holding `nvdcve-2.0-YYYY.json.gz`, `-modified` and `-recent` (NVD's is "
        "`https://nvd.nist.gov/feeds/json/cve/2.0`), or a local folder laid out the same. "
        "Empty (the default): not fetched; `depvault kb import-nvd` still imports files.",
        "",
    )
    kb_epss_url: str = _setting(
        "DEPVAULT_KB_EPSS_URL",
        "Where the scheduled sync fetches FIRST's daily EPSS file from (the URL or local "
        "path of the `.csv.gz` itself, e.g. `https://epss.empiricalsecurity.com/"
        "epss_scores-current.csv.gz`). Empty (the default): not fetched.",
        "",
    )
    kb_kev_url: str = _setting(
        "DEPVAULT_KB_KEV_URL",
        "Where the scheduled sync fetches CISA's Known Exploited Vulnerabilities catalog "
        "from (the URL or local path of `known_exploited_vulnerabilities.json`). Empty "
        "(the default): not fetched.",
        "",
    )
    kb_ca_bundle: Path | None = _setting(
        "DEPVAULT_KB_CA_BUNDLE",
        "PEM file of the certificate authorities trusted for the knowledge-base downloads "
        "(the OSV mirror and the NVD, EPSS and KEV feeds; a TLS-inspecting proxy's CA). "
        "Empty: the certifi bundle. The proxy comes from the "
        "standard `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` variables.",
    )
    kb_http_timeout: int = _setting(
        "DEPVAULT_KB_HTTP_TIMEOUT",
        "Seconds a knowledge-base download may wait to connect or between two reads.",
        60,
    )
    kb_http_attempts: int = _setting(
        "DEPVAULT_KB_HTTP_ATTEMPTS",
        "Attempts per knowledge-base download before the sync gives up and records why; "
        "between attempts it waits 1, 2, 4 … seconds, and a broken `all.zip` download "
        "resumes where it stopped (HTTP Range).",
        4,
    )
    log_level: str = _setting(
        "DEPVAULT_LOG_LEVEL", "Python logging level of the server: DEBUG, INFO, WARNING …", "INFO"
    )
    access_log: bool = _setting(
        "DEPVAULT_ACCESS_LOG",
        "Log one line per HTTP request (method, path, status). Off by default: at a "
        "thousand small reads a second the line costs more than the read. Bodies and keys "
        "are never logged; refusals and server faults are logged either way.",
        False,
    )
    url: str = _setting(
        "DEPVAULT_URL",
        "Server the client commands (`product`, `project`, `alerts`, `report`, `sbom`, "
        "`import-sbom`, `status` …) talk to; `--url` overrides it.",
        "http://127.0.0.1:8080",
    )
    org_token: str = _setting(
        "DEPVAULT_ORG_TOKEN",
        "Organization the client commands act in (products, projects and scopes are named "
        "within it); `--org` overrides it.",
        "",
    )
    user_key: str = _setting(
        "DEPVAULT_USER_KEY",
        "The key the client commands send; `--user-key` overrides it. In a config file, "
        "keep that file readable by its owner only.",
        "",
    )

    def __post_init__(self) -> None:
        if self.report_storage == "s3" and not self.s3_bucket:
            raise ConfigError("DEPVAULT_REPORT_STORAGE=s3 needs DEPVAULT_S3_BUCKET")

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
    def kb_listed_ecosystems(self) -> list[str]:
        """The ecosystems ``DEPVAULT_KB_ECOSYSTEMS`` names, in its order, once each."""
        names = (name.strip() for name in self.kb_ecosystems.split(","))
        return list(dict.fromkeys(name for name in names if name))

    @property
    def kb_feed_locations(self) -> dict[str, str]:
        """Feed (``nvd``, ``epss``, ``kev``) → its configured URL or path ("": not fetched)."""
        return {
            "nvd": self.kb_nvd_url.strip(),
            "epss": self.kb_epss_url.strip(),
            "kev": self.kb_kev_url.strip(),
        }

    @property
    def kb_downloads_dir(self) -> Path:
        """Where knowledge-base downloads are kept while they are incomplete (resumable)."""
        return self.data_dir / "kb-downloads"

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is the embedded SQLite database."""
        return self.effective_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Read every ``DEPVAULT_*`` variable; ``overrides`` win over the environment.

        Raises :class:`ConfigError` naming the variable whose value cannot be parsed.
        """
        return cls.from_sources(environ, None, **overrides)

    @classmethod
    def from_sources(
        cls, environ: Mapping[str, str] | None, file: Path | None, **overrides: Any
    ) -> Config:
        """The settings of the TOML ``file`` (when given), overridden by the
        ``DEPVAULT_*`` variables, overridden by ``overrides``.

        Raises :class:`ConfigError` naming the file key or variable that cannot be used.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = _read_file(file) if file is not None else {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f, raw)
        values.update(overrides)
        return cls(**values)


def config_file(
    explicit: Path | None, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Path | None:
    """The configuration file in use: ``explicit`` (``--config``), else
    ``$DEPVAULT_CONFIG``, else ``depvault.toml`` in ``cwd`` when there is one. A file
    named explicitly or by the variable must exist (a typo is an error, not defaults)."""
    environ = os.environ if environ is None else environ
    named = explicit or (Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else None)
    if named is not None:
        if not named.is_file():
            raise ConfigError(f"configuration file {named.resolve()} does not exist")
        return named.resolve()
    found = (cwd or Path.cwd()) / CONFIG_FILE
    return found.resolve() if found.is_file() else None


def _read_file(path: Path) -> dict[str, Any]:
    """The settings of one TOML file, checked against the fields' types."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    fields = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        f = fields.get(key)
        if f is None:
            raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join(fields)}")
        if isinstance(value, bool) != (str(f.type) == "bool") or isinstance(value, dict | list):
            raise ConfigError(f"{path}: {key} = {value!r} is not a {f.type}")
        try:
            parsed = _parse(f, str(value).lower() if isinstance(value, bool) else str(value))
        except ConfigError as exc:
            raise ConfigError(f"{path}: {key}: {exc}") from None
        if isinstance(parsed, Path) and not parsed.is_absolute():
            parsed = (path.parent / parsed).resolve()
        values[key] = parsed
    return values


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
        if kind == "float":
            number = float(raw)
            if not number >= 0:  # also refuses NaN
                raise ValueError("must be zero or more")
            return number
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

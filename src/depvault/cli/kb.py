"""``depvault kb …``: the vulnerability knowledge base."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from depvault.analysis.knowledge_status import knowledge_status
from depvault.analysis.refresh import refresh, schedule_full_rematch
from depvault.cli.common import fail, load_config, open_database, print_json
from depvault.config import Config
from depvault.ingest.knowledge.epss import import_epss
from depvault.ingest.knowledge.feed_fetch import (
    FEEDS,
    configured_feeds,
    feed_location,
    fetch_feeds,
)
from depvault.ingest.knowledge.kev import import_kev
from depvault.ingest.knowledge.nvd import import_nvd
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.ingest.knowledge.osv_sync import sync_osv
from depvault.store.knowledge.sources import OSV, record_counts
from depvault.store.knowledge.sync_lock import sync_lock

app = typer.Typer(help="Vulnerability knowledge base.", no_args_is_help=True)


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="OSV all.zip exports or folders of OSV JSON."),
    default_band: str = typer.Option(
        "medium", help="Severity band of advisories no source scores (high/medium/low/none)."
    ),
) -> None:
    """Import OSV advisories, incrementally by their modified time (prints one JSON)."""
    if default_band not in {"high", "medium", "low", "none"}:
        fail("--default-band must be high, medium, low or none")
    for path in paths:
        if not path.exists():
            fail(f"{path} does not exist")
    database = open_database(load_config())
    with _progress() as progress:
        task = progress.add_task("importing advisories", total=None)
        stats = import_osv(
            database,
            read_osv_documents(paths),
            default_band=default_band,
            progress=lambda n: progress.advance(task, n),
            reanalysis_progress=_reanalysing(progress, task),
        )
    with database.transaction() as db:
        record_counts(db, OSV)  # what `kb status` shows; an import by hand is no sync
    database.dispose()
    for source, reason in stats.rejected:
        typer.echo(f"depvault: rejected {source}: {reason}", err=True)
    print_json({**asdict(stats), "rejected": [list(r) for r in stats.rejected]})
    if stats.read == stats.invalid:
        fail(f"no valid OSV record read from {', '.join(str(p) for p in paths)}", code=1)


@app.command("sync")
def sync_command(
    ecosystems: list[str] = typer.Option(
        None,
        "--ecosystem",
        "-e",
        help="An OSV ecosystem to sync (repeatable). Default: the catalog's ecosystems and "
        "DEPVAULT_KB_ECOSYSTEMS.",
    ),
    all_feeds: bool = typer.Option(
        False,
        "--feeds",
        help="Fetch every configured feed too (DEPVAULT_KB_NVD_URL, _EPSS_URL, _KEV_URL).",
    ),
    feeds: list[str] = typer.Option(
        None,
        "--feed",
        help="Fetch this feed (nvd, epss or kev; repeatable) and no OSV ecosystem unless "
        "--ecosystem names some.",
    ),
) -> None:
    """Sync the OSV knowledge from DEPVAULT_KB_OSV_URL, and the NVD, EPSS and KEV feeds
    asked for, now (prints one JSON; exit 1 when an ecosystem or feed failed, 3 when
    another process is syncing)."""
    config = load_config()
    wanted_feeds = _wanted_feeds(config, feeds or [], all_feeds)
    wanted_ecosystems: list[str] | None = ecosystems or None
    if feeds and not ecosystems:
        wanted_ecosystems = []  # --feed alone: only those feeds
    database = open_database(config)
    try:
        with sync_lock(database, config.kb_downloads_dir) as held:
            if not held:
                fail("another process is syncing the knowledge base; try again later", 3)
            with _progress() as progress:
                task = progress.add_task("syncing", total=None)
                outcomes = sync_osv(
                    database,
                    config,
                    wanted_ecosystems,
                    progress=lambda e: progress.update(task, description=f"syncing {e}"),
                )
                progress.update(task, description="fetching feeds")
                fetched = fetch_feeds(database, config, wanted_feeds)
    finally:
        database.dispose()
    print_json(
        {"ecosystems": [o.as_json() for o in outcomes], "feeds": [f.as_json() for f in fetched]}
    )
    results = [o.result for o in outcomes] + [f.result for f in fetched]
    if any(result != "ok" for result in results):
        raise typer.Exit(1)


def _wanted_feeds(config: Config, named: list[str], all_feeds: bool) -> list[str]:
    """The feeds ``--feed`` names (each known and configured), or with ``--feeds`` every
    configured one."""
    for feed in named:
        if feed not in FEEDS:
            fail(f"--feed {feed!r}: the feeds are {', '.join(FEEDS)}")
        if not feed_location(config, feed):
            fail(f"--feed {feed}: DEPVAULT_KB_{feed.upper()}_URL is not set")
    configured = configured_feeds(config) if all_feeds else []
    return list(dict.fromkeys([*named, *configured]))


@app.command("status")
def status_command() -> None:
    """What the knowledge base holds per ecosystem and source, and how its last syncs
    went (prints one JSON, the answer of getKnowledgeBaseStatus)."""
    config = load_config()
    database = open_database(config)
    try:
        with database.transaction(write=False) as db:
            status = knowledge_status(db, config)
    finally:
        database.dispose()
    print_json(status)


@app.command("import-nvd")
def import_nvd_command(
    paths: list[Path] = typer.Argument(
        ..., help="NVD CVE JSON 2.0 feed files (nvdcve-2.0-YYYY.json.gz, -modified, -recent)."
    ),
) -> None:
    """Import NVD's scores and CWE ids for the CVEs OSV names (prints one JSON)."""
    _exist(paths)
    database = open_database(load_config())
    with _progress() as progress:
        task = progress.add_task("reading NVD items", total=None)
        stats = import_nvd(database, paths, progress=lambda n: progress.advance(task, n))
    database.dispose()
    print_json(asdict(stats))


@app.command("import-epss")
def import_epss_command(
    path: Path = typer.Argument(..., help="FIRST's daily EPSS CSV (epss_scores-DATE.csv.gz)."),
) -> None:
    """Import EPSS probabilities, replacing the previous file's (prints one JSON)."""
    _exist([path])
    database = open_database(load_config())
    stats = import_epss(database, path)
    database.dispose()
    print_json(asdict(stats))


@app.command("import-kev")
def import_kev_command(
    path: Path = typer.Argument(..., help="CISA's known_exploited_vulnerabilities.json."),
) -> None:
    """Import CISA's Known Exploited Vulnerabilities catalog, replacing the previous one
    (prints one JSON)."""
    _exist([path])
    database = open_database(load_config())
    stats = import_kev(database, path)
    database.dispose()
    print_json(asdict(stats))


def _exist(paths: list[Path]) -> None:
    for path in paths:
        if not path.is_file():
            fail(f"{path} is not a file")


@app.command("rematch")
def rematch_command() -> None:
    """Match every catalog library against the knowledge base again and re-derive the
    alerts that change (after an upgrade whose matching rules changed; prints one JSON)."""
    database = open_database(load_config())
    with _progress() as progress:
        task = progress.add_task("matching libraries", total=None)
        packages = schedule_full_rematch(database)
        stats = refresh(database, _reanalysing(progress, task))
    database.dispose()
    print_json(
        {
            "packages": packages,
            "rematched_libraries": stats.libraries,
            "matches": stats.matches,
            "reanalysed_projects": stats.projects,
            "alerts_opened": stats.alerts_opened,
            "alerts_resolved": stats.alerts_resolved,
        }
    )


def _progress() -> Progress:
    # on standard error: standard output carries only the JSON answer
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    )


def _reanalysing(progress: Progress, task: TaskID) -> Callable[[str, int], None]:
    def update(stage: str, done: int) -> None:
        label = {"group": "grouping advisories", "match": "matching libraries"}.get(
            stage, "deriving project alerts"
        )
        progress.update(task, description=label, completed=done)

    return update

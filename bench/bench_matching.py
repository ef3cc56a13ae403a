"""Benchmark: matching inventories against the knowledge base, on SQLite and PostgreSQL.

Two benchmarks (``--benchmark``), each in a fresh store per backend:

``inventory``: the analysis step of one 10,000-component inventory (issue target ≤ 1 s).
    The three OSV exports are imported first. The inventory is every library of a
    realistic portfolio pool (``portfolio.build_pool``: real identities of all six
    ecosystems, 10 % of the PyPI/Go/crates.io ones at versions live advisories affect),
    filled up to ``--components`` with invented versions of the same packages
    (``<version>-b1``, ``-b2`` … as bench_sbom_import.py does; every package is then in
    two or three versions), in a dependency tree. ``--invent names`` fills up with
    invented packages instead (``<name>-b1`` …, unknown to the knowledge base): one
    version per package, and only the real identities can match.
    Each run writes it to a new project through the normal update path (``enqueue``,
    ``claim_next``, ``UpdateWorker.process``) and times ``analyse``, split into
    ``match_libraries`` and ``derive_alerts``. The first run meets the libraries new to
    the catalog (it matches them all, in a process whose version caches are cold); the
    later ones meet them known (matched once, kept current by knowledge-base changes),
    as a pipeline re-scanning its project does. The two are reported apart.

``portfolio``: re-analysis of a portfolio after knowledge-base changes (target ≤ 60 s
    for 1,000,000 library rows). A ``--projects`` x ``--libraries`` portfolio is loaded
    (``portfolio.load``; skipped when the store given already holds projects), then the
    three OSV exports are imported into the empty knowledge base (every package changed)
    and the advisory writing is timed apart from the re-analysis (``refresh``: re-match,
    then alerts). Then the daily case: ``--changed`` advisories about packages the
    portfolio holds are imported again with a newer ``modified`` time.

Usage::

    .venv/bin/python bench/bench_matching.py [--benchmark inventory|portfolio|both]
        [--backend sqlite|postgresql|both] [--runs 3] [--components 10000]
        [--invent versions|names] [--projects 2000] [--libraries 500] [--changed 50]
        [--quick] [--keep]
        [--postgres ADMIN_URL | --database-url URL | --data-dir DIR]

Without ``--database-url``/``--data-dir`` every benchmark gets a scratch store: SQLite
in a temporary folder, PostgreSQL a database created on ``--postgres`` and dropped after.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from unittest import mock

import orjson
from packageurl import PackageURL
from portfolio import SharedDataMissing, build_pool, catalog, load, shared_data, tree
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import depvault.ingest.knowledge.osv as osv_import
import depvault.jobs.updates as updates
from depvault.admin import create_organization
from depvault.analysis.refresh import RefreshStats, refresh
from depvault.config import Config
from depvault.domain.access import Level
from depvault.domain.inventory import Component, Inventory
from depvault.domain.policies import normalize_policy
from depvault.domain.scope import Caller
from depvault.domain.timefmt import utcnow
from depvault.ingest.knowledge.osv import ImportStats, import_osv, read_osv_documents
from depvault.ingest.licensing import license_facts
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.inventories.hierarchy import create_product, create_project
from depvault.store.inventories.writes import UpdateType
from depvault.store.models import (
    Advisory,
    AdvisoryPackage,
    Alert,
    Library,
    Organization,
    OrgMember,
    Project,
    ProjectLibrary,
    UpdateItem,
    User,
)
from depvault.store.organizations.scopes import resolve_token
from depvault.store.policies.rules import add_policy

P = ParamSpec("P")
R = TypeVar("R")

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OSV_ZIPS = ("PyPI-all.zip", "Go-all.zip", "crates.io-all.zip")
POOL_LIBRARIES = 2500  # libraries per project the pool is sized for: about 4,300 identities
DIRECTS = 40
MAX_DEPTH = 8
QUICK_PROJECTS = 200  # --quick: 100,000 library rows


# --- timing ------------------------------------------------------------------------------


@dataclass
class Stopwatch:
    """Seconds spent in, and the last result of, the functions it wraps."""

    seconds: dict[str, float] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)

    def wrap(self, label: str, function: Callable[P, R]) -> Callable[P, R]:
        """``function``, timed under ``label`` (calls add up)."""

        @functools.wraps(function)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.seconds[label] = self.seconds.get(label, 0.0) + elapsed
            self.results[label] = result
            return result

        return timed


@dataclass
class RefreshTiming:
    """The re-analysis that ``import_osv`` ran: when it started, when its last re-match
    step ended, when it finished, and what it did."""

    started: float = 0.0
    matched: float = 0.0
    finished: float = 0.0
    stats: RefreshStats = field(default_factory=RefreshStats)

    @property
    def match_seconds(self) -> float:
        """Re-matching libraries and marking their projects due."""
        return max(0.0, self.matched - self.started)

    @property
    def alerts_seconds(self) -> float:
        """Deriving the alerts of the projects marked due."""
        return self.finished - max(self.started, self.matched)

    @property
    def seconds(self) -> float:
        """The whole re-analysis."""
        return self.finished - self.started


@dataclass(frozen=True)
class TimedImport:
    """An OSV import: its statistics, the total time and its re-analysis."""

    stats: ImportStats
    seconds: float
    refresh: RefreshTiming

    @property
    def write_seconds(self) -> float:
        """Reading, parsing and writing advisories (everything but the re-analysis)."""
        return self.seconds - self.refresh.seconds


def timed_import(database: Database, paths: Sequence[Path]) -> TimedImport:
    """``import_osv`` of these exports or folders, its re-analysis timed apart."""
    timing = RefreshTiming()

    def timed(database: Database, progress: Callable[[str, int], None] | None = None) -> Any:
        timing.started = timing.matched = time.perf_counter()

        def step(stage: str, done: int) -> None:
            if stage == "match":
                timing.matched = time.perf_counter()
            if progress is not None:
                progress(stage, done)

        timing.stats = refresh(database, step)
        timing.finished = time.perf_counter()
        return timing.stats

    started = time.perf_counter()
    with mock.patch.object(osv_import, "refresh", timed):
        stats = import_osv(database, read_osv_documents(paths))
    return TimedImport(stats, time.perf_counter() - started, timing)


# --- stores ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """A migrated store and what to call it."""

    backend: str  # "SQLite" or "PostgreSQL"
    database: Database
    where: str


def _label(database: Database) -> str:
    return "PostgreSQL" if database.dialect == "postgresql" else "SQLite"


@contextmanager
def open_store(args: argparse.Namespace, backend: str, purpose: str) -> Iterator[Store]:
    """The store given on the command line, or a scratch one of ``backend`` (removed
    afterwards unless ``--keep``)."""
    with ExitStack() as cleanup:
        if args.database_url or args.data_dir:
            config = (
                Config.from_env(database_url=args.database_url)
                if args.database_url
                else Config.from_env(data_dir=Path(args.data_dir), database_url="")
            )
        elif backend == "sqlite":
            folder = tempfile.mkdtemp(prefix=f"bench_matching_{purpose}_")
            if not args.keep:
                cleanup.callback(shutil.rmtree, folder, True)
            config = Config.from_env(data_dir=Path(folder), database_url="")
        else:
            name = f"bench_matching_{purpose}_{os.getpid()}"
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            cleanup.callback(admin.dispose)
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            if not args.keep:
                cleanup.callback(_drop, admin, name)
            url = make_url(args.postgres).set(database=name)
            config = Config.from_env(database_url=url.render_as_string(hide_password=False))
        database = create_database(config)
        cleanup.callback(database.dispose)
        upgrade(database)
        where = make_url(config.effective_database_url).render_as_string(hide_password=True)
        yield Store(_label(database), database, where)


def _drop(admin: Any, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _file_size(store: Store) -> str:
    with store.database.transaction(write=False) as db:
        if store.backend == "PostgreSQL":
            size = db.scalar(text("select pg_database_size(current_database())"))
        else:
            pages = db.scalar(text("pragma page_count")) or 0
            size = pages * (db.scalar(text("pragma page_size")) or 0)
    return f"{(size or 0) / 1e6:,.0f} MB"


def osv_paths() -> list[Path]:
    """The three OSV exports of the shared data."""
    return [shared_data() / "osv" / name for name in OSV_ZIPS]


# --- benchmark 1: one large inventory ------------------------------------------------------


@dataclass(frozen=True)
class BigInventory:
    """The inventory and what it is made of."""

    inventory: Inventory
    real: int  # components at real versions
    real_affected: int  # of those, at versions a live advisory affects (portfolio's oracle)
    by_ecosystem: dict[str, int]


def _invented(component: Component, generation: int, what: str) -> Component:
    """The same package at an invented version (``-b<generation>``), or an invented
    package at the same version (``what`` "names"); without hashes."""
    purl = PackageURL.from_string(component.purl or component.ref)
    if what == "names":
        purl = purl._replace(name=f"{purl.name}-b{generation}")
        name = f"{component.name}-b{generation}"
    else:
        purl = purl._replace(version=f"{purl.version}-b{generation}")
        name = component.name
    text_purl = purl.to_string()
    return replace(
        component, ref=text_purl, purl=text_purl, name=name, version=purl.version, hashes=()
    )


def big_inventory(components: int, seed: int, invent: str = "versions") -> BigInventory:
    """``components`` libraries: the real identities of a portfolio pool first, then
    invented versions of them (or invented packages, ``invent`` "names"), in a tree
    ``DIRECTS`` wide and up to ``MAX_DEPTH`` deep."""
    rng = random.Random(seed)
    pool = build_pool(catalog(shared_data()), POOL_LIBRARIES, 0.1, rng)
    identities = [identity for sub_pool in pool.values() for identity in sub_pool.identities]
    rng.shuffle(identities)
    chosen = [identity.component for identity in identities[:components]]
    ecosystems = [identity.ecosystem for identity in identities[:components]]
    real = len(chosen)
    affected = sum(1 for identity in identities[:components] if identity.vulnerable)
    generation = 1
    while len(chosen) < components:
        for identity in identities:
            if len(chosen) == components:
                break
            chosen.append(_invented(identity.component, generation, invent))
            ecosystems.append(identity.ecosystem)
        generation += 1
    refs = [component.ref for component in chosen]
    direct, edges = tree(refs, DIRECTS, MAX_DEPTH, rng)
    inventory = Inventory(
        tuple(chosen),
        tuple(direct),
        tuple(edges),
        source_format="portfolio",
        tool="bench/bench_matching.py",
    )
    return BigInventory(inventory, real, affected, dict(Counter(ecosystems)))


@dataclass(frozen=True)
class AnalysisRun:
    """One analysis of the inventory in a new project."""

    write: float  # UpdateWorker.process without analyse: the inventory write
    analyse: float  # jobs.updates.analyse, its transaction included
    match: float  # match_libraries within it
    alerts: float  # derive_alerts within it
    new_libraries: int  # libraries never matched before: what the analysis matched
    matches: int  # (library, advisory) matches among them
    opened: int
    alert_types: dict[str, int]


# --policies: an organization's policy set as an AppSec team writes one. The approval
# comes first and matches nothing here, so every library is judged by every policy.
BENCH_POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "in-house code",
        "filter": {"type": "GAV_REGEX", "groupId": r"com\.example\..*"},
        "action": {"type": "APPROVE"},
    },
    {
        "name": "strong copyleft",
        "filter": {
            "type": "LICENSE",
            "licenses": [
                {"name": name}
                for name in (
                    "GPL-2.0-only",
                    "GPL-2.0-or-later",
                    "GPL-3.0-only",
                    "GPL-3.0-or-later",
                    "AGPL-3.0-only",
                    "AGPL-3.0-or-later",
                    "SSPL-1.0",
                )
            ],
        },
        "action": {"type": "REJECT"},
    },
    {
        "name": "high severity",
        "filter": {"type": "VULNERABILITY_SEVERITY", "vulnerabilitySeverity": "HIGH"},
        "action": {"type": "REJECT"},
    },
    {
        "name": "critical score",
        "filter": {"type": "VULNERABILITY_SCORE", "minScore": 9.0},
        "action": {"type": "CREATE_ISSUE"},
    },
    {
        "name": "snapshots",
        "filter": {"type": "GAV_REGEX", "version": r".*-(SNAPSHOT|b\d+)"},
        "action": {"type": "REJECT"},
    },
)


def add_policies(database: Database, org_token: str | None = None) -> int:
    """Give the organization (the store's first when no token) the benchmark's policy
    set, through the store as ``addOrganizationPolicy`` does; returns how many projects
    that marked for re-derivation."""
    with database.transaction() as db:
        if org_token is None:
            org_token = db.scalar(select(Organization.token).order_by(Organization.id))
        scope = resolve_token(db, Level.ORG, str(org_token))
        assert scope is not None and scope.org is not None
        user = db.execute(
            select(User.id, User.email, User.name)
            .join(OrgMember, OrgMember.user_id == User.id)
            .where(OrgMember.org_id == scope.org.id)
            .order_by(User.id)
        ).first()
        assert user is not None, "the organization has no member to own its policies"
        caller = Caller(user.id, user.email, user.name, False, False)
        for policy in BENCH_POLICIES:
            add_policy(db, scope, normalize_policy(policy), caller, utcnow())
        due = db.scalar(
            select(func.count()).select_from(Project).where(Project.analysis_due.is_(True))
        )
    return int(due or 0)


def _new_project(database: Database, org_token: str, name: str) -> tuple[int, int]:
    now = utcnow()
    with database.transaction() as db:
        scope = resolve_token(db, Level.ORG, org_token)
        assert scope is not None and scope.org is not None
        product = create_product(db, scope.org.id, name, now)
        project = create_project(db, scope.org.id, product.id, name, now)
    return scope.org.id, project.id


def analyse_once(database: Database, org_token: str, inventory: Inventory, run: int) -> AnalysisRun:
    """Queue the inventory for a new project, then write and analyse it as a worker does."""
    org_id, project_id = _new_project(database, org_token, f"monorepo-{run}")
    with database.transaction() as db:
        updates.enqueue(
            db,
            org_id=org_id,
            channel="SBOM",
            update_type=UpdateType.OVERRIDE,
            updates=[updates.ProjectUpdate(project_id, inventory)],
            user_email=None,
        )
    item_id = updates.claim_next(database)
    assert item_id is not None
    watch = Stopwatch()
    started = time.perf_counter()
    with ExitStack() as patches:
        for name in ("analyse", "unmatched_libraries", "match_libraries", "derive_alerts"):
            patches.enter_context(
                mock.patch.object(updates, name, watch.wrap(name, getattr(updates, name)))
            )
        updates.UpdateWorker(database, license_facts).process(item_id)
    total = time.perf_counter() - started
    with database.transaction(write=False) as db:
        state = db.scalar(select(UpdateItem.state).where(UpdateItem.id == item_id))
        types = dict(
            db.execute(
                select(Alert.type, func.count())
                .where(Alert.project_id == project_id)
                .group_by(Alert.type)
            ).all()
        )
    assert state == "FINISHED", state
    return AnalysisRun(
        write=total - watch.seconds["analyse"],
        analyse=watch.seconds["analyse"],
        match=watch.seconds["match_libraries"],
        alerts=watch.seconds["derive_alerts"],
        new_libraries=len(watch.results["unmatched_libraries"]),
        matches=watch.results["match_libraries"].matches,
        opened=watch.results["derive_alerts"].opened,
        alert_types={str(k): int(v) for k, v in sorted(types.items())},
    )


def bench_inventory(store: Store, args: argparse.Namespace, big: BigInventory) -> list[str]:
    """Benchmark 1 on one store; returns the summary rows."""
    print(f"\n== {store.backend}: analysis of a {args.components:,}-component inventory")
    print(f"store          {store.where}")
    kb = timed_import(store.database, osv_paths())
    print(
        f"knowledge base {kb.stats.new:,} advisories imported in {kb.seconds:.1f} s "
        f"(re-analysis {kb.refresh.seconds:.2f} s)"
    )
    site = create_organization(store.database, f"Bench matching {os.getpid()}")
    if args.policies:
        add_policies(store.database, site.org_token)
        print(f"policies       {len(BENCH_POLICIES)} organization policies")
    runs = []
    for run in range(args.runs):
        result = analyse_once(store.database, site.org_token, big.inventory, run + 1)
        runs.append(result)
        print(
            f"run {run + 1}: analyse {result.analyse:.2f} s (match {result.match:.2f} s, "
            f"alerts {result.alerts:.2f} s); inventory write {result.write:.2f} s "
            f"({result.new_libraries:,} libraries new to the catalog, {result.matches:,} "
            f"matches among them); {result.opened:,} alerts opened {result.alert_types}"
        )
    first, known = runs[0], runs[1:] or runs
    median = functools.partial(_median, known)
    policies = f", {len(BENCH_POLICIES)} policies" if args.policies else ""
    figures = (
        f"| {store.backend} | invented {args.invent}{policies} | **{first.analyse:.2f} s**"
        f" (match {first.match:.2f} s, alerts {first.alerts:.2f} s) |"
        f" {_join(r.analyse for r in known)} | **{median('analyse'):.2f} s** |"
        f" {median('alerts'):.2f} s | {first.matches:,} | {first.opened:,} |"
        f" {first.write:.2f} s / {median('write'):.2f} s |"
    )
    return [figures]


def _median(runs: Sequence[AnalysisRun], name: str) -> float:
    return float(statistics.median(getattr(run, name) for run in runs))


def _join(values: Iterable[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


# --- benchmark 2: a portfolio after knowledge-base changes --------------------------------


def _projects(database: Database) -> tuple[int, int]:
    with database.transaction(write=False) as db:
        projects = db.scalar(select(func.count()).select_from(Project)) or 0
        rows = db.scalar(select(func.count()).select_from(ProjectLibrary)) or 0
    return projects, rows


def _advisories(database: Database) -> int:
    with database.transaction(write=False) as db:
        return db.scalar(select(func.count()).select_from(Advisory)) or 0


def changed_advisories(database: Database, count: int, folder: Path, seed: int) -> int:
    """Write ``count`` live advisories that name a package the store's libraries are
    versions of into ``folder``, with ``modified`` set to now; returns how many."""
    with database.transaction(write=False) as db:
        keys = sorted(
            db.scalars(
                select(Advisory.key)
                .join(AdvisoryPackage, AdvisoryPackage.advisory_id == Advisory.id)
                .join(
                    Library,
                    (Library.osv_ecosystem == AdvisoryPackage.ecosystem)
                    & (Library.osv_name == AdvisoryPackage.name),
                )
                .where(Advisory.withdrawn.is_(None))
                .distinct()
            )
        )
    wanted = set(random.Random(seed).sample(keys, min(count, len(keys))))
    modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    written = 0
    for _source, raw in read_osv_documents(osv_paths()):
        document = orjson.loads(raw)
        if document.get("id") in wanted:
            document["modified"] = modified
            (folder / f"{document['id']}.json").write_bytes(orjson.dumps(document))
            written += 1
    return written


def _alerts(database: Database) -> dict[str, int]:
    """Stored alerts by type."""
    with database.transaction(write=False) as db:
        rows = db.execute(select(Alert.type, func.count()).group_by(Alert.type)).all()
    return {str(kind): int(count) for kind, count in sorted(rows)}


def bench_portfolio(store: Store, args: argparse.Namespace) -> list[str]:
    """Benchmark 2 on one store; returns the summary rows."""
    print(
        f"\n== {store.backend}: re-analysis of a {args.projects:,} x {args.libraries} "
        "portfolio after knowledge-base changes"
    )
    print(f"store          {store.where}")
    advisories = _advisories(store.database)
    if advisories:
        raise ValueError(f"the store already holds {advisories:,} advisories: need an empty one")
    projects, rows = _projects(store.database)
    if projects:
        print(f"portfolio      {projects:,} projects, {rows:,} library rows already loaded")
    else:
        loaded = load(
            store.database,
            f"Portfolio {args.projects}x{args.libraries} seed {args.seed}",
            args.products,
            args.projects,
            args.libraries,
            args.seed,
        )
        projects, rows = loaded.projects, loaded.project_libraries
        print(
            f"portfolio      {projects:,} projects, {rows:,} library rows, "
            f"{loaded.libraries:,} catalog libraries loaded in {loaded.seconds:.1f} s"
        )
    print(f"store size     {_file_size(store)}")
    table = []
    first = timed_import(store.database, osv_paths())
    table.append(
        _portfolio_row(store, f"first import (all {first.stats.new:,} advisories new)", first)
    )
    _print_import("first import", first, _alerts(store.database))
    with tempfile.TemporaryDirectory() as folder:
        written = changed_advisories(store.database, args.changed, Path(folder), args.seed)
        daily = timed_import(store.database, [Path(folder)])
    table.append(_portfolio_row(store, f"{written} advisories modified", daily))
    _print_import(f"{written} modified", daily, _alerts(store.database))
    if args.policies:
        table.append(_policy_change(store))
    return table


def _policy_change(store: Store) -> str:
    """The organization gets its policy set: every project is derived again."""
    started = time.perf_counter()
    due = add_policies(store.database)
    added = time.perf_counter() - started
    started = time.perf_counter()
    stats = refresh(store.database)
    seconds = time.perf_counter() - started
    alerts = _alerts(store.database)
    print(
        f"policy change  {len(BENCH_POLICIES)} policies added in {added:.2f} s, {due:,} "
        f"projects due; re-derivation {seconds:.1f} s: {stats.projects:,} projects, "
        f"{stats.alerts_opened:,} opened; alerts stored {alerts}"
    )
    return (
        f"| {store.backend} | {len(BENCH_POLICIES)} organization policies added | "
        f"{added:.2f} s | - | {seconds:.1f} s | **{seconds:.1f} s** | - | - |"
        f" {stats.projects:,} | {stats.alerts_opened:,} |"
    )


def _print_import(label: str, timed: TimedImport, alerts: dict[str, int]) -> None:
    s, r = timed.stats, timed.refresh
    print(
        f"{label:14} {timed.seconds:.1f} s: advisories {timed.write_seconds:.1f} s "
        f"({s.new:,} new, {s.updated:,} updated), re-analysis {r.seconds:.1f} s "
        f"(re-match {r.match_seconds:.1f} s: {r.stats.libraries:,} libraries, "
        f"{r.stats.matches:,} matches; alerts {r.alerts_seconds:.1f} s: "
        f"{r.stats.projects:,} projects, {r.stats.alerts_opened:,} opened, "
        f"{r.stats.alerts_resolved:,} resolved; {sum(alerts.values()):,} alerts stored: "
        f"{alerts})"
    )


def _portfolio_row(store: Store, label: str, timed: TimedImport) -> str:
    r = timed.refresh
    return (
        f"| {store.backend} | {label} | {timed.write_seconds:.1f} s | {r.match_seconds:.1f} s"
        f" | {r.alerts_seconds:.1f} s | **{r.seconds:.1f} s** | {r.stats.libraries:,} |"
        f" {r.stats.matches:,} | {r.stats.projects:,} | {r.stats.alerts_opened:,} |"
    )


# --- command line ---------------------------------------------------------------------------


def _backends(args: argparse.Namespace) -> list[str]:
    if args.database_url:
        return ["postgresql" if args.database_url.startswith("postgres") else "sqlite"]
    if args.data_dir:
        return ["sqlite"]
    return ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the chosen benchmarks on the chosen backends and print a summary."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--benchmark", choices=("inventory", "portfolio", "both"), default="both")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3, help="analyses of the inventory")
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument(
        "--invent",
        choices=("versions", "names"),
        default="versions",
        help="fill the inventory up with invented versions or invented packages",
    )
    parser.add_argument("--projects", type=int, help="default 2000, --quick 200")
    parser.add_argument("--libraries", type=int, default=500, help="libraries per project")
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--changed", type=int, default=50, help="advisories modified")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--policies",
        action="store_true",
        help="inventory: analyse under an organization policy set; portfolio: then add one",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a 200-project portfolio (100,000 rows)"
    )
    parser.add_argument("--keep", action="store_true", help="keep scratch stores")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", default=POSTGRES, help="server for scratch databases")
    where.add_argument("--database-url", help="use this store (one benchmark)")
    where.add_argument("--data-dir", help="use SQLite in this folder (one benchmark)")
    args = parser.parse_args(argv)
    if args.projects is None:
        args.projects = QUICK_PROJECTS if args.quick else 2000
    benchmarks = ["inventory", "portfolio"] if args.benchmark == "both" else [args.benchmark]
    if (args.database_url or args.data_dir) and len(benchmarks) > 1:
        parser.error("a given store takes one benchmark: pass --benchmark")
    try:
        shared_data()
    except SharedDataMissing as exc:
        parser.exit(2, f"bench_matching: {exc}\n")
    summary: dict[str, list[str]] = {name: [] for name in benchmarks}
    if "inventory" in benchmarks:
        big = big_inventory(args.components, args.seed, args.invent)
        print(
            f"inventory: {len(big.inventory.components):,} components "
            f"({big.real:,} real identities, {big.real_affected} of them at affected "
            f"versions; the rest invented {args.invent}), "
            f"{len(big.inventory.edges):,} edges; by ecosystem {big.by_ecosystem}"
        )
        for backend in _backends(args):
            with open_store(args, backend, "inventory") as store:
                summary["inventory"] += bench_inventory(store, args, big)
    if "portfolio" in benchmarks:
        for backend in _backends(args):
            with open_store(args, backend, "portfolio") as store:
                summary["portfolio"] += bench_portfolio(store, args)
    print()
    if summary.get("inventory"):
        print(f"Analysis of a {args.components:,}-component inventory, {args.runs} runs:\n")
        print(
            "| backend | filled up with | first run: libraries new | later runs: libraries"
            " known (s) | median | alerts | matches | alerts opened | inventory write"
            " (first / later) |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        print("\n".join(summary["inventory"]))
        print()
    if summary.get("portfolio"):
        print(
            f"Re-analysis of {args.projects:,} x {args.libraries} = "
            f"{args.projects * args.libraries:,} library rows, one run:\n"
        )
        print(
            "| backend | knowledge change | advisories | re-match | alerts | re-analysis |"
            " libraries | matches | projects | alerts opened |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(summary["portfolio"]))


if __name__ == "__main__":
    main()

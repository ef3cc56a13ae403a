"""Loading a generated portfolio into a depvault store through the inventory write path."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from depvault.admin import create_organization, issue_user_key
from depvault.domain.access import Level
from depvault.domain.timefmt import utcnow
from depvault.ingest.licensing import license_facts
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import create_product, create_project
from depvault.store.inventories.writes import UpdateType, write_inventory
from depvault.store.organizations.scopes import resolve_token
from portfolio.trees import AREAS, generate


@dataclass(frozen=True)
class LoadedPortfolio:
    """What :func:`load` created, and how long it took."""

    org_token: str
    admin_email: str
    user_key: str
    product_tokens: tuple[str, ...]
    projects: int
    project_libraries: int
    edges: int
    libraries: int  # catalog rows the load added
    generate_seconds: float
    write_seconds: float

    @property
    def seconds(self) -> float:
        """Generation and writing together."""
        return self.generate_seconds + self.write_seconds


def _products(database: Database, org_token: str, count: int) -> tuple[int, list[int], list[str]]:
    now = utcnow()
    with database.transaction() as db:
        scope = resolve_token(db, Level.ORG, org_token)
        assert scope is not None and scope.org is not None
        refs = [
            create_product(db, scope.org.id, f"{AREAS[i % len(AREAS)]} {i + 1:03d}", now)
            for i in range(count)
        ]
    return scope.org.id, [r.id for r in refs], [r.token for r in refs]


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
    )


def load(
    database: Database,
    org_name: str,
    products: int,
    projects: int,
    libraries_per_project: int,
    seed: int,
    *,
    vulnerable_fraction: float = 0.1,
    show_progress: bool = True,
) -> LoadedPortfolio:
    """A new organization holding a generated portfolio: ``products`` products, and
    ``projects`` projects spread over them, each created and given its inventory in one
    transaction (``write_inventory`` directly: no update queue, no analysis step)."""
    if products < 1:
        raise ValueError("a portfolio needs at least one product")
    inventories = generate(projects, libraries_per_project, seed, vulnerable_fraction)
    organization = create_organization(database, org_name)
    user_key = organization.user_key or issue_user_key(
        database, organization.admin_email, organization.org_token
    )
    org_id, product_ids, product_tokens = _products(database, organization.org_token, products)
    rows = edges = libraries = 0
    generating = writing = 0.0
    with _progress(show_progress) as bar:
        task = bar.add_task("loading projects", total=projects, rate="")
        for index in range(projects):
            started = time.perf_counter()
            name, inventory = next(inventories)
            generated = time.perf_counter()
            now = utcnow()
            with database.transaction() as db:
                ref = create_project(db, org_id, product_ids[index % products], name, now)
                result = write_inventory(
                    db, ref.id, inventory, UpdateType.OVERRIDE, license_facts, now
                )
            generating += generated - started
            writing += time.perf_counter() - generated
            rows, edges = rows + result.libraries, edges + result.edges
            libraries += result.new_libraries
            bar.update(task, advance=1, rate=f"{rows / (generating + writing):,.0f} rows/s")
    return LoadedPortfolio(
        organization.org_token,
        organization.admin_email,
        user_key,
        tuple(product_tokens),
        projects,
        rows,
        edges,
        libraries,
        generating,
        writing,
    )

"""Load a realistic portfolio into a store, or write one project as an SBOM.

Usage::

    .venv/bin/python bench/make_portfolio.py --projects 200 --libraries 500 [--products 20]
        [--seed 1] [--vulnerable-fraction 0.1] [--database-url URL | --data-dir DIR]
    .venv/bin/python bench/make_portfolio.py --sbom-out FILE --libraries 3000 [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import orjson
from portfolio.cyclonedx import cyclonedx_document
from portfolio.identities import SharedDataMissing, shared_data
from portfolio.loading import load
from portfolio.trees import generate
from rich.console import Console

from depvault.config import Config
from depvault.errors import DepvaultError
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade


def _config(args: argparse.Namespace) -> Config:
    if args.database_url:
        return Config.from_env(database_url=args.database_url)
    if args.data_dir:
        return Config.from_env(data_dir=Path(args.data_dir), database_url="")
    return Config.from_env()


def _write_sbom(args: argparse.Namespace, console: Console) -> None:
    started = time.perf_counter()
    name, inventory = next(generate(1, args.libraries, args.seed, args.vulnerable_fraction))
    data = orjson.dumps(cyclonedx_document(name, inventory))
    Path(args.sbom_out).write_bytes(data)
    console.print(
        f"{args.sbom_out}: project {name}, {len(inventory.components)} components, "
        f"{len(inventory.edges)} edges, {len(data) / 1e6:.1f} MB, "
        f"{time.perf_counter() - started:.1f} s"
    )


def _load(args: argparse.Namespace, console: Console) -> None:
    config = _config(args)
    database = create_database(config)
    upgrade(database)
    org_name = args.org_name or f"Portfolio {args.projects}x{args.libraries} seed {args.seed}"
    try:
        loaded = load(
            database,
            org_name,
            args.products,
            args.projects,
            args.libraries,
            args.seed,
            vulnerable_fraction=args.vulnerable_fraction,
        )
    finally:
        database.dispose()
    rate = loaded.project_libraries / loaded.seconds if loaded.seconds else 0.0
    console.print(f"database       {config.effective_database_url}")
    console.print(f"organization   {org_name}  orgToken {loaded.org_token}")
    console.print(f"admin          {loaded.admin_email}  userKey {loaded.user_key}")
    console.print(
        f"loaded         {len(loaded.product_tokens)} products, {loaded.projects} "
        f"projects, {loaded.project_libraries:,} project-library rows, "
        f"{loaded.edges:,} edges, {loaded.libraries:,} new libraries"
    )
    console.print(
        f"time           {loaded.seconds:.1f} s ({loaded.generate_seconds:.1f} s "
        f"generating, {loaded.write_seconds:.1f} s writing), {rate:,.0f} rows/s"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Load a portfolio into the configured store, or write one project as an SBOM."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--libraries", type=int, default=500, help="libraries per project")
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vulnerable-fraction", type=float, default=0.1)
    parser.add_argument("--org-name", help="default: 'Portfolio <projects>x<libraries> ...'")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="default: DEPVAULT_DATABASE_URL")
    where.add_argument("--data-dir", help="SQLite in this folder (default: DEPVAULT_DATA_DIR)")
    parser.add_argument("--sbom-out", help="write one project as CycloneDX 1.4 JSON instead")
    args = parser.parse_args(argv)
    console = Console(soft_wrap=True)
    try:
        shared_data()  # before a store is created or migrated for nothing
        if args.sbom_out:
            _write_sbom(args, console)
        else:
            _load(args, console)
    except (SharedDataMissing, ValueError, DepvaultError) as exc:
        parser.exit(2, f"portfolio: {exc}\n")


if __name__ == "__main__":
    main()

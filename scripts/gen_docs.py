"""Regenerate the generated documents in ``docs/`` (``make docs``).

    .venv/bin/python scripts/gen_docs.py            # write the stale documents
    .venv/bin/python scripts/gen_docs.py --check    # exit 1 naming each stale document
    .venv/bin/python scripts/gen_docs.py --summary  # print the coverage per category

    .venv/bin/python scripts/gen_docs.py --merge-examples DIR   # examples recorded by
                                                # DEPVAULT_RECORD_EXAMPLES=DIR pytest …

The documents are ``docs/api-coverage.md``, ``docs/configuration.md`` and the API
reference in ``docs/api/`` (from the request table and ``src/depvault/api_examples.json``).

The rendering lives in :mod:`depvault.docs_gen`; this is only the command line. The API
coverage needs the request catalog (``../shared/spec/api-catalog.json`` beside the
repository, or ``$DEPVAULT_CATALOG_PATH``); without it only ``docs/configuration.md`` is
written or checked and the command exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from depvault.api.registry import build_registry
from depvault.api_reference import EXAMPLES_FILE, merge_examples
from depvault.docs_gen import (
    API_COVERAGE_DOC,
    CATALOG_ENV,
    CONFIGURATION_DOC,
    REGENERATE,
    catalog_path,
    coverage_lines,
    load_catalog,
    render_api_coverage,
    render_api_reference,
    render_configuration,
    stale_docs,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Run the command; the exit status is 0, 1 (a stale document with ``--check``) or 2
    (no catalog)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a document is stale"
    )
    parser.add_argument(
        "--summary", action="store_true", help="print the coverage per category and exit"
    )
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    parser.add_argument(
        "--merge-examples",
        type=Path,
        metavar="DIR",
        help="write the API examples recorded in DIR (DEPVAULT_RECORD_EXAMPLES) first",
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.merge_examples is not None:
        count = merge_examples(sorted(args.merge_examples.glob("*.jsonl")), EXAMPLES_FILE)
        print(f"gen_docs: {count} request types have an example in {EXAMPLES_FILE}")

    registry = build_registry()
    docs = {CONFIGURATION_DOC: render_configuration(), **render_api_reference(registry)}
    path = catalog_path(root)
    try:
        catalog = load_catalog(path)
    except FileNotFoundError:
        # The configuration document needs no catalog: still write or check it.
        print(
            f"gen_docs: no request catalog at {path} (set {CATALOG_ENV}); "
            f"{API_COVERAGE_DOC} not generated",
            file=sys.stderr,
        )
        catalog = None
    if args.summary:
        if catalog is None:
            return 2
        print("\n".join(coverage_lines(catalog, registry)))
        return 0
    if catalog is not None:
        docs[API_COVERAGE_DOC] = render_api_coverage(catalog, registry)
    missing_catalog = 2 if catalog is None else 0

    stale = stale_docs(root, docs)
    if args.check:
        for relative in stale:
            print(
                f"gen_docs: {relative} is stale; regenerate it with `{REGENERATE}`", file=sys.stderr
            )
        return 1 if stale else missing_catalog
    for relative in stale:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(docs[relative], encoding="utf-8", newline="\n")
        print(f"gen_docs: wrote {relative}")
    if not stale:
        print("gen_docs: docs are up to date")
    return missing_catalog


if __name__ == "__main__":
    sys.exit(main())

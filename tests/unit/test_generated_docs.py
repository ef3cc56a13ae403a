"""The generated documents in ``docs/`` match what the generator produces now."""

from __future__ import annotations

from pathlib import Path

import pytest

from depvault.api.registry import build_registry
from depvault.docs_gen import (
    API_COVERAGE_DOC,
    CATALOG_ENV,
    CONFIGURATION_DOC,
    REGENERATE,
    catalog_path,
    load_catalog,
    render_api_coverage,
    render_configuration,
    stale_docs,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _assert_fresh(relative: Path, expected: str) -> None:
    stale = stale_docs(REPO_ROOT, {relative: expected})
    assert not stale, (
        f"{relative} is stale: regenerate it with `{REGENERATE}` "
        "(.venv/bin/python scripts/gen_docs.py) and commit the result"
    )


def test_configuration_doc_is_current():
    _assert_fresh(CONFIGURATION_DOC, render_configuration())


def test_api_coverage_doc_is_current():
    path = catalog_path(REPO_ROOT)
    if not path.is_file():
        pytest.skip(
            f"request catalog not found at {path}: clone shared/ beside the repository "
            f"or set {CATALOG_ENV}"
        )
    _assert_fresh(API_COVERAGE_DOC, render_api_coverage(load_catalog(path), build_registry()))


def test_configuration_doc_names_every_setting():
    text = render_configuration([("DEPVAULT_X", "", "the | doc")])
    assert "| `DEPVAULT_X` | *(empty)* | the \\| doc |" in text

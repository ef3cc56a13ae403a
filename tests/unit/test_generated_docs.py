"""The generated documents in ``docs/`` match what the generator produces now."""

from __future__ import annotations

from pathlib import Path

import pytest

from depvault.api.registry import build_registry
from depvault.api_reference import EXAMPLES_FILE, all_names, load_examples, reference_blocks
from depvault.docs_gen import (
    API_COVERAGE_DOC,
    API_REFERENCE_DIR,
    CATALOG_ENV,
    CONFIGURATION_DOC,
    REGENERATE,
    catalog_path,
    load_catalog,
    render_api_coverage,
    render_api_reference,
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


def test_api_reference_is_current():
    expected = render_api_reference(build_registry())
    for relative, text in expected.items():
        _assert_fresh(relative, text)
    written = {p.relative_to(REPO_ROOT) for p in (REPO_ROOT / API_REFERENCE_DIR).glob("*.md")}
    assert written == set(expected), f"stray pages in {API_REFERENCE_DIR}: regenerate"


def test_api_reference_documents_every_request_type_with_its_parameters():
    registry = build_registry()
    pages = reference_blocks(registry, load_examples(EXAMPLES_FILE))
    assert sorted(all_names(pages)) == registry.names()
    files = sorted((REPO_ROOT / API_REFERENCE_DIR).glob("*.md"))
    text = "\n".join(page.read_text() for page in files)
    create = text.split("## createProduct", 1)[1].split("\n## ", 1)[0]
    assert "| `productName` | string | yes |  | ≥ 1 chars; ≤ 255 chars |" in create
    assert "| `description` | string | no |" in create
    schema = text.split("## getRequestSchema", 1)[1].split("\n## ", 1)[0]
    assert "| `request` | string | yes |" in schema
    assert '"requestType": "getRequestSchema"' in schema  # a captured example


def test_examples_come_from_real_runs_for_most_request_types():
    examples = load_examples(EXAMPLES_FILE)
    registry = build_registry()
    supported = [rt.name for rt in registry if rt.supported]
    covered = [name for name in supported if name in examples.requests]
    # 129 of 176 when recorded: the rest are reached by tests that post bodies directly
    assert len(covered) >= 0.7 * len(supported), sorted(set(supported) - set(covered))
    for name, exchange in examples.requests.items():
        assert exchange["request"]["requestType"] == name
        assert registry.get(name) is not None, f"{name} is no longer registered: re-record"

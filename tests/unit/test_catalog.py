"""The request table held against the request catalog (``shared/spec/api-catalog.json``).

Every Mend request type depvault registers must be the catalog's: same name, scope and
category, and it must accept every parameter the catalog calls required. Run with ``-s``
to see the coverage per category.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from depvault.api.call import Call
from depvault.api.registry import Registry, build_registry
from depvault.api.request_types import ApiVersion, NoParams, RequestType
from depvault.docs_gen import CATALOG_ENV, CatalogEntry, catalog_path, coverage_lines, load_catalog
from depvault.domain.access import Level
from depvault.domain.scope import Caller, Scope

REPO_ROOT = Path(__file__).resolve().parents[2]
ENVELOPE = frozenset({"requestType", "userKey"})

# (request type, catalog parameter) → why depvault accepts the call without it.
EXPECTED_DIFFERENCES: dict[tuple[str, str], str] = {
    ("deleteProduct", "orgToken"): (
        "an ancestor scope token: the edge checks it belongs to the product when sent "
        "(dispatch._check_belongs) but does not require it; the productToken alone names "
        "the product"
    ),
    ("deleteProject", "productToken"): (
        "an ancestor scope token: the edge checks it belongs to the project when sent "
        "(dispatch._check_belongs) but does not require it; the projectToken alone names "
        "the project"
    ),
}


@pytest.fixture(scope="module")
def catalog() -> dict[str, CatalogEntry]:
    path = catalog_path(REPO_ROOT)
    if not path.is_file():
        pytest.skip(
            f"request catalog not found at {path}: clone shared/ beside the repository "
            f"or set {CATALOG_ENV}"
        )
    return {entry.request_type: entry for entry in load_catalog(path)}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry()


def _mend_types(registry: Registry) -> list[RequestType[Any]]:
    """Mend's v1.3 request types (the catalog is v1.3's): not depvault's own, and not
    those Mend serves at v1.4 only."""
    return [rt for rt in registry if not rt.extension and ApiVersion.V1_3 in rt.versions]


def _aliases(request_type: RequestType[Any]) -> set[str]:
    return {f.alias or name for name, f in request_type.params.model_fields.items()}


def _checked_required(request_type: RequestType[Any], entry: CatalogEntry) -> list[str]:
    """The catalog's required parameters the params model must accept: not the envelope,
    not the scope token, not the catalog's guesses (``x?``, ``x (unverified)``)."""
    return [
        p
        for p in entry.required
        if p not in ENVELOPE and p != request_type.scope_token and not re.search(r"[?(]", p)
    ]


def _missing_required(
    registry: Registry, catalog: dict[str, CatalogEntry]
) -> dict[tuple[str, str], str]:
    missing = {}
    for rt in _mend_types(registry):
        entry = catalog.get(rt.name)
        if entry is None:
            continue
        accepted = _aliases(rt) | rt.token_params
        for parameter in _checked_required(rt, entry):
            if parameter not in accepted:
                missing[(rt.name, parameter)] = f"{rt.params.__name__} has no field {parameter}"
    return missing


def test_registered_request_types_are_in_the_catalog(registry, catalog):
    strays = [rt.name for rt in _mend_types(registry) if rt.name not in catalog]
    assert not strays, (
        f"registered request types not in the catalog (mark depvault's own with "
        f"extension=True): {strays}"
    )


def test_levels_match_catalog_scopes(registry, catalog):
    mismatches = [
        f"{rt.name}: registered at {rt.level.value!r}, catalog scope {catalog[rt.name].scope!r}"
        for rt in _mend_types(registry)
        if rt.name in catalog and rt.level.value != catalog[rt.name].scope
    ]
    assert not mismatches, "\n".join(mismatches)


def test_categories_match_catalog(registry, catalog):
    mismatches = []
    for rt in _mend_types(registry):
        if rt.name not in catalog:
            continue
        ours = rt.category.value if rt.category else None
        theirs = catalog[rt.name].category
        if ours != theirs:
            mismatches.append(f"{rt.name}: category {ours!r}, catalog {theirs!r}")
    assert not mismatches, "\n".join(mismatches)


def test_catalog_required_parameters_are_accepted(registry, catalog):
    missing = _missing_required(registry, catalog)
    unexpected = {k: v for k, v in missing.items() if k not in EXPECTED_DIFFERENCES}
    assert not unexpected, "catalog-required parameters the request does not accept:\n" + (
        "\n".join(f"{name}.{param}: {why}" for (name, param), why in sorted(unexpected.items()))
    )


def test_expected_differences_are_still_differences(registry, catalog):
    """An entry of EXPECTED_DIFFERENCES that no longer differs must be removed."""
    gone = set(EXPECTED_DIFFERENCES) - set(_missing_required(registry, catalog))
    assert not gone, f"no longer differ, remove from EXPECTED_DIFFERENCES: {sorted(gone)}"


def test_required_fields_are_catalog_parameters(registry, catalog):
    """depvault never demands a parameter the catalog does not know (clients would not
    send it)."""
    problems = []
    for rt in _mend_types(registry):
        entry = catalog.get(rt.name)
        if entry is None:
            continue
        known = {re.split(r"[?( ]", p)[0] for p in (*entry.required, *entry.optional)}
        for name, field in rt.params.model_fields.items():
            alias = field.alias or name
            if field.is_required() and alias not in known:
                problems.append(f"{rt.name}.{alias}")
    assert not problems, f"required parameters the catalog does not list: {problems}"


def test_extensions_are_not_in_the_catalog(registry, catalog):
    clashes = [rt.name for rt in registry if rt.extension and rt.name in catalog]
    assert not clashes, f"extensions named like catalog request types: {clashes}"


def test_coverage_summary(registry, catalog):
    lines = coverage_lines(list(catalog.values()), registry)
    print("\nAPI coverage against the catalog:")
    for line in lines:
        print("  " + line)
    assert lines[-1].startswith("all: ") and f"/{len(catalog)} implemented" in lines[-1]


@pytest.mark.parametrize("version", list(ApiVersion))
def test_supported_requests_lists_the_table(registry, version):
    """``getSupportedRequests`` answers from the same table the server dispatches on."""
    request_type = registry.get("getSupportedRequests")
    assert request_type is not None
    call = Call(
        db=None,  # type: ignore[arg-type]  # the handler reads only the registry
        caller=Caller(1, "admin@example.com", "admin", is_service=False, is_site_admin=False),
        scope=Scope(Level.ORG),
        version=version,
        now=datetime.now(UTC),
        request_type="getSupportedRequests",
        registry=registry,
        config=None,  # type: ignore[arg-type]
        jobs=None,  # type: ignore[arg-type]
    )
    listed = set(request_type.handler(call, NoParams())["supportedRequests"])
    offered = {rt.name for rt in registry if version in rt.versions}
    supported = {rt.name for rt in registry if version in rt.versions and rt.supported}
    # Whether refused (supported=False) request types are listed is the handler's choice.
    assert supported <= listed <= offered

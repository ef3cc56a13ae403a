"""The portfolio generator of ``bench/portfolio/``: deterministic, well-formed trees of
real identities, the requested share of affected libraries, SBOMs depvault reads back.

The affected share is checked independently of the generator: PyPI versions against the
``versions[]`` lists of the live advisories in the shared OSV export. A test of ``load``
goes through the API on each backend.
"""

from __future__ import annotations

import importlib
import re
import sys
import zipfile
from collections import Counter, defaultdict, deque
from pathlib import Path
from types import ModuleType

import orjson
import pytest
from packageurl import PackageURL
from starlette.testclient import TestClient

from depvault.domain.identity import identify
from depvault.domain.inventory import Inventory
from depvault.ingest.sbom import read_sbom
from depvault.store.engine.db import Database
from tests.conftest import Api

BENCH = Path(__file__).resolve().parents[2] / "bench"
PROJECTS, LIBRARIES, SEED, FRACTION = 40, 300, 7, 0.2

Portfolio = list[tuple[str, Inventory]]


@pytest.fixture(scope="module")
def portfolio() -> ModuleType:
    """bench/portfolio/ (bench is no package: its folder goes on the path, as when a
    benchmark script runs); skips when the shared data is absent."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    module = importlib.import_module("portfolio")
    try:
        module.shared_data()
    except module.SharedDataMissing as exc:
        pytest.skip(f"needs the real identities of ../shared/data: {exc}")
    return module


@pytest.fixture(scope="module")
def sample(portfolio: ModuleType) -> Portfolio:
    return list(portfolio.generate(PROJECTS, LIBRARIES, SEED, FRACTION))


def pypi_affected(portfolio: ModuleType) -> dict[str, set[str]]:
    """PEP 503 name → the versions some live PyPI advisory lists, read straight from the
    OSV zip."""
    affected: dict[str, set[str]] = defaultdict(set)
    with zipfile.ZipFile(portfolio.shared_data() / "osv" / "PyPI-all.zip") as archive:
        for member in archive.namelist():
            document = orjson.loads(archive.read(member))
            if document.get("withdrawn"):
                continue
            for entry in document["affected"]:
                name = re.sub(r"[-_.]+", "-", entry["package"]["name"]).lower()
                affected[name].update(entry.get("versions", ()))
    return affected


def depths(inventory: Inventory) -> dict[str, int]:
    """Each ref's distance from the project, breadth first from the direct refs."""
    children: dict[str, list[str]] = defaultdict(list)
    for parent, child in inventory.edges:
        children[parent].append(child)
    found = dict.fromkeys(inventory.direct, 1)
    queue = deque(inventory.direct)
    while queue:
        ref = queue.popleft()
        for child in children[ref]:
            if child not in found:
                found[child] = found[ref] + 1
                queue.append(child)
    return found


def test_a_seed_gives_the_same_portfolio(portfolio: ModuleType, sample: Portfolio) -> None:
    again = list(portfolio.generate(PROJECTS, LIBRARIES, SEED, FRACTION))
    other = list(portfolio.generate(PROJECTS, LIBRARIES, SEED + 1, FRACTION))
    assert again == sample
    assert other != sample


def test_sizes_are_as_asked(sample: Portfolio) -> None:
    assert len(sample) == PROJECTS
    assert len({name for name, _ in sample}) == PROJECTS
    assert all(len(inventory.components) == LIBRARIES for _, inventory in sample)


def test_libraries_repeat_across_projects(sample: Portfolio) -> None:
    seen = Counter(c.ref for _, inventory in sample for c in inventory.components)
    assert len(seen) < PROJECTS * LIBRARIES / 4
    assert max(seen.values()) > PROJECTS / 2


def test_projects_mostly_keep_to_one_ecosystem(sample: Portfolio) -> None:
    for _, inventory in sample:
        types = Counter(PackageURL.from_string(c.purl or "").type for c in inventory.components)
        assert types.most_common(1)[0][1] >= LIBRARIES * 0.7


def test_components_are_distinct_libraries_with_valid_purls(sample: Portfolio) -> None:
    for _, inventory in sample:
        refs = [c.ref for c in inventory.components]
        assert len(set(refs)) == len(refs)
        assert len({identify(c).key for c in inventory.components}) == len(refs)
        for component in inventory.components:
            purl = PackageURL.from_string(component.purl or "")
            assert purl.version, component
            assert component.ref == component.purl


def test_the_graph_names_only_components(sample: Portfolio) -> None:
    for _, inventory in sample:
        refs = {c.ref for c in inventory.components}
        assert set(inventory.direct) <= refs
        assert all(p in refs and c in refs and p != c for p, c in inventory.edges)
        assert len(set(inventory.edges)) == len(inventory.edges)


def test_trees_are_a_few_tens_wide_and_at_most_eight_deep(
    portfolio: ModuleType, sample: Portfolio
) -> None:
    levels: Counter[int] = Counter()
    low, high = portfolio.DIRECT_BOUNDS
    for _, inventory in sample:
        found = depths(inventory)
        assert set(found) == {c.ref for c in inventory.components}, "every library reachable"
        assert low - 2 <= len(inventory.direct) <= high + 3
        assert max(found.values()) <= 8
        levels.update(found.values())
    assert levels[2] > levels[3] > levels[4] > levels[5] > 0
    assert levels[8] > 0


def test_the_requested_share_of_libraries_is_affected(
    portfolio: ModuleType, sample: Portfolio
) -> None:
    affected = pypi_affected(portfolio)
    hits = [
        c.version in affected[c.name]
        for _, inventory in sample
        for c in inventory.components
        if (c.purl or "").startswith("pkg:pypi/")
    ]
    assert len(hits) > 500
    assert sum(hits) / len(hits) == pytest.approx(FRACTION, abs=0.05)


def test_no_affected_library_when_none_is_asked(portfolio: ModuleType) -> None:
    affected = pypi_affected(portfolio)
    pypi = [
        c
        for _, inventory in portfolio.generate(20, 300, 3, 0.0)
        for c in inventory.components
        if (c.purl or "").startswith("pkg:pypi/")
    ]
    assert pypi
    assert not [c.purl for c in pypi if c.version in affected[c.name]]


def test_go_purls_carry_the_module_path_and_a_v(sample: Portfolio) -> None:
    go = [
        c
        for _, inventory in sample
        for c in inventory.components
        if (c.purl or "").startswith("pkg:golang/")
    ]
    assert go
    for component in go:
        purl = PackageURL.from_string(component.purl or "")
        # a module path without a slash (aahframe.work) has no namespace
        assert "/".join(filter(None, (purl.namespace, purl.name))) == component.name
        assert (purl.version or "").startswith("v")


def test_sizes_beyond_the_real_data_are_refused(portfolio: ModuleType) -> None:
    with pytest.raises(ValueError, match="at most"):
        portfolio.generate(1, 100_000, 1)


def test_a_project_as_cyclonedx_reads_back(portfolio: ModuleType, sample: Portfolio) -> None:
    for name, inventory in sample[:12]:
        document = portfolio.cyclonedx_document(name, inventory)
        back = read_sbom(orjson.dumps(document), 10**9)
        assert len(back.components) == len(inventory.components)
        assert back.warnings == ()
        assert set(back.direct) == set(inventory.direct)
        assert set(back.edges) == set(inventory.edges)
        assert [c.licenses for c in back.components] == [c.licenses for c in inventory.components]


def test_a_loaded_portfolio_is_what_the_api_shows(
    portfolio: ModuleType, database: Database, app_client: TestClient
) -> None:
    loaded = portfolio.load(database, "Portfolio", 2, 5, 60, SEED, show_progress=False)
    api = Api(app_client, loaded.user_key)
    details = api.ok("getOrganizationDetails", orgToken=loaded.org_token)
    assert (details["numberOfProducts"], details["numberOfProjects"]) == (2, 5)
    assert loaded.project_libraries == 5 * 60
    projects = api.ok("getOrganizationProjectVitals", orgToken=loaded.org_token)
    token = projects["projectVitals"][0]["token"]
    assert len(api.ok("getProjectInventory", projectToken=token)["libraries"]) == 60


def test_every_real_identity_survives_cyclonedx(portfolio: ModuleType) -> None:
    known = portfolio.catalog(portfolio.shared_data()).sbom
    components = tuple(i.component for identities in known.values() for i in identities)
    document = portfolio.cyclonedx_document("all", Inventory(components))
    back = read_sbom(orjson.dumps(document), 10**9)
    assert [(c.purl, c.licenses, c.hashes) for c in back.components] == [
        (c.purl, c.licenses, c.hashes) for c in components
    ]

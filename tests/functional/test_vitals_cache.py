"""The organization's project vitals kept as JSON bytes (api/answer_cache.py) while its
vitals counter stays put (migration 0025's triggers). Each test reads the list first, so
the answer is cached, then changes something the vitals show — through the API, through
another process, or straight in the database — and the next read must show it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.api.handlers.shapes.common import project_vitals_json, vitals_item
from depvault.config import Config
from depvault.store.engine.db import Database, create_database
from depvault.store.inventories import hierarchy
from depvault.store.inventories.vitals_reads import organization_vitals_version, vitals_rows
from tests.conftest import Api


def _vitals(api: Api, site: Bootstrap) -> list[dict[str, Any]]:
    answer = api.ok("getOrganizationProjectVitals", orgToken=site.org_token)
    items: list[dict[str, Any]] = answer["projectVitals"]
    return items


def _names(api: Api, site: Bootstrap) -> list[str]:
    return [item["name"] for item in _vitals(api, site)]


def _product(api: Api, site: Bootstrap, name: str = "Shop") -> str:
    token: str = api.ok("createProduct", orgToken=site.org_token, productName=name)["productToken"]
    return token


def _project(api: Api, product: str, name: str) -> str:
    token: str = api.ok("createProject", productToken=product, projectName=name)["projectToken"]
    return token


def _statements(database: Database) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    return seen, record


def test_the_items_are_those_of_the_python_shape(
    api: Api, site: Bootstrap, database: Database
) -> None:
    """Dates formatted by the database read the same as ``format_vitals_time``."""
    product = _product(api, site)
    _project(api, product, "web")
    with database.transaction() as db:
        hierarchy.set_scan_comment(db, _project_id(db, "web"), "branch:main")
    _project(api, product, "api")
    with database.transaction(write=False) as db:
        org_id = db.scalar(text("SELECT org_id FROM projects LIMIT 1"))
        which = hierarchy.ProjectFilter(org_id=org_id)
        expected = [project_vitals_json(p) for p in hierarchy.list_projects(db, which)]
        assert [vitals_item(r) for r in vitals_rows(db, which)] == expected
    assert _vitals(api, site) == expected
    assert any("lastScanComment" in item for item in expected)


def _project_id(db: Any, name: str) -> int:
    return int(db.scalar(text("SELECT id FROM projects WHERE name = :n"), {"n": name}))


def test_a_second_read_is_answered_from_the_cache(
    api: Api, site: Bootstrap, database: Database
) -> None:
    _project(api, _product(api, site), "web")
    first = _vitals(api, site)
    seen, record = _statements(database)
    try:
        assert _vitals(api, site) == first
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert not [s for s in seen if "FROM projects" in s], seen


def test_new_renamed_moved_and_deleted_projects_show_at_once(
    api: Api, site: Bootstrap, database: Database
) -> None:
    shop = _product(api, site)
    web = _project(api, shop, "web")
    assert _names(api, site) == ["web"]

    api_token = _project(api, shop, "api")
    assert _names(api, site) == ["api", "web"]

    with database.transaction() as db:  # a write no request type makes: by hand
        db.execute(text("UPDATE projects SET name = 'www' WHERE token = :t"), {"t": web})
    assert _names(api, site) == ["api", "www"]

    other = _product(api, site, "Another")
    api.ok(
        "changeProjectsProduct",
        orgToken=site.org_token,
        projectTokens=[api_token],
        productToken=other,
    )
    assert {i["name"]: i["productName"] for i in _vitals(api, site)}["api"] == "Another"

    api.ok("deleteProject", productToken=shop, projectToken=web)
    assert _names(api, site) == ["api"]

    api.ok("deleteProduct", productToken=other)  # its projects go by cascade
    assert _names(api, site) == []


def test_a_renamed_product_shows_at_once(api: Api, site: Bootstrap, database: Database) -> None:
    _project(api, _product(api, site), "web")
    assert _vitals(api, site)[0]["productName"] == "Shop"
    with database.transaction() as db:
        db.execute(text("UPDATE products SET name = 'Store'"))
    assert _vitals(api, site)[0]["productName"] == "Store"


def test_a_project_an_import_creates_shows_at_once(api: Api, site: Bootstrap) -> None:
    """The project is created and updated by the update job (here inline), not by the
    request's own handler: the triggers see every write path."""
    product = _product(api, site)
    _project(api, product, "api")
    assert _names(api, site) == ["api"]
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {"type": "library", "name": "six", "version": "1.16.0", "purl": "pkg:pypi/six@1.16.0"}
        ],
    }
    api.ok("importProjectSbom", productToken=product, projectName="web", sbom=sbom)
    assert _names(api, site) == ["api", "web"]


def test_a_rolled_back_change_does_not_move_the_counter(
    api: Api, site: Bootstrap, database: Database
) -> None:
    _project(api, _product(api, site), "web")
    with database.transaction(write=False) as db:
        org_id = int(db.scalar(text("SELECT org_id FROM projects")))
        before = organization_vitals_version(db, org_id)
    try:
        with database.transaction() as db:
            db.execute(text("UPDATE projects SET name = 'www'"))
            assert organization_vitals_version(db, org_id) > before
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with database.transaction(write=False) as db:
        assert organization_vitals_version(db, org_id) == before
    assert _names(api, site) == ["web"]


def test_another_process_sees_a_change_made_here(
    api: Api, site: Bootstrap, config: Config, database: Database
) -> None:
    """A second server on the same database keeps its own copy: the change committed
    through this one moves the counter it reads."""
    shop = _product(api, site)
    _project(api, shop, "web")
    other = create_database(config)
    try:
        with TestClient(create_app(config, other, migrate=False, inline_jobs=True)) as client:
            there = Api(client, site.user_key)
            assert _names(there, site) == ["web"]
            _project(api, shop, "api")  # through this process
            assert _names(there, site) == ["api", "web"]
    finally:
        other.dispose()


def test_a_product_role_gets_its_products_only_from_the_cache(
    api: Api, site: Bootstrap, database: Database
) -> None:
    """The cache keeps one answer per set of visible products: the administrator's full
    list is never handed to a product role, nor the other way round."""
    shop, other = _product(api, site), _product(api, site, "Another")
    _project(api, shop, "web")
    _project(api, other, "api")
    api.ok("createUser", orgToken=site.org_token, addedUser={"name": "p", "email": "p@x.org"})
    key = admin.issue_user_key(database, "p@x.org", site.org_token)
    api.ok(
        "setProductAssignments",
        productToken=other,
        productAdmins={"userAssignments": [{"email": "p@x.org"}]},
    )
    assert _names(api, site) == ["api", "web"]
    member = Api(api.client, key)
    assert _names(member, site) == ["api"]
    assert _names(api, site) == ["api", "web"]

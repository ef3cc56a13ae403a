"""Retention of the inventory history and of the counted policy-check rejections."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from depvault.admin import Bootstrap
from depvault.domain.access import Level
from depvault.domain.timefmt import utcnow
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import create_product, create_project
from depvault.store.inventories.history import prune_history
from depvault.store.models import InventoryChange, PluginPolicyViolation
from depvault.store.organizations.scopes import resolve_token


def test_old_history_goes_and_recent_history_stays(database: Database, site: Bootstrap) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(days=5)
    with database.transaction() as db:
        scope = resolve_token(db, Level.ORG, site.org_token)
        assert scope is not None and scope.org is not None
        product = create_product(db, scope.org.id, "P", now)
        project = create_project(db, scope.org.id, product.id, "p", now)
        for n, at in enumerate((old, recent)):
            db.add(InventoryChange(project_id=project.id, at=at, write_key=n, change="ADDED",
                                   library_id=n + 1))  # fmt: skip
            db.add(
                PluginPolicyViolation(
                    org_id=scope.org.id,
                    violation_key=f"{n:040d}",
                    product_name="P",
                    project_name="p",
                    library="lib",
                    library_version="1",
                    policy_id=1,
                    policy_name="x",
                    policy_level="DOMAIN",
                    first_seen=at,
                    last_seen=at,
                    checks=1,
                    agent="fs-agent",
                    agent_version="1",
                    user_email="a@b.c",
                )
            )

    def counts() -> tuple[int, int]:
        with database.transaction(write=False) as db:
            return (
                int(db.scalar(select(func.count()).select_from(InventoryChange)) or 0),
                int(db.scalar(select(func.count()).select_from(PluginPolicyViolation)) or 0),
            )

    assert prune_history(database, 0, now) == 0  # 0 keeps everything
    assert counts() == (2, 2)
    assert prune_history(database, 30, now) == 2
    assert counts() == (1, 1)
    assert prune_history(database, 30, now) == 0

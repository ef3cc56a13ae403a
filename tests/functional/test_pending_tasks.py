"""Approval tasks: a REASSIGN policy opens one task per (project, library, policy) for
its group or user; getDomainPendingTasks lists the open ones, closePendingTask closes
one for good while its cause lasts; depvault closes and reopens the others as the
inventory changes."""

from __future__ import annotations

from typing import Any

import pytest

from depvault.admin import Bootstrap
from tests.conftest import Api
from tests.functional.test_policies import World, component


@pytest.fixture
def world(api: Api, site: Bootstrap) -> World:
    return World(api, site)


def reassign(api: Api, world: World) -> int:
    api.ok("createGroup", group={"name": "legal"}, **world.org)
    groups = api.ok("getAllGroups", **world.org)["groups"]
    legal = next(g["id"] for g in groups if g["name"] == "legal")
    policy = {
        "name": "legal reviews GPL",
        "filter": {"type": "LICENSE", "licenses": [{"name": "GPL-3.0-only"}]},
        "action": {"type": "REASSIGN", "group": {"id": legal, "name": "legal"}},
    }
    api.ok("addOrganizationPolicy", policy=policy, **world.org)
    return int(legal)


def tasks(api: Api, world: World, version: str = "1.3") -> list[dict[str, Any]]:
    api.version = version
    try:
        found: list[dict[str, Any]] = api.ok("getDomainPendingTasks", **world.org)[
            "pendingTaskInfos"
        ]
    finally:
        api.version = "1.3"
    return found


def test_reassign_policies_open_tasks_people_close(api: Api, site: Bootstrap, world: World) -> None:
    legal = reassign(api, world)
    world.scan(
        "app",
        component("gpl-lib", "1.0.0", "GPL-3.0-only"),
        component("mit-lib", "1.0.0", "MIT"),
    )
    [task] = tasks(api, world, "1.4")
    assert task["library"]["artifactId"] == "gpl-lib" and task["status"] == "OPEN"
    assert task["assignee"] == {"group": {"id": legal, "name": "legal"}}
    assert task["policy"] == {"name": "legal reviews GPL"}
    assert task["project"]["projectName"] == "app" and task["product"]["productName"] == "P"
    assert task["taskType"] == "LIBRARY_APPROVAL" and len(task["uuid"]) == 36

    answer = api.ok("closePendingTask", taskUUID=task["uuid"], **world.org)
    assert answer == {"message": "Successfully closed the pending task"}
    assert tasks(api, world) == []
    world.scan("app", component("gpl-lib", "1.0.0", "GPL-3.0-only"))  # the cause lasts
    assert tasks(api, world) == []  # a person closed it: it stays closed
    _, message = api.error("closePendingTask", taskUUID=task["uuid"], **world.org)
    assert "no open pending task" in message
    code, _ = api.error("closePendingTask", **world.org)
    assert code == 3010


def test_depvault_closes_and_reopens_tasks_as_inventories_change(api: Api, world: World) -> None:
    reassign(api, world)
    world.scan("tool", component("gpl-lib", "1.0.0", "GPL-3.0-only"))
    [first] = tasks(api, world)
    world.scan("tool", component("mit-lib", "1.0.0", "MIT"))
    assert tasks(api, world) == []  # the library left: nothing to approve
    world.scan("tool", component("gpl-lib", "1.0.0", "GPL-3.0-only"))
    [again] = tasks(api, world)
    assert again["uuid"] == first["uuid"]  # the same task reopened
    answer = api.ok("closePendingTask", uuid=again["uuid"], **world.org)  # the other spelling
    assert "closed" in answer["message"]

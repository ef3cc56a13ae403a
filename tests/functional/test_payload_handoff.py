"""The queued inventory handed to this process's worker in memory (jobs/payload.py):
the worker of the queueing process writes the very inventory the request built, any
other process (or this one when the handoff dropped it) decodes the stored copy, and
both write the same libraries."""

from __future__ import annotations

from unittest import mock

import pytest

import depvault.jobs.updates as updates
from depvault.admin import Bootstrap
from depvault.config import Config
from depvault.domain.inventory import Component, Inventory
from depvault.ingest.licensing import license_facts
from depvault.jobs.payload import Handoff, decode_inventory, handoff_of
from depvault.jobs.updates import UpdateWorker
from depvault.store.engine.db import Database, create_database
from depvault.store.inventories.writes import UpdateType
from tests.functional.test_update_jobs import libraries_of, queue, setup_projects, states


def test_the_queueing_process_writes_without_decoding(database: Database, site: Bootstrap) -> None:
    [project] = setup_projects(database, 1)
    queue(database, project, UpdateType.OVERRIDE, "a", "b", "c")
    with mock.patch.object(updates, "decode_inventory", side_effect=AssertionError("decoded")):
        assert UpdateWorker(database, license_facts).run_once()
    assert states(database) == ["FINISHED"]
    assert libraries_of(database, project) == 3


@pytest.mark.parametrize("backend", ["sqlite"])
def test_another_process_decodes_the_stored_copy(
    database: Database, site: Bootstrap, config: Config
) -> None:
    [project] = setup_projects(database, 1)
    queue(database, project, UpdateType.OVERRIDE, "a", "b", "c")
    other = create_database(config)  # another process: nothing handed over to it
    try:
        with mock.patch.object(updates, "decode_inventory", wraps=decode_inventory) as decode:
            assert UpdateWorker(other, license_facts).run_once()
        assert decode.call_count == 1
    finally:
        other.dispose()
    assert states(database) == ["FINISHED"]
    assert libraries_of(database, project) == 3
    assert handoff_of(database).take("any", 1) is None


def _inventory(name: str) -> Inventory:
    return Inventory((Component(ref=name, name=name, version="1", ecosystem="npm"),))


def test_the_handoff_is_bounded_and_keyed_by_request_token() -> None:
    handoff = Handoff(limit=2)
    handoff.put("t1", 1, _inventory("a"))
    handoff.put("t2", 2, _inventory("b"))
    handoff.put("t3", 3, _inventory("c"))
    assert handoff.take("t1", 1) is None  # the oldest went
    assert handoff.take("other-token", 2) is None  # an item id alone finds nothing
    assert handoff.take("t2", 2) == _inventory("b")
    assert handoff.take("t2", 2) is None  # taken once

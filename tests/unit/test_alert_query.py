"""The prebuilt statements of the plain alert lists (issue 15) say what the statement
built from the query's clauses says, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from depvault.store.alerts import reads
from depvault.store.alerts.reads import AlertQuery
from depvault.store.inventories.hierarchy import ProjectFilter

PLAIN = [
    ProjectFilter(project_id=1),
    ProjectFilter(product_id=3),
    ProjectFilter(org_id=5),
    ProjectFilter(org_id=5, only_products=frozenset({2, 1})),
    ProjectFilter(org_id=5, only_products=frozenset()),
]


def text(statement: Any, params: dict[str, Any], dialect: Dialect) -> str:
    bound = statement.params(params) if params else statement
    return str(bound.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("which", PLAIN)
@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_a_plain_list_runs_a_prebuilt_statement_saying_the_same(
    which: ProjectFilter, dialect: Dialect
) -> None:
    query = AlertQuery(which, statuses=["Active", "Ignored"])
    statement, params = query.statement()
    assert any(statement is prebuilt for prebuilt in reads._PREBUILT)
    built = reads._ALERTS.where(*query.clauses())
    assert text(statement, params, dialect) == text(built, {}, dialect)


@pytest.mark.parametrize(
    "query",
    [
        AlertQuery(ProjectFilter(project_id=1)),  # every status
        AlertQuery(ProjectFilter(project_id=1), statuses=["Active"], types=["LICENSE"]),
        AlertQuery(ProjectFilter(org_id=5), statuses=["Active"], project_tag=("k", "v")),
        AlertQuery(ProjectFilter(org_id=5, project_id=1), statuses=["Active"]),
    ],
)
def test_other_queries_build_their_statement(query: AlertQuery) -> None:
    statement, params = query.statement()
    assert params == {}
    assert all(statement is not prebuilt for prebuilt in reads._PREBUILT)

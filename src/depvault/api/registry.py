"""The table of request types, assembled in plain sight from one module per category.

A new request type goes into its category's module (``handlers/<category>.py``) as a
:class:`~depvault.api.request_types.RequestType` in that module's ``REQUEST_TYPES``;
a new category module is added to ``CATEGORY_MODULES`` below. Nothing registers itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from depvault.api.handlers import (
    alerts,
    introspection,
    inventory,
    issue_tracking,
    knowledge,
    organizations,
    policies,
    products_projects,
    unavailable,
    users,
)
from depvault.api.handlers.libraries import files as library_texts
from depvault.api.handlers.libraries import json_answers as libraries
from depvault.api.handlers.libraries import marks as library_marks
from depvault.api.handlers.reports import asynchronous as reports
from depvault.api.handlers.reports import comparison as comparison_reports
from depvault.api.handlers.reports import sync as report_requests
from depvault.api.request_types import RequestType

__all__ = ["CATEGORY_MODULES", "Registry", "build_registry"]

CATEGORY_MODULES = (
    organizations,
    products_projects,
    inventory,
    users,
    introspection,
    libraries,
    library_texts,
    library_marks,
    alerts,
    policies,
    issue_tracking,
    reports,
    report_requests,
    comparison_reports,
    knowledge,
    unavailable,
)


class Registry:
    """Request types by name; a name may appear once."""

    def __init__(self, request_types: Iterable[RequestType[Any]]) -> None:
        self._by_name: dict[str, RequestType[Any]] = {}
        for request_type in request_types:
            if request_type.name in self._by_name:
                raise ValueError(f"request type {request_type.name} is declared twice")
            self._by_name[request_type.name] = request_type

    def get(self, name: str) -> RequestType[Any] | None:
        """The request type of that name, or None."""
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[RequestType[Any]]:
        return iter(sorted(self._by_name.values(), key=lambda rt: rt.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        """Every request-type name, sorted."""
        return sorted(self._by_name)


def build_registry() -> Registry:
    """The full table, from every category module's ``REQUEST_TYPES``."""
    return Registry(rt for module in CATEGORY_MODULES for rt in module.REQUEST_TYPES)

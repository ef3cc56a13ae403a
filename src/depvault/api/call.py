"""What a handler receives besides its parameters: the resolved call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from depvault.api.request_types import ApiVersion
from depvault.domain.access import Level
from depvault.domain.scope import Caller, Ref, Scope
from depvault.store.inventories.hierarchy import ProjectFilter

if TYPE_CHECKING:
    from depvault.api.registry import Registry
    from depvault.config import Config
    from depvault.jobs.runner import Runner
    from depvault.store.jobs.report_files import ReportFiles

__all__ = ["Call"]


@dataclass(frozen=True)
class Call:
    """One admitted API call.

    ``db`` is the session of the call's single transaction: it commits when the handler
    returns and rolls back when it raises. ``visible_product_ids`` is None unless the
    caller was admitted to an organization request through product roles only; the
    handler must then answer for those products alone. ``registry`` is the request table,
    for the requests that describe the API itself.
    """

    db: Session
    caller: Caller
    scope: Scope
    version: ApiVersion
    now: datetime
    request_type: str
    registry: Registry
    config: Config
    jobs: Runner
    files: ReportFiles | None = None  # where report files are (downloads read them)
    visible_product_ids: frozenset[int] | None = None
    body_sha1: str = ""  # SHA-1 of the request body as received
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def org(self) -> Ref:
        """The call's organization (every call at organization level or below has one)."""
        return self.scope.require(Level.ORG)

    @property
    def product(self) -> Ref:
        """The call's product (product- and project-level calls)."""
        return self.scope.require(Level.PRODUCT)

    @property
    def project(self) -> Ref:
        """The call's project (project-level calls)."""
        return self.scope.require(Level.PROJECT)

    def sees_product(self, product_id: int) -> bool:
        """Whether the answer may include data of this product."""
        return self.visible_product_ids is None or product_id in self.visible_product_ids

    def projects(self) -> ProjectFilter:
        """The projects the call covers: its project, its product's, or its
        organization's (those of the visible products only, for a product role)."""
        if self.scope.level is Level.PROJECT:
            return ProjectFilter(project_id=self.project.id)
        if self.scope.level is Level.PRODUCT:
            return ProjectFilter(product_id=self.product.id)
        return ProjectFilter(org_id=self.org.id, only_products=self.visible_product_ids)

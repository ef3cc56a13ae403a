"""Frozen views of the scopes a call names: global organization, organization, product,
project. The store builds them from a token; handlers and rules read them."""

from __future__ import annotations

from dataclasses import dataclass

from depvault.domain.access import Level, Target

__all__ = ["Caller", "Ref", "Scope"]


@dataclass(frozen=True)
class Ref:
    """One scope: its id, token and name."""

    id: int
    token: str
    name: str


@dataclass(frozen=True)
class Scope:
    """The scope of a call with its ancestors; fields below ``level`` are None."""

    level: Level
    global_org: Ref | None = None
    org: Ref | None = None
    product: Ref | None = None
    project: Ref | None = None

    @property
    def target(self) -> Target:
        """The ids the access rules judge."""
        return Target(
            level=self.level,
            global_org_id=self.global_org.id if self.global_org else None,
            org_id=self.org.id if self.org else None,
            product_id=self.product.id if self.product else None,
            project_id=self.project.id if self.project else None,
        )

    def ref(self, level: Level) -> Ref | None:
        """The scope of ``level`` in this chain."""
        return {
            Level.GLOBAL_ORG: self.global_org,
            Level.ORG: self.org,
            Level.PRODUCT: self.product,
            Level.PROJECT: self.project,
        }.get(level)

    def require(self, level: Level) -> Ref:
        """Like :meth:`ref` for a level the request guarantees (its own or above)."""
        ref = self.ref(level)
        if ref is None:
            raise LookupError(f"the call's scope has no {level}")
        return ref


@dataclass(frozen=True)
class Caller:
    """The user a call's ``userKey`` identifies."""

    id: int
    email: str
    name: str
    is_service: bool
    is_site_admin: bool

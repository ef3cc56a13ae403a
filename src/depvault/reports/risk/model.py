"""What the Risk report shows, as frozen values: ``risk`` fills them from the
database, ``risk_pdf`` lays them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from depvault.reports.risk.libraries import VulnerableLibrary
from depvault.reports.risk.reads import Headline
from depvault.reports.risk.scopes import ScopeRisk

__all__ = ["Counted", "LicenseConcern", "RiskFigures"]


@dataclass(frozen=True)
class Counted:
    """A row of a summary table: a label, how many alerts (or instances), how many
    distinct libraries."""

    label: str
    count: int
    libraries: int


@dataclass(frozen=True)
class LicenseConcern:
    """A license of the scope beyond attribution (copyleft, unknown, restricted)."""

    license_id: str
    name: str
    category: str
    copyleft: str
    libraries: int


@dataclass(frozen=True)
class RiskFigures:
    """Everything the Risk report shows, for one scope at one time."""

    noun: str  # Organization, Product or Project
    scope_name: str
    generated: datetime
    headline: Headline
    severities: tuple[Counted, ...]  # high, medium, low (and none when any)
    vulnerable_libraries: int
    top_libraries: tuple[VulnerableLibrary, ...]
    license_risks: tuple[Counted, ...]  # count = instances, most restrictive first
    unlicensed: Counted
    concerns: tuple[LicenseConcern, ...]
    concern_total: int
    outdated: tuple[Counted, ...]
    products: tuple[ScopeRisk, ...] | None  # organization scope only
    projects: tuple[ScopeRisk, ...] | None  # organization and product scopes

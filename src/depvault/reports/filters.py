"""The ``filter`` objects of reports: unknown keys ignored, known ones checked."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

from depvault.domain.alert_rules import AlertStatus

__all__ = ["NoFilter", "StatusFilter"]


class NoFilter(BaseModel):
    """A report's ``filter`` object: unknown keys are ignored, known ones checked; wire
    names are the camelCase aliases of the attributes."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, alias_generator=to_camel
    )


class StatusFilter(NoFilter):
    """Alert reports: ``status`` narrows to Active, Ignored or Resolved (any case)."""

    status: str | None = None

    @field_validator("status")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for status in AlertStatus:
            if value.strip().lower() == status.value.lower():
                return status.value
        raise ValueError("expected Active, Ignored or Resolved")

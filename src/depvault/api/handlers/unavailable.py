"""Mend request types about data depvault does not hold: registered so that clients get
the protocol's error envelope with the reason (``NotSupported``), not "unknown
requestType". Each handler's docstring is the reason the coverage document shows.

(Reports of data depvault does not hold, bugs, containers, clusters and effective
usage, answer empty: ``reports/always_empty.py``.)

- The integration activation token: Mend's repository integrations (its GitHub, GitLab
  and Bitbucket apps) have no counterpart.
- Project setup notification configuration: depvault sends no project-setup
  notifications.
"""

from __future__ import annotations

from pydantic import Field

from depvault.api.call import Call
from depvault.api.request_types import (
    Category,
    NoParams,
    Params,
    Result,
    admin_request,
    in_category,
)
from depvault.domain.access import Level
from depvault.errors import NotSupported

__all__ = ["REQUEST_TYPES"]


class IntegrationParams(Params):
    integration_type: str | None = Field(default=None, max_length=64)


def integration_token(call: Call, params: IntegrationParams) -> Result:
    """Mend's repository integrations (GitHub, GitLab, Bitbucket apps) have no depvault
    counterpart."""
    raise NotSupported(
        f"{call.request_type} is not available: depvault has no repository-integration "
        "apps to activate"
    )


def setup_notifications(call: Call, params: NoParams) -> Result:
    """depvault sends no project-setup notifications."""
    raise NotSupported(
        f"{call.request_type} is not available: depvault sends no project-setup notifications"
    )


REQUEST_TYPES = in_category(
    Category.ORGANIZATION,
    [
        admin_request(
            "getOrganizationIntegrationActivationToken",
            Level.ORG,
            IntegrationParams,
            integration_token,
            supported=False,
        )
    ],
) + in_category(
    Category.PRODUCT_AND_PROJECT,
    [
        admin_request(
            "setProjectSetupNotificationConfig",
            Level.PROJECT,
            NoParams,
            setup_notifications,
            writes=True,
            supported=False,
        )
    ],
)

"""Mend request types about data depvault does not hold: registered so that clients get
the protocol's error envelope with the reason (``NotSupported``), not "unknown
requestType". Each handler's docstring is the reason the coverage document shows.

- Container and cluster vulnerability reports: depvault scans no container images or
  Kubernetes clusters; an image's SBOM imported into a project has its vulnerabilities
  in the ordinary reports.
- Effective usage analysis: Mend's code reachability analysis has no counterpart.
- Bugs reports: depvault holds no data on libraries' known bugs.
- The integration activation token: Mend's repository integrations (its GitHub, GitLab
  and Bitbucket apps) have no counterpart.
- Project setup notification configuration: depvault sends no project-setup
  notifications.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from depvault.api.call import Call
from depvault.api.request_types import (
    Category,
    Handler,
    NoParams,
    Params,
    RequestType,
    Result,
    admin_request,
    in_category,
)
from depvault.domain.access import Level
from depvault.errors import NotSupported

__all__ = ["REQUEST_TYPES"]


class FormatParams(Params):
    format: str | None = Field(default=None, max_length=16)


class IntegrationParams(Params):
    integration_type: str | None = Field(default=None, max_length=64)


def container_reports(call: Call, params: FormatParams) -> Result:
    """depvault scans no container images or clusters: import an image's SBOM into a
    project and use the Vulnerability report."""
    raise NotSupported(
        f"{call.request_type} is not available: depvault does not scan container images or "
        "clusters; import an image's SBOM (syft, trivy) into a project and use the "
        "Vulnerability report"
    )


def effective_usage(call: Call, params: NoParams) -> Result:
    """Effective usage analysis needs Mend's code reachability analysis; depvault has
    none."""
    raise NotSupported(
        f"{call.request_type} is not available: effective usage analysis needs code "
        "reachability analysis, which depvault does not have"
    )


def bugs(call: Call, params: NoParams) -> Result:
    """depvault holds no data on libraries' known bugs."""
    raise NotSupported(
        f"{call.request_type} is not available: depvault holds no data on libraries' known bugs"
    )


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


def _refused(name: str, level: Level, params: type[Any], handler: Handler[Any]) -> RequestType[Any]:
    return RequestType(name, level, params, handler, supported=False)


REQUEST_TYPES = (
    in_category(
        Category.REPORTS,
        [
            _refused(
                "getOrganizationContainerVulnerabilityReportRequest",
                Level.ORG,
                FormatParams,
                container_reports,
            ),
            _refused(
                "getClusterVulnerabilityReportRequest",
                Level.PRODUCT,
                FormatParams,
                container_reports,
            ),
            _refused("getOrganizationEffectiveUsageAnalysis", Level.ORG, NoParams, effective_usage),
            _refused("getOrganizationBugsReport", Level.ORG, NoParams, bugs),
            _refused("getProductBugsReport", Level.PRODUCT, NoParams, bugs),
            _refused("getProjectBugsReport", Level.PROJECT, NoParams, bugs),
        ],
    )
    + in_category(
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
    )
    + in_category(
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
)

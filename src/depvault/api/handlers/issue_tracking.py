"""The integration requests of API v1.4: ``fetchProjectPolicyIssues`` (what CREATE_ISSUE
policies found in a project), ``updateExternalIntegrationIssues`` (the tracker's
tickets, reported back), and the approval tasks REASSIGN policies open:
``getDomainPendingTasks`` (the organization's open ones, ``pendingTaskInfos[].uuid``)
and ``closePendingTask`` (``taskUUID``; ``uuid`` is accepted too).

Served at ``/api/v1.4`` only, as Mend serves them; the work-item sync tools call them
with an organization administrator's or a service user's key. An issue group is one
library under one policy; its ``policyViolations`` are one per vulnerability for a
vulnerability filter, else one. ``fromDateTime`` / ``toDateTime`` select violations
created or changed in the window (GMT, both ends included), closed ones too, so a
tracker can close its tickets.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from depvault.api.call import Call
from depvault.api.handlers.shapes.common import library_json
from depvault.api.handlers.shapes.vulnerabilities import vulnerability_json
from depvault.api.request_types import (
    ApiVersion,
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Access, Level
from depvault.domain.policies import ActionType
from depvault.domain.timefmt import format_timestamp, parse_timestamp
from depvault.errors import InvalidParameter, MissingParameter, NotFound
from depvault.store.inventories.reads import libraries_by_id
from depvault.store.knowledge.vulnerability_reads import advisories_by_id
from depvault.store.policies.issues import (
    IssueView,
    PolicyState,
    policy_states,
    project_issues,
    record_external_issues,
)
from depvault.store.policies.pending_tasks import close_task, open_tasks

__all__ = ["REQUEST_TYPES"]

V1_4 = frozenset({ApiVersion.V1_4})


class FetchIssues(Params):
    policy_action_type: str = ActionType.CREATE_ISSUE.value
    from_date_time: str | None = None
    to_date_time: str | None = None


def fetch_project_policy_issues(call: Call, params: FetchIssues) -> Result:
    """The project's policy issues, grouped by library and policy."""
    if params.policy_action_type.strip().upper() != ActionType.CREATE_ISSUE:
        raise InvalidParameter(
            "policyActionType", "only CREATE_ISSUE policies create issues: send CREATE_ISSUE"
        )
    window = None
    if params.from_date_time or params.to_date_time:
        window = (
            _time(params.from_date_time, "fromDateTime", "1970-01-01 00:00:00"),
            _time(params.to_date_time, "toDateTime", "9999-12-31 23:59:59"),
        )
    issues = project_issues(call.db, call.project.id, window)
    libraries = libraries_by_id(call.db, {i.library_id for i in issues})
    advisories = advisories_by_id(call.db, {i.advisory_id for i in issues if i.advisory_id})
    policies = policy_states(call.db, [i.policy_id for i in issues])
    groups: dict[tuple[int, int], list[IssueView]] = defaultdict(list)
    for issue in issues:
        groups[(issue.library_id, issue.policy_id)].append(issue)
    answer = []
    for (library_id, policy_id), found in sorted(
        groups.items(), key=lambda item: (libraries[item[0][0]].filename, item[0][1])
    ):
        library = libraries[library_id]
        shown = library_json(library)
        shown["url"] = shown["references"]["url"]
        violations = []
        for issue in found:
            violation: dict[str, Any] = {
                "issueUuid": issue.uuid,
                "violationType": issue.violation_type,
                "status": issue.status,
                "created": format_timestamp(issue.created_at),
                "lastModified": format_timestamp(issue.modified_at),
                "externalIssues": issue.external_issues,
            }
            if issue.advisory_id is not None and issue.advisory_id in advisories:
                advisory = advisories[issue.advisory_id]
                violation["vulnerability"] = vulnerability_json(advisory, library, call.version)
            violations.append(violation)
        answer.append(
            {
                "policy": _policy(found[-1].policy_name, policies.get(policy_id)),
                "library": shown,
                "policyViolations": violations,
            }
        )
    product, project = call.scope.require(Level.PRODUCT), call.project
    return {
        "product": {"productName": product.name, "productToken": product.token},
        "project": {"projectName": project.name, "projectToken": project.token},
        "issues": answer,
    }


def _time(text: str | None, parameter: str, default: str) -> Any:
    try:
        return parse_timestamp(text or default)
    except ValueError as exc:
        raise InvalidParameter(parameter, str(exc)) from None


def _policy(name: str, state: PolicyState | None) -> dict[str, Any]:
    """A removed policy shows as disabled: its issues are closed."""
    return {
        "name": name,
        "enabled": state.enabled if state else False,
        "policyMatch": {"type": state.filter_type if state else ""},
        "action": {"type": state.action_type if state else ActionType.CREATE_ISSUE.value},
    }


class ExternalIssue(BaseModel):
    """A tracker's ticket for a policy issue, as the tracker reports it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, alias_generator=to_camel)

    identifier: str = Field(min_length=1, max_length=255)
    url: str | None = Field(default=None, max_length=2048)
    status: str | None = Field(default=None, max_length=100)
    last_modified: str | None = Field(default=None, max_length=64)
    created: str | None = Field(default=None, max_length=64)


class ExternalIssues(Params):
    ws_policy_issue_item_uuid: str = Field(min_length=1, max_length=36)
    external_issues: list[ExternalIssue] = Field(min_length=1, max_length=100)


def update_external_integration_issues(call: Call, params: ExternalIssues) -> Result:
    """Record the tracker's tickets on one of the project's policy issues."""
    reported = [
        issue.model_dump(by_alias=True, exclude_none=True) for issue in params.external_issues
    ]
    if not record_external_issues(
        call.db, call.project.id, params.ws_policy_issue_item_uuid, reported
    ):
        raise NotFound(f"The project has no policy issue {params.ws_policy_issue_item_uuid!r}")
    return {"message": f"Successfully updated {len(reported)} external issue(s)"}


def get_domain_pending_tasks(call: Call, params: NoParams) -> Result:
    """The organization's open approval tasks, oldest first."""
    tasks = open_tasks(call.db, call.org.id, call.visible_product_ids)
    libraries = libraries_by_id(call.db, {t.library_id for t in tasks})
    return {
        "pendingTaskInfos": [
            {
                "uuid": task.uuid,
                "taskType": "LIBRARY_APPROVAL",
                "status": "OPEN",
                "creationDate": format_timestamp(task.created_at),
                "lastModified": format_timestamp(task.modified_at),
                "assignee": task.assignee,
                "policy": {"name": task.policy_name},
                "library": library_json(libraries[task.library_id]),
                "product": {"productName": task.product_name, "productToken": task.product_token},
                "project": {"projectName": task.project_name, "projectToken": task.project_token},
            }
            for task in tasks
        ]
    }


class CloseTask(Params):
    task_uuid: str | None = Field(default=None, alias="taskUUID", max_length=36)
    uuid: str | None = Field(default=None, max_length=36)


def close_pending_task(call: Call, params: CloseTask) -> Result:
    """Close an open approval task: it stays closed while its cause lasts."""
    uuid = params.task_uuid or params.uuid
    if not uuid:
        raise MissingParameter("taskUUID")
    if not close_task(call.db, call.org.id, uuid, call.caller.email, call.now):
        raise NotFound(f"The organization has no open pending task {uuid!r}")
    return {"message": "Successfully closed the pending task"}


REQUEST_TYPES = in_category(
    Category.PRODUCT_AND_PROJECT,
    [
        RequestType(
            "fetchProjectPolicyIssues",
            Level.PROJECT,
            FetchIssues,
            fetch_project_policy_issues,
            versions=V1_4,
            summary="What CREATE_ISSUE policies found in a project, for issue trackers",
        ),
        RequestType(
            "updateExternalIntegrationIssues",
            Level.PROJECT,
            ExternalIssues,
            update_external_integration_issues,
            access=Access.INTEGRATE,
            writes=True,
            versions=V1_4,
            summary="Record an issue tracker's tickets on a policy issue",
        ),
    ],
) + in_category(
    Category.ORGANIZATION,
    [
        RequestType(
            "getDomainPendingTasks",
            Level.ORG,
            NoParams,
            get_domain_pending_tasks,
            summary="The organization's open approval tasks (REASSIGN policies)",
        ),
        RequestType(
            "closePendingTask",
            Level.ORG,
            CloseTask,
            close_pending_task,
            access=Access.ADMIN,
            writes=True,
            summary="Close an approval task",
        ),
    ],
)

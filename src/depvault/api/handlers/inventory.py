"""Inventory requests: importing an SBOM into a project, following an update's state,
and reading a project's inventory back (catalog §6.7 and the ``importProjectSbom``
extension)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import orjson
from pydantic import Field, PrivateAttr

from depvault.api.call import Call
from depvault.api.handlers.shapes.common import library_json, vitals_item
from depvault.api.handlers.shapes.vulnerabilities import add_vulnerabilities
from depvault.api.intake import project_in_product
from depvault.api.request_types import (
    ApiVersion,
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.api.validation import check_storable
from depvault.config import Config
from depvault.domain.access import Access, Level
from depvault.domain.inventory import Inventory
from depvault.domain.timefmt import format_timestamp
from depvault.domain.updates import request_state
from depvault.errors import InvalidParameter, MissingParameter
from depvault.ingest.expansion import ExpansionLimits
from depvault.ingest.sbom import read_sbom
from depvault.jobs.updates import ProjectUpdate, enqueue, item_states, project_updates
from depvault.store.inventories import library_marks
from depvault.store.inventories import reads as inventory_reads
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.vitals_reads import vitals_rows
from depvault.store.inventories.writes import UpdateType
from depvault.store.knowledge.sources import request_gaps

__all__ = ["HIERARCHY_NODE_BUDGET", "REQUEST_TYPES"]

HIERARCHY_NODE_BUDGET = 200_000


class ImportProjectSbom(Params):
    sbom: dict[str, Any] | str
    project_name: str | None = Field(default=None, min_length=1, max_length=255)
    update_type: UpdateType = UpdateType.OVERRIDE
    # the document read by ``read_sbom_param``, before the write transaction; never input
    _inventory: Inventory | None = PrivateAttr(default=None)

    def inventory(self, config: Config) -> Inventory:
        """The document's inventory (read now unless it was read beforehand)."""
        if self._inventory is None:
            inventory = read_sbom(_document(self.sbom), ExpansionLimits.of(config))
            check_storable(inventory, "sbom")
            self._inventory = inventory
        return self._inventory


def read_sbom_param(params: ImportProjectSbom, config: Config) -> ImportProjectSbom:
    """Read the SBOM outside the write transaction (``RequestType.prepare``): parsing
    and validating a 10,000-component document takes most of a second, during which
    SQLite's write lock would stop every other writer."""
    if params.update_type is UpdateType.SOFT_RUN:
        raise InvalidParameter("updateType", "expected OVERRIDE, APPEND or REMOVE")
    params.inventory(config)
    return params


# A text document sent as it is: XML starts with "<", tag-value holds "SPDXVersion:",
# YAML an "spdxVersion:" key; none of the three can be base64 (no "<", ":" or space).
_PLAIN_TEXT = re.compile(
    r"\A\s*<|^\s*SPDXVersion\s*:|^\s*['\"]?spdxVersion['\"]?\s*:", re.MULTILINE
)


def _document(sbom: dict[str, Any] | str) -> bytes:
    """The document's bytes: a JSON object as sent, an XML, YAML or tag-value text as
    it is (users paste them), anything else base64."""
    if isinstance(sbom, dict):
        return orjson.dumps(sbom)
    if _PLAIN_TEXT.search(sbom):
        return sbom.encode()
    try:
        return base64.b64decode(sbom.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameter(
            "sbom",
            "a JSON document is sent as an object, an XML, YAML or tag-value one as its "
            "text or in base64",
        ) from None


def import_project_sbom(call: Call, params: ImportProjectSbom) -> Result:
    """Queue the import of a CycloneDX or SPDX document into a project (created by name
    in the product when missing); the answer's requestToken follows it."""
    if params.update_type is UpdateType.SOFT_RUN:
        raise InvalidParameter("updateType", "expected OVERRIDE, APPEND or REMOVE")
    inventory = params.inventory(call.config)
    org_scope = call.scope
    if call.scope.level is Level.PROJECT:
        target_project, created = call.project, False
    else:
        if params.project_name is None:
            raise MissingParameter("projectName")
        target = project_in_product(
            call.db,
            call.caller,
            org_scope,
            call.product,
            params.project_name,
            None,
            call.now,
            call.request_type,
        )
        target_project, created = target.project, target.created
    token = enqueue(
        call.db,
        org_id=call.org.id,
        channel="SBOM",
        update_type=params.update_type,
        updates=[ProjectUpdate(target_project.id, inventory)],
        user_email=call.caller.email,
        agent="depvault-sbom-import",
        agent_version=inventory.source_format,
    )
    call.after_commit.append(call.jobs.notify)
    verb = "created and queued" if created else "queued"
    message = (
        f"SBOM ({inventory.source_format}, {len(inventory.components)} components) "
        f"{verb} for project {target_project.name}"
    )
    if inventory.dropped:
        shown = "; ".join(inventory.dropped[:20])
        more = f" and {len(inventory.dropped) - 20} more" if len(inventory.dropped) > 20 else ""
        message += f"; dropped values that break the schema's formats: {shown}{more}"
    return {"requestToken": token, "projectToken": target_project.token, "message": message}


class RequestStateParams(Params):
    request_token: str = Field(min_length=1)


def get_request_state(call: Call, params: RequestStateParams) -> Result:
    """The state of an update: UNKNOWN, IN_PROGRESS, UPDATED, FINISHED, FAILED or
    SKIPPED (v1.3 and later), with a ``message`` when its libraries fall in an ecosystem
    the knowledge base knows nothing about."""
    states = item_states(call.db, call.org.id, params.request_token, call.visible_product_ids)
    skipped_known = call.version is not ApiVersion.V1_2
    answer: dict[str, Any] = {"requestState": request_state(states, skipped_known=skipped_known)}
    gaps = request_gaps(call.db, call.org.id, params.request_token, call.visible_product_ids)
    if gaps:  # depvault's extra field: the alerts of these libraries are not known yet
        answer["message"] = (
            f"No vulnerability knowledge for {', '.join(gaps)} yet: libraries of "
            f"{'that ecosystem' if len(gaps) == 1 else 'those ecosystems'} get no security "
            "alerts until the knowledge base syncs it (queued; see getKnowledgeBaseStatus)"
        )
    return answer


class InventoryParams(Params):
    include_in_house_data: bool = True


def _libraries(call: Call, params: InventoryParams) -> list[inventory_reads.LibraryRow]:
    rows = inventory_reads.project_libraries(call.db, call.project.id)
    if params.include_in_house_data:
        return rows
    hidden = library_marks.in_house_library_ids(call.db, call.org.id)
    return [r for r in rows if r.id not in hidden]


def get_project_inventory(call: Call, params: InventoryParams) -> Result:
    """The project's vitals and its libraries, direct and transitive (without the
    organization's in-house libraries when ``includeInHouseData`` is false)."""
    # the prebuilt vitals statement, dates formatted by the database (issue 15)
    vitals = vitals_rows(call.db, ProjectFilter(project_id=call.project.id))[0]
    rows = _libraries(call, params)
    libraries = [(r, library_json(r)) for r in rows]
    add_vulnerabilities(call.db, call.version, libraries)
    return {
        "projectVitals": vitals_item(vitals),
        "libraries": [item for _, item in libraries],
    }


def get_project_hierarchy(call: Call, params: InventoryParams) -> Result:
    """The project's dependency tree: direct libraries with nested ``dependencies``.

    A library reached along several paths appears under each parent, as in the tree the
    agent sent; a cycle stops where it closes. Past :data:`HIERARCHY_NODE_BUDGET` nodes
    (a pathological graph) libraries are listed without their dependencies. With
    ``includeInHouseData`` false, in-house libraries and what only they lead to are left
    out.
    """
    rows = _libraries(call, params)
    graph = inventory_reads.project_graph(call.db, call.project.id)
    shapes = {r.id: library_json(r) for r in rows}
    budget = [HIERARCHY_NODE_BUDGET]

    def expand(library_id: int, path: frozenset[int]) -> dict[str, Any]:
        budget[0] -= 1
        node = dict(shapes[library_id])
        children = [c for c in graph.get(library_id, ()) if c not in path and c in shapes]
        node["dependencies"] = [expand(c, path | {c}) for c in children] if budget[0] > 0 else []
        return node

    roots = [r.id for r in rows if r.direct]
    return {"libraries": [expand(r, frozenset({r})) for r in roots]}


def get_project_state(call: Call, params: NoParams) -> Result:
    """What the project's last update is doing."""
    updates = project_updates(call.db, call.project.id, limit=1)
    if not updates:
        return {"projectState": {"lastProcess": "SETUP", "inProgress": False, "date": None}}
    last = updates[0]
    return {
        "projectState": {
            "lastProcess": "UPDATE",
            "inProgress": last.state in {"QUEUED", "IN_PROGRESS"},
            "date": format_timestamp(last.changed_at),
        }
    }


def get_project_last_modification(call: Call, params: NoParams) -> Result:
    """The project's recent updates, newest first, with their request tokens."""
    return {
        "projectLastModifications": [
            {
                "projectId": call.project.id,
                "projectName": call.project.name,
                "modificationType": u.channel,
                "state": u.state,
                "lastModified": format_timestamp(u.changed_at),
                "extraData": {"requestToken": u.request_token},
            }
            for u in project_updates(call.db, call.project.id, limit=20)
        ]
    }


REQUEST_TYPES = in_category(
    Category.PRODUCT_AND_PROJECT,
    [
        RequestType(
            "importProjectSbom",
            Level.PROJECT,
            ImportProjectSbom,
            import_project_sbom,
            access=Access.INTEGRATE,
            writes=True,
            alternative_levels=(Level.PRODUCT,),
            payload_fields=frozenset({"sbom"}),
            prepare=read_sbom_param,
            extension=True,
            summary="Import a CycloneDX (1.2-1.6, JSON or XML) or SPDX (2.2/2.3, JSON, YAML, "
            "XML or tag-value) document into a project: projectToken, or productToken and "
            "projectName (created when missing); sbom as a JSON object or base64 text; "
            "updateType OVERRIDE (default), APPEND or REMOVE. Answers requestToken, "
            "projectToken and message; follow the import with getRequestState.",
        ),
        RequestType(
            "getRequestState",
            Level.ORG,
            RequestStateParams,
            get_request_state,
            product_roles_may_call_org=True,
        ),
        RequestType("getProjectInventory", Level.PROJECT, InventoryParams, get_project_inventory),
        RequestType("getProjectHierarchy", Level.PROJECT, InventoryParams, get_project_hierarchy),
        RequestType("getProjectState", Level.PROJECT, NoParams, get_project_state),
        RequestType(
            "getProjectLastModification", Level.PROJECT, NoParams, get_project_last_modification
        ),
    ],
)

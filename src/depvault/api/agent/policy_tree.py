"""The shapes of the agent's policy-check answers: ResourceInfo, RequestPolicyInfo and
the PolicyCheckResourceNode tree (``org.whitesource.agent.api.model``).

Pure shaping: ``agent_policies`` decides which policy governs each library and hands the
verdicts here. The tree mirrors the dependency tree the agent sent, because the agent's
build gate walks it node by node and fails on the first ``actionType == "Reject"``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from depvault.domain.inventory import Inventory
from depvault.domain.policies import AGENT_ACTIONS, FilterType, PolicyLevel, PolicyRule

__all__ = ["MAX_NODE_DEPTH", "Describe", "policy_info", "project_node", "resource_info"]

# orjson refuses documents nested deeper than 254 levels, and every tree level costs two
# (a node, its children list), so nodes below this depth hang flat under their ancestor
# at this depth: each library is still judged and shown, only the nesting is cut.
MAX_NODE_DEPTH = 100

Node = dict[str, Any]
Describe = Callable[[str], tuple[dict[str, Any], dict[str, Any] | None]]


def resource_info(
    display_name: str,
    *,
    licenses: list[str] | None = None,
    sha1: str | None = None,
    homepage: str | None = None,
    description: str | None = None,
    vulnerabilities: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ResourceInfo with the keys CHECK_VULNERABILITIES answers; the agent's Java
    model has no nulls there, so what is unknown is empty."""
    return {
        "displayName": display_name,
        "link": homepage or "",
        "licenses": licenses or [],
        "sha1": sha1 or "",
        "homepageUrl": homepage or "",
        "description": description or "",
        "vulnerabilities": vulnerabilities or [],
    }


def policy_info(rule: PolicyRule) -> dict[str, Any]:
    """The RequestPolicyInfo of the policy that decided for a library."""
    return {
        "displayName": rule.name,
        "filterType": rule.filter["type"],
        "filterLogic": filter_logic(rule.filter),
        "actionType": AGENT_ACTIONS[rule.action_type],
        "actionLogic": "",
        "projectLevel": rule.level is PolicyLevel.PROJECT,
        "inclusive": rule.inclusive,
        "policyLevel": rule.level.value,
    }


def filter_logic(flt: Mapping[str, Any]) -> str:
    """A one-line reading of a stored filter, for the agent's log."""
    kind = FilterType(flt["type"])
    if kind is FilterType.LICENSE:
        return ", ".join(str(e.get("spdxName") or e.get("name")) for e in flt["licenses"])
    if kind is FilterType.VULNERABILITY_SEVERITY:
        measured = "" if flt.get("includeDefaulted") else " (measured)"
        return f"severity {flt['vulnerabilitySeverity']} or higher{measured}"
    if kind is FilterType.KNOWN_EXPLOITED:
        return "used by ransomware" if flt.get("ransomwareOnly") else "known exploited (CISA KEV)"
    if kind is FilterType.EPSS:
        return f"EPSS {flt['minEpss']:g} or higher"
    if kind is FilterType.VULNERABILITY_SCORE:
        return f"score {flt['minScore']:g} to {flt.get('maxScore', 10.0):g}"
    if kind is FilterType.GAV_REGEX:
        fields = ("groupId", "artifactId", "version")
        return ", ".join(f"{field}={flt[field]}" for field in fields if field in flt)
    if kind is FilterType.LIBRARY_TYPE:
        return ", ".join(flt["libraryTypes"])
    return ", ".join(str(r.get("keyUuid") or r.get("sha1")) for r in flt["resources"])


def project_node(
    name: str, inventory: Inventory, key_of_ref: Mapping[str, str], describe: Describe
) -> Node:
    """The root node of a project: its direct dependencies, each with the children the
    agent sent under it. ``describe`` gives a library's (ResourceInfo, RequestPolicyInfo
    or None) by library key. Each sent node appears once (a graph with shared or cyclic
    edges, which the agent never sends, is unfolded at the first path reaching a node)."""
    children_of: dict[str, list[str]] = defaultdict(list)
    for parent, child in inventory.edges:
        children_of[parent].append(child)
    seen: set[str] = set()

    def node(ref: str, depth: int) -> Node:
        seen.add(ref)
        if depth < MAX_NODE_DEPTH:
            children = [node(c, depth + 1) for c in children_of[ref] if c not in seen]
        else:
            children = [leaf(c) for c in _descendants(ref, children_of, seen)]
        return {**leaf(ref), "children": children}

    def leaf(ref: str) -> Node:
        resource, policy = describe(key_of_ref[ref])
        return {"resource": resource, "policy": policy, "children": []}

    direct = [node(ref, 1) for ref in inventory.direct_refs() if ref not in seen]
    return {"resource": resource_info(name), "policy": None, "children": direct}


def _descendants(ref: str, children_of: Mapping[str, list[str]], seen: set[str]) -> list[str]:
    """Everything below ``ref`` not shown yet, depth first in sent order (no recursion:
    this is the part of the tree too deep to nest)."""
    found: list[str] = []
    stack = list(reversed(children_of.get(ref, [])))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        found.append(current)
        stack.extend(reversed(children_of.get(current, [])))
    return found

"""JSON shapes shared by several categories (catalog §4), built from store values."""

from __future__ import annotations

from typing import Any

from depvault.domain.licensing.licenses import license_info
from depvault.domain.timefmt import format_vitals_time
from depvault.store.inventories.hierarchy import ProductVitals, ProjectVitals, TagSet
from depvault.store.inventories.reads import LibraryRow
from depvault.store.inventories.vitals_reads import VitalsRow
from depvault.store.organizations.people import GroupView, UserView

__all__ = [
    "group_json",
    "library_json",
    "license_json",
    "product_vitals_json",
    "project_vitals_json",
    "tag_set_json",
    "user_json",
    "vitals_item",
]


def product_vitals_json(product: ProductVitals) -> dict[str, Any]:
    """A ``productVitals`` item."""
    return {
        "id": product.id,
        "name": product.name,
        "token": product.token,
        "creationDate": format_vitals_time(product.created_at),
        "lastUpdatedDate": format_vitals_time(product.updated_at),
    }


def project_vitals_json(project: ProjectVitals) -> dict[str, Any]:
    """A ``projectVitals`` item; dates carry ``+0000`` (tools parse them with the zone)."""
    item: dict[str, Any] = {
        "id": project.id,
        "name": project.name,
        "token": project.token,
        "creationDate": format_vitals_time(project.created_at),
        "lastUpdatedDate": format_vitals_time(project.updated_at),
        "productName": project.product_name,
        "productToken": project.product_token,
    }
    if project.plugin_name:
        item["pluginName"] = project.plugin_name
    if project.uploaded_by:
        item["uploadedBy"] = project.uploaded_by
    if project.last_scan_comment:
        item["lastScanComment"] = project.last_scan_comment
    return item


def vitals_item(row: VitalsRow) -> dict[str, Any]:
    """A ``projectVitals`` item from a vitals row (dates already formatted by the
    database): the same item as :func:`project_vitals_json`, a test holds them equal."""
    pid, name, token, created, updated, product_name, product_token, plugin, by, comment = row
    item: dict[str, Any] = {
        "id": pid,
        "name": name,
        "token": token,
        "creationDate": created,
        "lastUpdatedDate": updated,
        "productName": product_name,
        "productToken": product_token,
    }
    if plugin:
        item["pluginName"] = plugin
    if by:
        item["uploadedBy"] = by
    if comment:
        item["lastScanComment"] = comment
    return item


def tag_set_json(tag_set: TagSet) -> dict[str, Any]:
    """A ``productTags`` / ``projectTags`` item: ``{"name", "token", "tags": {k: [v]}}``."""
    return {"name": tag_set.name, "token": tag_set.token, "tags": tag_set.tags}


def user_json(user: UserView) -> dict[str, Any]:
    """A user as ``getAllUsers`` and group listings show it."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "userType": "SERVICE" if user.is_service else "REGULAR",
    }


def group_json(group: GroupView, *, with_users: bool = True) -> dict[str, Any]:
    """A group as ``getAllGroups`` shows it."""
    item: dict[str, Any] = {"id": group.id, "name": group.name}
    item["description"] = group.description or ""
    if with_users:
        item["users"] = [user_json(u) for u in group.users]
    return item


def license_json(license_id: str, name: str) -> dict[str, Any]:
    """A library's license (catalog §4 License object) with its risk profile."""
    info = license_info(license_id)
    profile = info.profile
    return {
        "name": name or info.name,
        "spdxName": license_id,
        "url": info.url,
        "profileInfo": {
            "copyrightRiskScore": profile.copyright_risk_score,
            "patentRiskScore": profile.patent_risk_score,
            "copyleft": profile.copyleft,
            "linking": profile.linking,
            "royaltyFree": profile.royalty_free,
        },
        "references": [],
    }


def library_json(row: LibraryRow) -> dict[str, Any]:
    """A library (catalog §4 Library object) as inventories show it."""
    name = row.name
    version = row.version
    group_id = row.group_id
    sha1 = row.sha1
    item: dict[str, Any] = {
        "keyUuid": row.key_uuid,
        "keyId": row.id,
        "filename": row.filename,
        "name": name,
        "groupId": group_id or name,
        "artifactId": name,
        "version": version or "",
        "sha1": sha1 or "",
        "type": row.library_type,
        "languages": row.library_type,
        "coordinates": _coordinates(group_id, name, version),
        "purl": row.purl,
        "description": row.description or "",
        "references": _references_json(row.references),
        "licenses": [license_json(lid, title) for lid, title in row.licenses],
        "directDependency": row.direct,
        "matchType": "SHA1" if sha1 else "PACKAGE_URL",
    }
    if row.classifier:
        item["classifier"] = row.classifier
    if row.scope:
        item["scope"] = row.scope
    return item


def _coordinates(group_id: str | None, name: str, version: str | None) -> str:
    """``group:name:version``, leaving out the empty parts."""
    return ":".join([p for p in (group_id, name, version) if p])


def _references_json(references: dict[str, Any]) -> dict[str, Any]:
    """A library's ``references`` object from its stored pages."""
    get = references.get
    return {
        "url": get("homePage") or get("scmUrl") or "",
        "homePage": get("homePage", ""),
        "scmUrl": get("scmUrl", ""),
        "issueUrl": get("issueUrl", ""),
        "downloadLink": get("downloadUrl", ""),
        "genericPackageIndex": get("pomUrl", ""),
    }

"""JSON rows shaped as the API's own objects, for the reports clients parse.

The column layout serves xlsx, xml and pdf; clients that read the JSON of the Inventory
and Vulnerability reports expect the catalog §4 objects instead (the SDK reads
``libraries[].keyUuid`` and ``filename``, ``vulnerabilities[].library.keyUuid``,
``cvss3_score``, ``project`` and ``product``). These functions turn a source's rows into
those objects; the row's order is the report's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["inventory_objects", "vulnerability_object", "vulnerability_objects"]

_LIBRARIES_KEPT = 100_000


def inventory_objects(rows: Iterable[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """Library objects with the project that holds each. A library's own keys are built
    once and shared by its rows (the same library recurs across an organization's
    projects): on a million rows this halved the time spent building objects."""
    libraries: dict[str, dict[str, Any]] = {}
    for row in rows:
        (product, project, filename, name, group, version, kind, licenses, vulnerabilities,
         direct, depth, scope, purl, sha1, homepage, key_uuid) = row  # fmt: skip
        library = libraries.get(key_uuid)
        if library is None:
            if len(libraries) >= _LIBRARIES_KEPT:
                libraries.clear()
            library = libraries[key_uuid] = {
                "keyUuid": key_uuid,
                "filename": filename,
                "name": name,
                "groupId": group or name,
                "artifactId": name,
                "version": version,
                "type": kind,
                "sha1": sha1,
                "purl": purl,
                "licenses": [{"name": n} for n in licenses.split(", ") if n] if licenses else [],
                "numberOfVulnerabilities": vulnerabilities,
                "references": {"homePage": homepage, "url": homepage},
            }
        yield {
            **library,
            "directDependency": direct,
            "depth": depth,
            "scope": scope,
            "project": project,
            "product": product,
        }


def vulnerability_objects(rows: Iterable[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """Vulnerability objects, one per row."""
    return map(vulnerability_object, rows)


def vulnerability_object(row: Sequence[Any]) -> dict[str, Any]:
    """A Vulnerability object with the library, project and product it was found in."""
    (name, kind, severity, score, cvss3, published, filename, version, library_type, direct,
     top_fix, product, project, url, description, key_uuid, band3, source, epss, percentile,
     known, kev_added, ransomware, malicious) = row  # fmt: skip
    return {
        "name": name,
        "type": kind,
        "severity": severity,
        "score": score,
        "cvss3_severity": band3,
        "cvss3_score": cvss3,
        "publishDate": published,
        "url": url,
        "description": description,
        "topFix": {"fixResolution": top_fix} if top_fix else None,
        "library": {
            "keyUuid": key_uuid,
            "filename": filename,
            "version": version,
            "type": library_type,
        },
        "directDependency": direct,
        "project": project,
        "product": product,
        # beyond Mend's object, as in v1.4 answers (``vulnerability_shapes.signals_json``)
        "scoreSource": source,
        "epss": epss,
        "epssPercentile": percentile,
        "knownExploited": known == "Yes",
        "kevDateAdded": kev_added or None,
        "knownRansomware": ransomware == "Yes",
        "malicious": malicious == "Yes",
    }

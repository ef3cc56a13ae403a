"""Small documents the functional tests send: a CycloneDX SBOM and an agent diff."""

from __future__ import annotations

from typing import Any

__all__ = ["SMALL_DIFF", "SMALL_SBOM"]

SMALL_SBOM: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "components": [
        {
            "type": "library",
            "name": "left-pad",
            "version": "1.3.0",
            "purl": "pkg:npm/left-pad@1.3.0",
        },
        {  # a second version: MULTIPLE_LIBRARY_VERSIONS alerts without a knowledge base
            "type": "library",
            "name": "left-pad",
            "version": "1.2.0",
            "purl": "pkg:npm/left-pad@1.2.0",
        },
    ],
}
SMALL_DIFF: list[dict[str, Any]] = [
    {
        "coordinates": {"artifactId": "app"},
        "projectTags": [{"tagKey": "team", "tagValue": "core"}],
        "dependencies": [
            {
                "groupId": "junit",
                "artifactId": "junit",
                "version": "4.12",
                "dependencyType": "MAVEN",
            }
        ],
    }
]

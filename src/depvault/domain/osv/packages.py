"""Which OSV package a catalog library is (``spec/osv-matching.md``).

The store keeps the answer on every library row (``osv_ecosystem``, ``osv_name``, indexed)
so that matching and re-matching after a knowledge-base change join libraries to
advisory packages in the database instead of scanning whole ecosystems in Python.
"""

from __future__ import annotations

from depvault.domain.osv.records import normalise_name

__all__ = ["OSV_ECOSYSTEMS", "osv_package"]

# purl type → OSV ecosystem name.
OSV_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "hackage": "Hackage",
    "cran": "CRAN",
    "swift": "SwiftURL",
}


def osv_package(ecosystem: str, group: str | None, name: str) -> tuple[str, str] | None:
    """The OSV (ecosystem, package name) of a library, or None for ecosystems OSV does
    not cover. Names join as each ecosystem writes them: Maven ``group:artifact``, npm
    ``@scope/name``, Go and Packagist ``namespace/name``."""
    osv = OSV_ECOSYSTEMS.get(ecosystem)
    if osv is None:
        return None
    if not group:
        full = name
    elif ecosystem == "maven":
        full = f"{group}:{name}"
    else:
        full = f"{group}/{name}"
    return osv, normalise_name(osv, full)

"""A realistic portfolio: organizations of any size built from real package identities.

Benchmarks and tests that need many projects should see what real organizations hold:
real names and versions, libraries that repeat across projects, mostly one ecosystem per
project, dependency trees a few tens of direct dependencies wide and up to eight levels
deep, and a known share of libraries at versions that real advisories affect.

Identities come from ``shared/data`` (its README says where each file comes from):

- every component with a purl in the CycloneDX JSON SBOMs (npm, Maven, Composer), read by
  depvault's own reader and kept with their licenses, hashes and references;
- the packages of the OSV exports (PyPI, Go, crates.io) at versions the advisories name:
  ``versions[]`` entries and range events. A version counts as *affected* when a live
  (not withdrawn) advisory covers it: for PyPI the ``versions[]`` lists are the oracle;
  for Go and crates.io (SEMVER ranges, no lists) the ranges are evaluated here. Versions
  that only RustSec *informational* advisories (unmaintained, unsound) cover are used
  neither as affected nor as clean ones.

``vulnerable_fraction`` is the share of affected libraries among those of the OSV
ecosystems; the shared data holds no advisories for npm, Maven or Composer, so their
libraries are neither (``Identity.vulnerable`` is None).

The data names about 3,650 distinct libraries at the default fraction (PyPI has few clean
versions, crates.io few affected ones), so one project holds at most about 3,800 (more
fail with ValueError); bench_sbom_import.py invents versions for larger documents.

Modules: ``identities`` (the shared data's real identities), ``trees`` (projects and their
dependency trees), ``loading`` (into a store), ``cyclonedx`` (a project as an SBOM); the
command line is ``bench/make_portfolio.py``.
"""

from __future__ import annotations

from portfolio.cyclonedx import cyclonedx_document
from portfolio.identities import Identity, SharedDataMissing, catalog, shared_data
from portfolio.loading import LoadedPortfolio, load
from portfolio.trees import DIRECT_BOUNDS, build_pool, generate, tree

__all__ = [
    "DIRECT_BOUNDS",
    "Identity",
    "LoadedPortfolio",
    "SharedDataMissing",
    "build_pool",
    "catalog",
    "cyclonedx_document",
    "generate",
    "load",
    "shared_data",
    "tree",
]

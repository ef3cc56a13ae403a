"""Where the tests find real advisories and SBOMs.

A copy of the shared data set (``shared/data``: OSV exports of three ecosystems and
real SBOMs) lives in ``tests/data`` so the suite passes from a bare clone;
``DEPVAULT_SHARED_DATA`` points the tests at another copy (a newer shared folder).
"""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(os.environ.get("DEPVAULT_SHARED_DATA") or Path(__file__).resolve().parent / "data")
SBOMS = DATA / "sbom"
OSV = DATA / "osv"

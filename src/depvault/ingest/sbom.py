"""One entry for every SBOM: find what the document is, then read it.

CycloneDX (JSON, XML) and SPDX (JSON, YAML, XML, tag-value) are recognised from their
content, not from a file name; gzip-compressed documents are expanded under the
expansion limits, in an expansion slot held while the document is parsed.
"""

from __future__ import annotations

from depvault.domain.inventory import Inventory
from depvault.ingest.cyclonedx.reader import (
    read_cyclonedx_json,
    read_cyclonedx_xml,
    sniff_cyclonedx,
)
from depvault.ingest.decompress import GZIP_MAGIC, gunzip_limited
from depvault.ingest.errors import SbomError
from depvault.ingest.expansion import ExpansionLimits
from depvault.ingest.spdx.reader import read_spdx, sniff_spdx

__all__ = ["read_sbom"]


def read_sbom(data: bytes, limits: ExpansionLimits) -> Inventory:
    """The inventory of a CycloneDX or SPDX document, whatever its syntax."""
    if data.startswith(GZIP_MAGIC):
        with limits.slot():
            return _read(gunzip_limited(data, limits, "sbom"))
    return _read(data)


def _read(data: bytes) -> Inventory:
    cyclonedx = sniff_cyclonedx(data)
    if cyclonedx == "json":
        return read_cyclonedx_json(data)
    if cyclonedx == "xml":
        return read_cyclonedx_xml(data)
    spdx = sniff_spdx(data)
    if spdx is not None:
        return read_spdx(data, spdx)
    raise SbomError(
        "sbom is neither a CycloneDX (JSON, XML) nor an SPDX (JSON, YAML, XML, tag-value) document"
    )

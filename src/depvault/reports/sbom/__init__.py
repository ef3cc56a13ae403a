"""SBOM documents: the SPDX and CycloneDX emitters and what they share."""

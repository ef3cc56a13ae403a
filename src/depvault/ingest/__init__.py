"""Inventories in: SBOM readers (CycloneDX, SPDX) and the scanning agent's update, all
producing the one normalized :class:`~depvault.domain.inventory.Inventory`."""

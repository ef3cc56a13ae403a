"""SBOM exports of a project or product inventory: CycloneDX (JSON, XML) and SPDX,
streamed by depvault's own emitters (DESIGN.md: the official libraries are quadratic and
serve as the test oracles instead).

May import ``depvault.domain``, ``depvault.store`` reads and ``reports.formats``; never
``depvault.api`` or ``depvault.jobs``.
"""

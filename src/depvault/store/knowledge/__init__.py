"""The knowledge base: its reader/writer lock (``lock``), the newest-release cache
(``newest_releases``) and advisories read back as responses show them
(``vulnerability_reads``).

May import ``depvault.domain``, ``store.models`` and ``store.engine``; never
``depvault.api``, ``depvault.reports`` or ``depvault.jobs``.
"""

"""Row sources of the tabular reports, one module per report family: set-based SQL
streamed from a cursor (``core`` holds the shared streaming rules and the inventory,
vulnerability and alert rows), rows enriched a chunk at a time.

May import ``depvault.domain`` and ``depvault.store``; never ``depvault.api``,
``depvault.jobs`` or the writers in ``reports.formats``.
"""

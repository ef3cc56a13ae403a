"""Knowledge coming in: OSV records (``osv``: the import; ``osv_mirror`` and ``osv_sync``:
reading a mirror and syncing from it) and the file feeds that score and flag them
(``nvd``, ``epss``, ``kev``, sharing ``feeds``).

May import ``depvault.domain``, ``depvault.store`` and ``depvault.analysis`` (an import
re-analyses what it changed); never ``depvault.api``, ``depvault.reports`` or
``depvault.jobs``.
"""

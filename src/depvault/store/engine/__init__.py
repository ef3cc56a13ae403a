"""Storage plumbing every family uses: engines and sessions for SQLite and PostgreSQL
(``db``), bulk loading (``bulk``), long id lists (``id_lists``), package selection
(``packages``) and bringing a database to the newest schema (``migrate``).

Imports nothing of depvault but ``config``, ``errors``, ``domain`` and ``store.models``.
"""

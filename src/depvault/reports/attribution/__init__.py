"""The Attribution report (third-party notices): its values (``model``), what it reads
(``reads``), how entries are assembled (``report``) and its document formats
(``json_document``, ``documents`` for text and HTML).

May import ``depvault.domain``, ``depvault.store`` and ``reports.formats``; never
``depvault.api`` or ``depvault.jobs``.
"""

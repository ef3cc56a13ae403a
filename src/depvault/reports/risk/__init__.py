"""The Risk report: figures aggregated in the database (``reads``, ``libraries``,
``scopes``), held as frozen values (``model``) and laid out as one PDF (``pdf``);
``report`` puts them together.

May import ``depvault.domain``, ``depvault.store`` and ``reports.formats``; never
``depvault.api`` or ``depvault.jobs``.
"""

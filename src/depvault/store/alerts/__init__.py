"""Alerts: read back with their projects, libraries and advisories (``reads``), and
people changing their statuses (``status``).

May import ``depvault.domain``, ``store.models`` and ``store.engine``; never
``depvault.api``, ``depvault.reports`` or ``depvault.jobs``.
"""

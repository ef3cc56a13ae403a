"""Policies and what they open: the policies themselves and the rules loaded for
deciding (``rules``), policy issues (``issues``), approval tasks (``pending_tasks``) and
the agents' counted rejections (``plugin_checks``).

May import ``depvault.domain``, ``store.models`` and ``store.engine``; never
``depvault.api``, ``depvault.reports`` or ``depvault.jobs``.
"""

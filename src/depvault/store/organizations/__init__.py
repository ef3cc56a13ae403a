"""Organizations and people: global organizations and organizations (``orgs``), users,
groups and role assignments (``people``), who a key belongs to (``identity``), scope
tokens resolved to scope chains (``scopes``), custom attributes and the configuration
change log.

May import ``depvault.domain``, ``store.models`` and ``store.engine``; never
``depvault.api``, ``depvault.reports`` or ``depvault.jobs``.
"""

"""Inventories: products and projects (``hierarchy``), a project's inventory written in a
fixed number of statements (``writes``) and read back (``reads``, ``library_reads``,
``comparison_reads``), what an organization records about libraries (``library_marks``)
and the retention of the inventory history (``history``).

May import ``depvault.domain``, ``depvault.domain.inventory`` (the parsed inventory it
writes), ``store.models`` and ``store.engine``; never ``depvault.api``,
``depvault.reports`` or ``depvault.jobs``.
"""

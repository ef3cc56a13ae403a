"""The scanning agent's protocol (``POST /agent``, catalog §7): the endpoint, its form
body (``form``), the UPDATE request, and the checks agents run before a build ships
(``check`` for vulnerabilities, ``policies`` and ``policy_tree`` for policy compliance).

Part of the protocol layer: may import ``depvault.domain``, ``depvault.ingest``,
``depvault.store``, ``depvault.analysis`` and ``depvault.jobs``' queueing; never the
report internals.
"""

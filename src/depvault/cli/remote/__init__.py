"""The everyday commands that talk to a running server over HTTP, as any client of the
protocol would (``product``, ``project``, ``alerts``, ``report``, ``sbom``, ``user
grant``, ``status``, ``import-sbom``), with what they share: the client and its settings
(``client``), naming scopes (``scope``), tables or JSON (``output``) and waiting for an
asynchronous report (``async_report``). The commands beside this package work on the
store directly."""

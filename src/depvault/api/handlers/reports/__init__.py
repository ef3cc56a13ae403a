"""Report requests: synchronous reports (``sync``), asynchronous generation, status and
download (``asynchronous``), and the Product/Project Comparison reports (``comparison``).
Handlers reach report internals through ``reports.catalog`` and ``reports.engine``."""

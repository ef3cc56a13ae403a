"""Reports and jobs: reads about the work queued and running (``status_reads``: what
``GET /status`` and ``depvault status`` report)."""

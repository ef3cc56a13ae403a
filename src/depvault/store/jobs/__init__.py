"""Reports and jobs: report files (``report_files``: the folder or the database), and
reads about the work queued and running (``status_reads``: what ``GET /status`` and
``depvault status`` report)."""

"""Reports and jobs: report files, queues."""

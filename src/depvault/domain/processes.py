"""The lifecycle of an asynchronous process (document 003): the statuses a report
process goes through, PENDING → IN_PROGRESS → SUCCESS or FAILED. A domain value because
the jobs that move a process along and the store reads that count them share it."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ProcessStatus"]


class ProcessStatus(StrEnum):
    """The four statuses of the asynchronous document."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"

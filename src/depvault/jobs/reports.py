"""Asynchronous report processes: PENDING → IN_PROGRESS → SUCCESS or FAILED.

The ``async_processes`` row is the truth in every deployment; a worker only claims it,
renders the report outside any write transaction (a read transaction streams the
rows), packs the files into ``<uuid>.zip``, stores it (``store.jobs.report_files``: the
reports folder or the database) and records SUCCESS
with the file, or FAILED with a reason. A process interrupted by a stop or a crash is
re-queued at the next start, and failed with a reason after :data:`MAX_ATTEMPTS`
interruptions, so none stays IN_PROGRESS forever. Files are deleted when they expire.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.config import Config
from depvault.domain.access import Level
from depvault.domain.processes import ProcessStatus
from depvault.domain.scope import Ref
from depvault.domain.secrets import new_token
from depvault.domain.timefmt import format_timestamp, utcnow
from depvault.errors import DepvaultError
from depvault.jobs.fairness import has_room, orgs_at_limit, report_rank, serialize_claims
from depvault.jobs.liveness import claimed_by, gone
from depvault.reports.catalog import ReportType, report_type
from depvault.reports.engine import render_zip
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.jobs.report_files import ReportFiles, report_files
from depvault.store.models import AsyncProcess

__all__ = [
    "CONTEXT_TYPES",
    "MAX_ATTEMPTS",
    "ProcessStatus",
    "ReportWorker",
    "claim_report",
    "enqueue_report",
    "expire_reports",
    "find_process",
    "recover_reports",
]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
#: Pending processes a capped claim considers at once (some may be of busy organizations).
CLAIM_CANDIDATES = 20
CONTEXT_TYPES = {Level.ORG: "DOMAIN", Level.PRODUCT: "PRODUCT", Level.PROJECT: "PROJECT"}
_LEVELS = {value: key for key, value in CONTEXT_TYPES.items()}


def enqueue_report(
    db: Session,
    *,
    org_id: int,
    product_id: int | None,
    level: Level,
    context: Ref,
    kind: ReportType,
    fmt: str,
    options: dict[str, Any],
    user_email: str,
    body_sha1: str,
    now: datetime,
) -> AsyncProcess:
    """A PENDING process for a report, in the caller's transaction (flushed, so its
    row is complete); the caller wakes the workers after the commit."""
    row = AsyncProcess(
        uuid=str(uuid.uuid4()),
        request_token=new_token(),
        org_id=org_id,
        product_id=product_id,
        context_type=CONTEXT_TYPES[level],
        context_id=context.id,
        context_name=context.name,
        process_type=kind.process_type,
        user_email=user_email,
        message_sha1=body_sha1,
        request={"reportType": kind.name, "format": fmt, "filter": options},
        status=ProcessStatus.PENDING.value,
        attempts=0,
        created_at=now,
        modified_at=now,
    )
    db.add(row)
    db.flush()
    return row


def find_process(
    db: Session, org_id: int, process_uuid: str, products: frozenset[int] | None
) -> AsyncProcess | None:
    """A process of the organization by uuid; with ``products``, only one of theirs
    (a product role sees its own products' processes)."""
    row = db.scalar(
        select(AsyncProcess).where(
            AsyncProcess.uuid == process_uuid.strip(), AsyncProcess.org_id == org_id
        )
    )
    if row is None or (products is not None and row.product_id not in products):
        return None
    return row


def claim_report(database: Database, owner: int | None = None, max_per_org: int = 0) -> int | None:
    """The next pending process, a project's before a product's before an
    organization's, of an organization under ``max_per_org`` running jobs (0: no cap;
    ``jobs.fairness``)."""
    with database.transaction() as db:
        serialize_claims(db, max_per_org)
        query = (
            select(AsyncProcess.id, AsyncProcess.org_id)
            .where(AsyncProcess.status == ProcessStatus.PENDING.value)
            .order_by(report_rank(), AsyncProcess.id)
            .limit(1 if max_per_org <= 0 else CLAIM_CANDIDATES)
        )
        if max_per_org > 0:
            query = query.where(AsyncProcess.org_id.not_in(orgs_at_limit(max_per_org)))
        for process_id, org_id in db.execute(query.with_for_update(skip_locked=True)).all():
            if not has_room(db, org_id, max_per_org):
                continue
            db.execute(
                update(AsyncProcess)
                .where(AsyncProcess.id == process_id)
                .values(
                    status=ProcessStatus.IN_PROGRESS.value,
                    attempts=AsyncProcess.attempts + 1,
                    modified_at=utcnow(),
                    claimed_by=owner,
                )
            )
            return int(process_id)
        return None


def _scope_filter(level: Level, context_id: int) -> ProjectFilter:
    if level is Level.PROJECT:
        return ProjectFilter(project_id=context_id)
    if level is Level.PRODUCT:
        return ProjectFilter(product_id=context_id)
    return ProjectFilter(org_id=context_id)


@dataclass(frozen=True)
class _Job:
    uuid: str
    kind: ReportType
    level: Level
    context_id: int
    context_name: str
    request: dict[str, Any]
    created_at: datetime


@dataclass
class ReportWorker:
    """Renders claimed report processes into the reports folder."""

    database: Database
    config: Config
    owner: int | None = None  # this process's key (jobs.liveness)
    files: ReportFiles = field(init=False)

    def __post_init__(self) -> None:
        self.files = report_files(self.config, self.database)

    def run_once(self) -> bool:
        """Claim and render one process; False when none was pending."""
        process_id = claim_report(self.database, self.owner, self.config.max_jobs_per_org)
        if process_id is None:
            return False
        self.process(process_id)
        return True

    def process(self, process_id: int) -> None:
        """Render one claimed process and record how it ended."""
        try:
            job = self._job(process_id)
            artifact, size, rows = self._render(job)
        except Exception as exc:
            self._finish(process_id, ProcessStatus.FAILED, failure_reason=_reason(process_id, exc))
            return
        expires = utcnow() + timedelta(hours=self.config.report_retention_hours)
        self._finish(
            process_id,
            ProcessStatus.SUCCESS,
            artifact=artifact,
            artifact_bytes=size,
            rows=rows,
            expires_at=expires,
        )

    def _job(self, process_id: int) -> _Job:
        with self.database.transaction(write=False) as db:
            row = db.get_one(AsyncProcess, process_id)
            level = _LEVELS[row.context_type]
            kind = report_type(level, row.request["reportType"])
            if kind is None or not kind.spec.built:
                raise DepvaultError(f"{row.request['reportType']} cannot be generated")
            return _Job(
                row.uuid,
                kind,
                level,
                row.context_id,
                row.context_name,
                dict(row.request),
                row.created_at,
            )

    def _render(self, job: _Job) -> tuple[str, int, int]:
        spec = job.kind.spec
        options = spec.filter.model_validate(job.request.get("filter") or {})
        metadata = {
            "reportName": job.kind.name,
            "scope": job.context_name,
            "generated": format_timestamp(utcnow()),
            "requested": format_timestamp(job.created_at),
        }
        work_folder = self.files.work_folder
        with tempfile.TemporaryDirectory(prefix=f"{job.uuid}-", dir=work_folder) as work:
            partial = Path(work) / "report.zip"
            with self.database.transaction(write=False) as db:
                _, rows = render_zip(
                    db,
                    spec,
                    _scope_filter(job.level, job.context_id),
                    options,
                    job.request["format"],
                    partial,
                    (job.kind.name, job.context_name, job.context_id),
                    rows_per_file=self.config.report_rows_per_file,
                    metadata=metadata,
                )
            size = partial.stat().st_size
            artifact = f"{job.uuid}.zip"
            self.files.put(artifact, partial)  # whole or absent, never half
        return artifact, size, rows

    def _finish(self, process_id: int, status: ProcessStatus, **values: Any) -> None:
        with self.database.transaction() as db:
            db.execute(
                update(AsyncProcess)
                .where(
                    AsyncProcess.id == process_id,
                    AsyncProcess.status == ProcessStatus.IN_PROGRESS.value,
                )
                .values(status=status.value, modified_at=utcnow(), **values)
            )


def _reason(process_id: int, exc: Exception) -> str:
    if isinstance(exc, DepvaultError):
        return exc.message
    reference = secrets.token_hex(6)
    log.exception("report process %s failed, reference %s", process_id, reference)
    return f"Internal error while generating the report (reference {reference})"


def recover_reports(database: Database, owner: int | None = None) -> int:
    """Processes left IN_PROGRESS by processes that are gone (``owner`` is the calling
    process's key) go back to PENDING, or FAILED with a reason after
    :data:`MAX_ATTEMPTS` interruptions; returns how many were re-queued."""
    now = utcnow()
    with database.transaction() as db:
        abandoned = gone(
            db,
            set(
                db.scalars(
                    select(AsyncProcess.claimed_by)
                    .where(AsyncProcess.status == ProcessStatus.IN_PROGRESS.value)
                    .distinct()
                )
            ),
            owner,
        )
        if not abandoned:
            return 0
        claimed_by_gone = claimed_by(AsyncProcess.claimed_by, abandoned)
        db.execute(
            update(AsyncProcess)
            .where(
                AsyncProcess.status == ProcessStatus.IN_PROGRESS.value,
                AsyncProcess.attempts >= MAX_ATTEMPTS,
                claimed_by_gone,
            )
            .values(
                status=ProcessStatus.FAILED.value,
                failure_reason=f"The report generation was interrupted {MAX_ATTEMPTS} times",
                modified_at=now,
            )
        )
        result = db.execute(
            update(AsyncProcess)
            .where(AsyncProcess.status == ProcessStatus.IN_PROGRESS.value, claimed_by_gone)
            .values(status=ProcessStatus.PENDING.value, modified_at=now, claimed_by=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def expire_reports(database: Database, files: ReportFiles, now: datetime | None = None) -> int:
    """Delete the files of reports past their retention; returns how many."""
    now = now or utcnow()
    with database.transaction(write=False) as db:
        expired = db.execute(
            select(AsyncProcess.id, AsyncProcess.artifact).where(
                AsyncProcess.artifact.is_not(None), AsyncProcess.expires_at < now
            )
        ).all()
    # Files first, each in the store's own transaction (the database store writes too):
    # a stop in between leaves a row whose file is gone, which answers "expired" and is
    # cleared at the next pass, never a file no row names.
    for _, artifact in expired:
        if artifact:
            files.delete(artifact)
    if expired:
        with database.transaction() as db:
            db.execute(
                update(AsyncProcess)
                .where(AsyncProcess.id.in_([i for i, _ in expired]))
                .values(artifact=None)
            )
    _remove_orphans(database, files.work_folder)
    return len(expired)


def _remove_orphans(database: Database, folder: Path) -> None:
    """Work folders (``<uuid>-…``) of renders no process is running any more."""
    if not folder.exists():
        return
    work = {p.name[:36]: p for p in folder.iterdir() if p.is_dir() and len(p.name) > 36}
    if not work:
        return
    with database.transaction(write=False) as db:
        running = set(
            db.scalars(
                select(AsyncProcess.uuid).where(
                    AsyncProcess.uuid.in_(list(work)),
                    AsyncProcess.status == ProcessStatus.IN_PROGRESS.value,
                )
            )
        )
    for process_uuid, path in work.items():
        if process_uuid not in running:
            shutil.rmtree(path, ignore_errors=True)

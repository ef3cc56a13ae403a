"""The S3 report store against moto's server mode: multipart up, streamed down,
replaced, deleted by retention, and its settings."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from depvault.admin import Bootstrap
from depvault.config import Config, ConfigError
from depvault.domain.timefmt import utcnow
from depvault.jobs.reports import expire_reports
from depvault.store.engine.db import Database
from depvault.store.jobs.object_files import ObjectFiles
from depvault.store.jobs.report_files import CHUNK_BYTES, report_files
from depvault.store.models import AsyncProcess, Organization
from tests.s3_server import S3

MIB = 1024 * 1024


def test_a_file_goes_up_in_parts_and_comes_down_in_chunks(s3: S3, tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path, **s3.fields())
    files = ObjectFiles(config, tmp_path / "work", part_bytes=5 * MIB)
    content = os.urandom(11 * MIB + 12345)
    source = files.work_folder / "render.zip"
    source.write_bytes(content)
    assert not files.exists("a.zip") and list(files.chunks("a.zip")) == []
    files.put("a.zip", source)
    assert not source.exists()  # consumed
    assert files.exists("a.zip") and s3.keys() == ["reports/a.zip"]
    head = s3.client().head_object(Bucket=s3.bucket, Key="reports/a.zip")
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]  # a three-part upload
    pieces = list(files.chunks("a.zip"))
    assert b"".join(pieces) == content
    assert max(len(piece) for piece in pieces) <= CHUNK_BYTES and len(pieces) >= 12
    source.write_bytes(b"shorter")  # a recovered render replaces the first whole
    files.put("a.zip", source)
    assert b"".join(files.chunks("a.zip")) == b"shorter"
    files.delete("a.zip")
    files.delete("a.zip")  # absent: nothing happens
    assert not files.exists("a.zip") and s3.keys() == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_retention_deletes_the_objects_of_expired_reports(
    s3: S3, config: Config, database: Database, site: Bootstrap
) -> None:
    files = report_files(dataclasses.replace(config, **s3.fields()), database)
    assert isinstance(files, ObjectFiles)
    now = utcnow()
    with database.transaction() as db:
        org_id = db.scalar(select(Organization.id).where(Organization.token == site.org_token))
        for name, expires in (("old", now - timedelta(hours=1)), ("new", now + timedelta(hours=1))):
            source = files.work_folder / f"{name}.part"
            source.write_bytes(name.encode())
            files.put(f"{name}.zip", source)
            db.add(
                AsyncProcess(
                    uuid=f"{name:0>36}",
                    request_token=name,
                    org_id=org_id,
                    context_type="DOMAIN",
                    context_id=1,
                    context_name="org",
                    process_type="report",
                    user_email="a@example.com",
                    message_sha1="0" * 40,
                    request={},
                    status="SUCCESS",
                    attempts=1,
                    created_at=now,
                    modified_at=now,
                    artifact=f"{name}.zip",
                    expires_at=expires,
                )
            )
        db.flush()
    assert expire_reports(database, files, now) == 1
    assert s3.keys() == ["reports/new.zip"]
    with database.transaction(write=False) as db:
        artifacts = dict(
            db.execute(select(AsyncProcess.request_token, AsyncProcess.artifact)).all()
        )
    assert artifacts == {"old": None, "new": "new.zip"}


def test_the_s3_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DEPVAULT_REPORT_STORAGE=s3 needs DEPVAULT_S3_BUCKET"):
        Config.from_env({"DEPVAULT_REPORT_STORAGE": "s3"})
    config = Config.from_env(
        {
            "DEPVAULT_REPORT_STORAGE": "s3",
            "DEPVAULT_S3_BUCKET": "b",
            "DEPVAULT_S3_SECRET_ACCESS_KEY": "very-secret",
        }
    )
    assert config.s3_prefix == "reports/" and config.s3_secret_access_key == "very-secret"
    assert "very-secret" not in repr(config)  # never in a log or a traceback's locals

"""Report files in S3-compatible object storage (``DEPVAULT_REPORT_STORAGE=s3``): what
multi-node deployments have instead of a shared volume, and what keeps report bytes out
of the database and its backups.

boto3 is an optional dependency (``pip install 'depvault[s3]'``), imported only when
this store is chosen. A render goes up with boto3's managed transfer: read from the
work file a part at a time (a multipart upload past :data:`PART_BYTES`, parts sent in
parallel), never whole in memory; the object appears only when the upload completes,
so it is there whole or not at all. A download reads the object's body a chunk at a
time. Any S3-compatible endpoint (MinIO, Ceph, R2 …) is addressed path-style, the style
they all accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from depvault.config import Config, ConfigError

__all__ = ["PART_BYTES", "ObjectFiles"]

#: Multipart threshold and part size: S3 wants parts of at least 5 MiB (but the last).
PART_BYTES = 8 * 1024 * 1024
_CHUNK_BYTES = 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _boto3() -> Any:
    try:
        import boto3  # optional: only this store needs it
    except ImportError:  # pragma: no cover - the test extra installs it
        raise ConfigError(
            "DEPVAULT_REPORT_STORAGE=s3 needs boto3: install depvault with its s3 extra "
            "(pip install 'depvault[s3]')"
        ) from None
    return boto3


class ObjectFiles:
    """Report files as objects ``<prefix><name>`` of one bucket."""

    def __init__(self, config: Config, work_folder: Path, part_bytes: int = PART_BYTES) -> None:
        if not config.s3_bucket:
            raise ConfigError("DEPVAULT_REPORT_STORAGE=s3 needs DEPVAULT_S3_BUCKET")
        boto3 = _boto3()
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config as BotoConfig

        self.bucket = config.s3_bucket
        self.prefix = config.s3_prefix
        self._work_folder = work_folder
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.s3_endpoint_url or None,
            region_name=config.s3_region or None,
            # empty: boto3's own chain (AWS_* variables, shared files, an instance role)
            aws_access_key_id=config.s3_access_key_id or None,
            aws_secret_access_key=config.s3_secret_access_key or None,
            config=BotoConfig(
                s3={"addressing_style": "path"} if config.s3_endpoint_url else {},
                retries={"mode": "standard", "max_attempts": 5},
            ),
        )
        self._transfer = TransferConfig(
            multipart_threshold=part_bytes, multipart_chunksize=part_bytes, max_concurrency=4
        )

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def work_folder(self) -> Path:
        """A folder of this node's data directory."""
        self._work_folder.mkdir(parents=True, exist_ok=True)
        return self._work_folder

    def put(self, name: str, source: Path) -> None:
        """Upload the file (multipart past the part size), then remove ``source``."""
        self.client.upload_file(
            str(source),
            self.bucket,
            self._key(name),
            ExtraArgs={"ContentType": "application/zip"},
            Config=self._transfer,
        )
        source.unlink()

    def chunks(self, name: str) -> Iterator[bytes]:
        """The object's body, a chunk at a time (nothing when it is absent)."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except self.client.exceptions.ClientError as exc:
            if _missing(exc):
                return
            raise
        body = response["Body"]
        try:
            yield from body.iter_chunks(_CHUNK_BYTES)
        finally:
            body.close()

    def local_path(self, name: str) -> Path | None:
        """Never local."""
        return None

    def exists(self, name: str) -> bool:
        """Whether the object is stored."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except self.client.exceptions.ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def delete(self, name: str) -> None:
        """Delete the object (S3 answers the same when it is absent)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))


def _missing(exc: Any) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING

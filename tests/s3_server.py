"""S3-compatible object storage for tests: moto's server, in a thread of the test
process, on a free port of 127.0.0.1 (nothing leaves the machine)."""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "depvault-test"
SECRET_KEY = "depvault-test-secret"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3:
    """A running server and one fresh bucket on it."""

    endpoint: str
    bucket: str

    def settings(self) -> dict[str, str]:
        """The ``DEPVAULT_*`` variables of a node keeping its reports there."""
        return {
            "DEPVAULT_REPORT_STORAGE": "s3",
            "DEPVAULT_S3_ENDPOINT_URL": self.endpoint,
            "DEPVAULT_S3_BUCKET": self.bucket,
            "DEPVAULT_S3_REGION": REGION,
            "DEPVAULT_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "DEPVAULT_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def fields(self) -> dict[str, str]:
        """The same, as :class:`~depvault.config.Config` fields."""
        return {
            key.removeprefix("DEPVAULT_").lower(): value for key, value in self.settings().items()
        }

    def client(self) -> Any:
        """A client of the server, as the test's own eyes."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def keys(self) -> list[str]:
        """The keys of the bucket's objects."""
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto in server mode until the block ends; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with contextlib.redirect_stdout(io.StringIO()):
        server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def fresh_bucket(endpoint: str) -> S3:
    """A new, empty bucket of the server at ``endpoint``."""
    s3 = S3(endpoint, f"depvault-{uuid.uuid4().hex[:12]}")
    s3.client().create_bucket(Bucket=s3.bucket)
    return s3

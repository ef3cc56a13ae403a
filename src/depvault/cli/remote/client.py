"""The client side of the everyday commands: one server, its key, and calls to it.

The commands that work over HTTP (``product``, ``project``, ``alerts``, ``report``,
``sbom``, ``import-sbom``, ``user grant``, ``status``) take ``--url``, ``--user-key`` and
``--ca-file`` from their options, else the configuration (``DEPVAULT_URL``,
``DEPVAULT_USER_KEY``, or ``url`` / ``user_key`` in the config file). A server that does
not answer is one sentence saying what to do, not a urllib traceback.
"""

from __future__ import annotations

import functools
import inspect
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import typer

from depvault.cli.common import fail, load_config

__all__ = ["CA_FILE", "ORG", "URL", "USER_KEY", "Server", "client_command", "connect"]

URL = typer.Option(None, "--url", help="Server address [DEPVAULT_URL, config `url`].")
USER_KEY = typer.Option(
    None, "--user-key", help="Your user key [DEPVAULT_USER_KEY, config `user_key`]."
)
CA_FILE = typer.Option(None, "--ca-file", help="CA bundle for an HTTPS server.")
ORG = typer.Option(None, "--org", help="Organization token [DEPVAULT_ORG_TOKEN, config].")


@dataclass(frozen=True)
class Server:
    """A depvault server and the key its caller sends."""

    url: str
    user_key: str
    context: ssl.SSLContext | None = None
    timeout: float = 600  # seconds one request may take (an SBOM import parses first)

    def _open(self, request: urllib.request.Request) -> tuple[bytes, str]:
        try:
            with urllib.request.urlopen(  # noqa: S310 - the scheme is checked by connect()
                request, context=self.context, timeout=self.timeout
            ) as response:
                return response.read(), response.headers.get("content-type", "")
        except urllib.error.HTTPError as exc:
            return exc.read() or b"{}", exc.headers.get("content-type", "")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            fail(
                f"no depvault server at {self.url} ({reason}): start it with "
                "`depvault serve` or set DEPVAULT_URL (or --url)"
            )

    def get(self, path: str) -> dict[str, Any]:
        """A JSON answer of a GET endpoint (``/status``)."""
        body, _ = self._open(urllib.request.Request(f"{self.url}{path}"))  # noqa: S310
        answer: dict[str, Any] = json.loads(body)
        return answer

    def raw(self, request_type: str, **params: Any) -> tuple[bytes, str]:
        """The body and content type of one request's answer; an error envelope ends
        the command with its message."""
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked by connect()
            f"{self.url}/api/v1.3",
            data=orjson.dumps({"requestType": request_type, "userKey": self.user_key, **params}),
            headers={"content-type": "application/json"},
        )
        body, content_type = self._open(request)
        if content_type.startswith("application/json"):
            answer = json.loads(body)
            if isinstance(answer, dict) and "errorCode" in answer:
                fail(f"{request_type}: {answer.get('errorMessage')} (code {answer['errorCode']})")
        return body, content_type

    def call(self, request_type: str, **params: Any) -> dict[str, Any]:
        """One request's JSON answer."""
        body, _ = self.raw(request_type, **params)
        answer: dict[str, Any] = json.loads(body)
        return answer


def connect(
    url: str | None, user_key: str | None, ca_file: Path | None, *, key_needed: bool = True
) -> Server:
    """The server the options or the configuration name; says which on standard error."""
    config = load_config()
    address = (url or config.url).rstrip("/")
    if not address.startswith(("http://", "https://")):
        fail(f"the server address must be an http:// or https:// URL, not {address!r}")
    key = user_key or config.user_key
    if key_needed and not key:
        fail("no user key: give --user-key, set DEPVAULT_USER_KEY, or user_key in the config file")
    typer.echo(f"depvault: server {address}", err=True)
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    return Server(address, key, context)


def org_token(given: str | None) -> str:
    """The organization token from ``--org`` or the configuration."""
    token = given or load_config().org_token
    if not token:
        fail("no organization: give --org, set DEPVAULT_ORG_TOKEN, or org_token in the config")
    return token


_CONNECTION = (
    ("url", URL, str | None),
    ("user_key", USER_KEY, str | None),
    ("ca_file", CA_FILE, Path | None),
)


def client_command(func: Callable[..., None]) -> Callable[..., None]:
    """A command that talks to a server: ``func`` takes ``server`` (and, if it names
    it, ``org``, the organization token) instead of declaring ``--url``, ``--user-key``,
    ``--ca-file`` and ``--org`` itself; the options are added to the signature typer
    reads, so every client command offers them the same way."""
    signature = inspect.signature(func, eval_str=True)
    wants_org = "org" in signature.parameters
    kept = [p for p in signature.parameters.values() if p.name not in {"server", "org"}]
    extra = [(name, option, kind) for name, option, kind in _CONNECTION]
    if wants_org:
        extra.insert(0, ("org", ORG, str | None))
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, option, kind in extra
    ]

    @functools.wraps(func)
    def command(**given: Any) -> None:
        server = connect(given.pop("url"), given.pop("user_key"), given.pop("ca_file"))
        if wants_org:
            given["org"] = org_token(given.pop("org"))
        func(server=server, **given)

    command.__signature__ = signature.replace(parameters=[*kept, *added])  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in [*kept, *added]}
    del command.__wrapped__  # typer must read this signature, not func's
    return command

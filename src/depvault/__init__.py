"""depvault: a self-hosted software composition analysis server that speaks the
Mend HTTP API v1.3."""

from importlib.metadata import PackageNotFoundError, version

try:
    # one place for the version: pyproject.toml, through the installed metadata
    __version__ = version("depvault")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

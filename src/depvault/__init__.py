"""depvault: a self-hosted software composition analysis server that speaks the
Mend HTTP API v1.3."""

__version__ = "0.1.0"

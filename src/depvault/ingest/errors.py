"""Errors of the ingest channels: documents that cannot be imported.

Every one is a :class:`SbomError` whose message is safe to show the caller and says exactly
what is wrong; the subclasses let callers and tests tell the kinds apart.
"""

from depvault.errors import RequestError

__all__ = ["SbomError", "SbomSchemaError", "SbomSyntaxError", "UnsafeXml", "UnsupportedSbom"]


class SbomError(RequestError):
    """An SBOM that cannot be imported; the message says exactly why."""


class SbomSyntaxError(SbomError):
    """The bytes do not parse in the document's syntax (JSON, XML …)."""


class UnsupportedSbom(SbomError):
    """The document parses but is not of a format or version we read."""


class SbomSchemaError(SbomError):
    """The document does not follow the schema of its format and version.

    ``document`` names it (``CycloneDX 1.4 JSON``), ``path`` is where the first problem is
    (``components[12].name``, or an XML line and element path), ``reason`` what it is.
    """

    def __init__(self, document: str, path: str, reason: str) -> None:
        super().__init__(f"{document} does not follow its schema: {path}: {reason}")
        self.document = document
        self.path = path
        self.reason = reason


class UnsafeXml(SbomError):
    """An XML document using features we refuse outright (DOCTYPE, entities)."""

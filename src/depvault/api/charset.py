"""Response character sets (seed: "Character Sets").

The answer is encoded in the first charset of ``Accept-Charset`` that is one of the nine
the protocol lists, UTF-8 otherwise. JSON text is ASCII outside its strings, so a
character the charset cannot hold is written as a JSON ``\\uXXXX`` escape: the client
decodes the very same string, and the server never fails on it.
"""

from __future__ import annotations

import codecs

__all__ = ["DEFAULT_CHARSET", "SUPPORTED_CHARSETS", "encode_json_text", "negotiate_charset"]

DEFAULT_CHARSET = "utf-8"
SUPPORTED_CHARSETS = (
    "utf-8",
    "utf-16",
    "iso-8859-1",
    "iso-8859-2",
    "iso-8859-4",
    "iso-8859-5",
    "iso-8859-7",
    "iso-8859-9",
    "us-ascii",
)
_ERROR_HANDLER = "depvault-json-escape"


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start : error.end]:
        data = char.encode("utf-16-be")
        for i in range(0, len(data), 2):
            escaped.append(f"\\u{data[i]:02x}{data[i + 1]:02x}")
    return "".join(escaped), error.end


codecs.register_error(_ERROR_HANDLER, _json_escape)


def negotiate_charset(header: str | None) -> str:
    """The charset to answer in, from an ``Accept-Charset`` header.

    Entries are taken by descending ``q`` (RFC 9110), then in order; ``q=0`` excludes
    one. Unknown names and ``*`` fall through to UTF-8.
    """
    if not header:
        return DEFAULT_CHARSET
    candidates: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        candidates.append((-quality, position, name.strip().lower()))
    for negative_quality, _, name in sorted(candidates):
        if negative_quality < 0 and name in SUPPORTED_CHARSETS:
            return name
    return DEFAULT_CHARSET


def encode_json_text(text: str, charset: str) -> bytes:
    """Encode JSON text, escaping what ``charset`` cannot represent."""
    return text.encode(charset, errors=_ERROR_HANDLER)

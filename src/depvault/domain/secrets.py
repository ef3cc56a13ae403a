"""Tokens and user keys.

Every organization, product and project token and every user key is 64 characters
drawn from ``[0-9A-Za-z]`` by the operating system's CSPRNG (~381 bits): real clients
refuse keys of any other shape (``^[0-9a-zA-Z]{64}$``, client-compat.md).

Tokens are identifiers the API hands out and may be stored as they are. User keys are
secrets: only their SHA-256 digest is stored. A plain digest (not a slow password
hash) is the right tool here because the key is random and long enough that
guessing it is infeasible; a slow hash would only cost every request its latency.
Lookup is by the digest (an indexed column) and the final comparison is constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

__all__ = ["KEY_PATTERN", "digest_key", "keys_match", "new_token", "new_user_key"]

ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 64
KEY_PATTERN = re.compile(r"^[0-9A-Za-z]{64}$")


def new_token() -> str:
    """A fresh organization, product, project or request token."""
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def new_user_key() -> str:
    """A fresh user key; show it once, store only :func:`digest_key` of it."""
    return new_token()


def digest_key(key: str) -> str:
    """The stored form of a user key (hex SHA-256)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def keys_match(key: str, stored_digest: str) -> bool:
    """Whether ``key`` is the key whose digest is stored, compared in constant time."""
    return hmac.compare_digest(digest_key(key), stored_digest)

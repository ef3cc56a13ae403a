"""The full text of a license, from the ScanCode license database (``licensedcode-data``).

That database is the one license-expression's index is built from, so every SPDX id
depvault normalises to (``domain.licenses``), and every ``LicenseRef-scancode-…`` id,
has an entry; its ``.LICENSE`` files carry YAML front matter, then the text. Texts are
read lazily, one file per license asked for.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from license_expression import get_license_index  # type: ignore[import-untyped]

__all__ = ["license_text"]

SCANCODE_REF = "licenseref-scancode-"


@cache
def _keys() -> dict[str, str]:
    """Case-folded SPDX id (and LicenseRef-scancode id) → ScanCode license key."""
    keys: dict[str, str] = {}
    for entry in get_license_index():
        key = entry["license_key"]
        keys.setdefault(f"{SCANCODE_REF}{key}", key)
        for spdx in [entry.get("spdx_license_key"), *entry.get("other_spdx_license_keys", [])]:
            if spdx:
                keys.setdefault(spdx.casefold(), key)
    return keys


@cache
def license_text(license_id: str) -> str | None:
    """The text of a license by SPDX id, or None when no text is known for it."""
    key = _keys().get(license_id.casefold())
    if key is None:
        return None
    path = resources.files("licensedcode") / "data" / "licenses" / f"{key}.LICENSE"
    try:
        raw = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    if raw.startswith("---"):
        _, _, rest = raw[3:].partition("\n---")
        raw = rest.split("\n", 1)[1] if "\n" in rest else ""
    text = raw.strip("\n")
    return text or None

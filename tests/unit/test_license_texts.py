"""License texts from the ScanCode license database."""

from __future__ import annotations

from depvault.domain.licensing.texts import license_text


def test_texts_of_spdx_ids_in_any_case() -> None:
    mit = license_text("MIT")
    assert mit is not None and mit.startswith("Permission is hereby granted")
    assert license_text("mit") == mit
    gpl = license_text("GPL-2.0-only")
    assert gpl is not None and "GNU GENERAL PUBLIC LICENSE" in gpl and "---" not in gpl[:10]


def test_unknown_licenses_have_no_text() -> None:
    assert license_text("LicenseRef-depvault-our-own-terms") is None
    assert license_text("") is None

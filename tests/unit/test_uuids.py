"""Random UUIDs made in bulk are proper, distinct version-4 UUIDs."""

from __future__ import annotations

import uuid

from depvault.domain.secrets import new_uuids


def test_bulk_uuids_are_distinct_version_4_rfc_4122() -> None:
    made = new_uuids(5000)
    assert len(made) == len(set(made)) == 5000
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_no_uuids() -> None:
    assert new_uuids(0) == []

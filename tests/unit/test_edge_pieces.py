"""Pure pieces of the edge: charsets, forbidden characters, times, secrets, settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from depvault.api.charset import SUPPORTED_CHARSETS, encode_json_text, negotiate_charset
from depvault.api.validation import check_forbidden_characters
from depvault.config import Config, ConfigError
from depvault.domain.secrets import KEY_PATTERN, digest_key, keys_match, new_token
from depvault.domain.timefmt import format_vitals_time, parse_timestamp
from depvault.errors import ForbiddenCharacter


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "utf-8"),
        ("ISO-8859-1", "iso-8859-1"),
        ("utf-16;q=0.2, us-ascii;q=0.9", "us-ascii"),
        ("iso-8859-2;q=0, iso-8859-4", "iso-8859-4"),
        ("*", "utf-8"),
        ("windows-1252", "utf-8"),
        ("utf-16;q=bogus, iso-8859-9", "iso-8859-9"),
    ],
)
def test_charset_negotiation(header: str | None, expected: str) -> None:
    assert negotiate_charset(header) == expected


@given(st.text())
def test_any_text_survives_every_charset(text: str) -> None:
    document = json.dumps({"v": text}, ensure_ascii=False)
    for charset in SUPPORTED_CHARSETS:
        encoded = encode_json_text(document, charset)
        assert json.loads(encoded.decode(charset))["v"] == text


def test_forbidden_characters_are_found_at_any_depth() -> None:
    check_forbidden_characters({"a": "fine", "n": 5, "l": [{"x": "ok"}]}, frozenset())
    with pytest.raises(ForbiddenCharacter) as raised:
        check_forbidden_characters({"outer": {"list": ["ok", "50%"]}}, frozenset())
    assert raised.value.parameter == "outer.list[1]"
    check_forbidden_characters({"sbom": "<xml/>"}, frozenset({"sbom"}))


def test_vitals_times_are_gmt_with_zone() -> None:
    aware = datetime(2024, 5, 6, 9, 8, 7, tzinfo=timezone(timedelta(hours=2)))
    assert format_vitals_time(aware) == "2024-05-06 07:08:07 +0000"
    assert format_vitals_time(datetime(2024, 5, 6, 7, 8, 7)) == "2024-05-06 07:08:07 +0000"
    assert datetime.strptime(format_vitals_time(datetime.now(UTC)), "%Y-%m-%d %H:%M:%S %z")
    assert parse_timestamp("2024-01-02") == datetime(2024, 1, 2)
    with pytest.raises(ValueError, match="yyyy-MM-dd HH:mm:ss"):
        parse_timestamp("02/01/2024")


def test_tokens_and_keys() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(KEY_PATTERN.match(t) for t in tokens)
    key = new_token()
    digest = digest_key(key)
    assert key not in digest and keys_match(key, digest) and not keys_match(new_token(), digest)


def test_settings_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = Config.from_env(
        {"DEPVAULT_DATA_DIR": str(tmp_path), "DEPVAULT_PORT": "9000", "DEPVAULT_ACCESS_LOG": "on"}
    )
    assert config.port == 9000 and config.access_log is True
    assert Config.from_env({}).access_log is False  # off unless asked for
    assert config.effective_database_url.endswith("depvault.db") and config.is_sqlite
    with pytest.raises(ConfigError, match="DEPVAULT_PORT"):
        Config.from_env({"DEPVAULT_PORT": "eighty"})
    with pytest.raises(ConfigError, match="DEPVAULT_MAX_BODY_BYTES"):
        Config.from_env({"DEPVAULT_MAX_BODY_BYTES": "-1"})

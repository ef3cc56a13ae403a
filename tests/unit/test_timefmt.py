"""The protocol's date formats: the fast ``isoformat`` forms say exactly what
``strftime`` said, for naive (UTC) and aware values, microseconds dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from depvault.domain.timefmt import (
    epoch_millis,
    format_date,
    format_timestamp,
    format_vitals_time,
)

# years from 1000: strftime("%Y") does not pad shorter years on glibc
MOMENTS = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30))
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)


@given(MOMENTS)
def test_naive_values_format_as_strftime_would(value: datetime) -> None:
    assert format_date(value) == value.strftime("%Y-%m-%d")
    assert format_timestamp(value) == value.strftime("%Y-%m-%d %H:%M:%S")
    assert format_vitals_time(value) == value.strftime("%Y-%m-%d %H:%M:%S +0000")


@given(MOMENTS, OFFSETS)
def test_aware_values_are_shown_in_utc(value: datetime, zone: timezone) -> None:
    aware = value.replace(tzinfo=zone)
    utc = aware.astimezone(UTC)
    assert format_timestamp(aware) == utc.strftime("%Y-%m-%d %H:%M:%S")
    assert format_date(aware) == utc.strftime("%Y-%m-%d")


# every moment a datetime holds, microseconds included
ANY_MOMENT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


@given(ANY_MOMENT, OFFSETS)
def test_epoch_millis_is_the_timestamp_of_the_wall_time_read_as_utc(
    value: datetime, zone: timezone
) -> None:
    # the expression alert objects used for ``time`` before epoch_millis (issue 15)
    assert epoch_millis(value) == int(value.replace(tzinfo=UTC).timestamp() * 1000)
    aware = value.replace(tzinfo=zone)
    assert epoch_millis(aware) == int(aware.replace(tzinfo=UTC).timestamp() * 1000)

"""parse_timestamp and the time flags, tested as pure functions."""

import math

import pytest

from eventlayer.timestamps import format_ms, parse_timestamp, time_flags

INSTANT_MS = 1_714_564_800_123  # 2024-05-01T12:00:00.123Z
NOON_MS = 1_714_564_800_000  # 2024-05-01T12:00:00Z


@pytest.mark.parametrize(
    ("value", "expected_ms", "expected_flags"),
    [
        ("2024-05-01T12:00:00.123Z", INSTANT_MS, []),
        ("2024-05-01T14:00:00.123+02:00", INSTANT_MS, []),
        ("2024-05-01T07:30:00.123-04:30", INSTANT_MS, []),
        ("2024-05-01T14:00:00.123+0200", INSTANT_MS, []),
        ("2024-05-01T12:00:00.123", INSTANT_MS, []),
        ("2024-05-01 12:00:00.123z", INSTANT_MS, []),
        ("2024-05-01T12:00:00,123Z", INSTANT_MS, []),
        ("2024-05-01T12:00:00Z", NOON_MS, []),
        ("2024-05-01T14:00:00+02:00", NOON_MS, []),
        ("2024-05-01T12:00:00", NOON_MS, []),
        ("2024-05-01T12:00Z", NOON_MS, []),
        ("2024-05-01", NOON_MS - 12 * 3_600_000, []),
        ("2024-05-01T12:00:00.1239999Z", INSTANT_MS, []),
        ("2024-05-01T12:00:00.1Z", NOON_MS + 100, []),
        (INSTANT_MS, INSTANT_MS, []),
        (float(INSTANT_MS), INSTANT_MS, []),
        (INSTANT_MS + 0.9, INSTANT_MS, []),
        (str(INSTANT_MS), INSTANT_MS, []),
        (1_714_564_800, NOON_MS, ["seconds"]),
        (1_714_564_800.123, INSTANT_MS, ["seconds"]),
        ("1714564800.123", INSTANT_MS, ["seconds"]),
        (0, 0, ["seconds"]),
        ("1900-01-01T00:00:00Z", -2_208_988_800_000, []),
        ("2299-12-31T23:59:59.999Z", 10_413_791_999_999, []),
    ],
)
def test_parse_timestamp_valid(value, expected_ms, expected_flags):
    assert parse_timestamp(value) == (expected_ms, expected_flags)


@pytest.mark.parametrize("value", [None, ""])
def test_parse_timestamp_absent(value):
    assert parse_timestamp(value) == (None, [])


@pytest.mark.parametrize(
    ("value", "message_part"),
    [
        ("2024-02-30T00:00:00Z", "not a valid date"),
        ("2023-02-29", "not a valid date"),
        ("2024-05-01T24:00:00Z", "not a valid date"),
        ("2024-05-01T12:60:00Z", "not a valid date"),
        ("2024-05-01T12:00:00+24:00", "invalid UTC offset"),
        ("yesterday", "not a valid time"),
        ("2024-05-01T12:00:00ZZ", "not a valid time"),
        ("2024-5-1", "not a valid time"),
        (" 2024-05-01T12:00:00Z", "not a valid time"),
        ("20240501T120000Z", "not a valid time"),
        ("2024-05-01Z", "not a valid time"),
        ("0000-01-01T00:00:00Z", "not a valid date"),
        ("1899-12-31T23:59:59.999Z", "out of range"),
        ("2300-01-01T00:00:00Z", "out of range"),
        (10**30, "out of range"),
        pytest.param(10**5000, "out of range", id="int-with-5001-digits"),
        ("1e999999999", "out of range"),
        ("-1e999999999", "out of range"),
        (50_000_000_000, "out of range"),
        (math.nan, "not a valid time"),
        (math.inf, "not a valid time"),
        (True, "got a boolean"),
        ([1, 2], "got a list"),
        ({"ms": 1}, "got a map"),
        (b"2024-05-01", "got binary data"),
    ],
)
def test_parse_timestamp_invalid(value, message_part):
    with pytest.raises(ValueError) as raised:
        parse_timestamp(value, "event_starttime")
    message = str(raised.value)
    assert message.startswith("event_starttime ")
    assert message_part in message


def test_parse_timestamp_message_is_short_for_long_input():
    with pytest.raises(ValueError) as raised:
        parse_timestamp("x" * 10_000, "event_endtime")
    assert len(str(raised.value)) < 300


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (NOON_MS, []),
        (NOON_MS + 86_400_000, []),
        (NOON_MS + 86_400_001, ["starttime_future"]),
        (NOON_MS - 1_826 * 86_400_000, []),
        (NOON_MS - 1_826 * 86_400_000 - 1, ["starttime_past"]),
        (946_684_799_999, ["starttime_past"]),
    ],
)
def test_time_flags_thresholds(ms, expected):
    assert time_flags(ms, NOON_MS, "starttime") == expected


def test_time_flags_before_2000_even_when_received_then():
    received = 946_684_800_000 + 1000  # a server clock set to 2000-01-01
    assert time_flags(946_684_799_000, received, "endtime") == ["endtime_past"]


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (INSTANT_MS, "2024-05-01T12:00:00.123Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
    ],
)
def test_format_ms(ms, expected):
    assert format_ms(ms) == expected

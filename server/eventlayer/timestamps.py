"""Parsing of client timestamps into integer epoch milliseconds (UTC), with no I/O.

Clients send times as epoch numbers or ISO 8601 strings, and ``parse_timestamp`` turns either into epoch
milliseconds. ``time_flags`` then compares a clock-corrected time with the server's receive time and names what
looks wrong, because a suspicious time is stored and marked rather than rejected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from .fields import NUMBER_RE, quote as _quote, type_name

# The range of ClickHouse's DateTime64 is 1900-01-01 00:00:00 to 2299-12-31 23:59:59.999 (ClickHouse docs,
# "Date and time data types"). ClickHouse releases before mid-2026 clamp a time outside it to the boundary
# without an error, so such a time is rejected here.
MIN_MS = -2_208_988_800_000  # 1900-01-01T00:00:00Z
MAX_MS = 10_413_791_999_999  # 2299-12-31T23:59:59.999Z

# A number below this is read as epoch seconds. 1e11 ms is 1973-03-03 while 1e11 s is the year 5138, so a
# current time in either unit is never ambiguous.
SECONDS_THRESHOLD = 100_000_000_000

# Thresholds for the time flags.
FUTURE_TOLERANCE_MS = 86_400_000  # 1 day
PAST_TOLERANCE_MS = 1_826 * 86_400_000  # 5 years of 365.25 days, rounded up to whole days
EARLIEST_PLAUSIBLE_MS = 946_684_800_000  # 2000-01-01T00:00:00Z

# ISO 8601 extended format as RFC 3339 uses it, plus a date alone and a time without a zone (read as UTC).
# Python's datetime.fromisoformat is not used because what it accepts differs between Python 3.10 and 3.11.
_ISO_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def parse_timestamp(value: object, field: str = "timestamp") -> tuple[int | None, list[str]]:
    """Parse a client time into epoch milliseconds and a list of flags.

    Accepts an int or float (epoch milliseconds, or epoch seconds below 1e11, which adds the flag
    ``seconds``), a string of such a number, or an ISO 8601 string. ``None`` and ``""`` return ``(None, [])``.
    Digits below a millisecond are dropped. Raises ``ValueError`` with a message that names ``field`` when
    the value is not a valid time or is outside the range ClickHouse can store (1900-01-01 to 2299-12-31).
    """
    if value is None or value == "":
        return None, []
    if isinstance(value, bool):
        raise ValueError(f"{field} must be epoch milliseconds or an ISO 8601 string; got a boolean")
    if isinstance(value, (int, float)):
        return _from_number(value, field)
    if isinstance(value, str):
        if NUMBER_RE.fullmatch(value):
            return _from_number(Decimal(value), field)
        return _from_iso(value, field), []
    raise ValueError(
        f"{field} must be epoch milliseconds or an ISO 8601 string; got {type_name(value)}"
    )


def _from_number(value: int | float | Decimal, field: str) -> tuple[int, list[str]]:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{field} is {value!r}, which is not a valid time")
        # repr() gives the shortest decimal that reads back as this float, so 1714564800.123 s becomes
        # exactly 1714564800123 ms instead of ...122.99998.
        value = Decimal(repr(value))
    # Compare before scaling and flooring: a Decimal such as -1e999999999 would overflow when multiplied,
    # and flooring 1e999999999 would build an enormous integer.
    shown = value
    if not MIN_MS // 1000 <= value <= MAX_MS:
        _raise_out_of_range(field, shown)
    flags = []
    if value < SECONDS_THRESHOLD:
        value = value * 1000
        flags.append("seconds")
    ms = math.floor(value)
    _check_range(ms, field, shown)
    return ms, flags


def _from_iso(text: str, field: str) -> int:
    match = _ISO_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{field} is not a valid time: {_quote(text)}; expected epoch milliseconds or ISO 8601 "
            "such as 2024-05-01T12:00:00.123Z"
        )
    parts = match.groupdict()
    try:
        date = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        clock = dt.time(int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0))
    except ValueError:
        raise ValueError(f"{field} is not a valid date: {_quote(text)}") from None

    offset_minutes = _zone_minutes(parts["zone"])
    if offset_minutes is None:
        raise ValueError(f"{field} has an invalid UTC offset: {_quote(text)}")

    fraction_ms = int((parts["fraction"] or "0").ljust(3, "0")[:3])
    seconds = (
        (date.toordinal() - _EPOCH_ORDINAL) * 86_400
        + clock.hour * 3600
        + clock.minute * 60
        + clock.second
        - offset_minutes * 60
    )
    ms = seconds * 1000 + fraction_ms
    _check_range(ms, field, text)
    return ms


def _zone_minutes(zone: str | None) -> int | None:
    """Return the UTC offset in minutes (0 for no zone or ``Z``), or None when it is out of range."""
    if zone is None or zone in ("Z", "z"):
        return 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    return sign * (hours * 60 + minutes)


def _check_range(ms: int, field: str, shown: object) -> None:
    if not MIN_MS <= ms <= MAX_MS:
        _raise_out_of_range(field, shown)


def _raise_out_of_range(field: str, shown: object) -> None:
    try:
        text = _quote(str(shown))
    except ValueError:  # str() of an integer with more than 4,300 digits raises
        text = "an integer with too many digits"
    raise ValueError(f"{field} is out of range: {text}; times must fall between 1900-01-01 and 2299-12-31")


def check_corrected_range(ms: int, field: str) -> None:
    """Raise ValueError when a clock-corrected time falls outside what ClickHouse can store."""
    if not MIN_MS <= ms <= MAX_MS:
        raise ValueError(
            f"{field} is out of range after clock correction; times must fall between 1900-01-01 and 2299-12-31"
        )


def time_flags(ms: int, received_at_ms: int, prefix: str) -> list[str]:
    """Return ``<prefix>_future`` or ``<prefix>_past`` when a corrected time is implausible, else []."""
    if ms > received_at_ms + FUTURE_TOLERANCE_MS:
        return [f"{prefix}_future"]
    if ms < EARLIEST_PLAUSIBLE_MS or ms < received_at_ms - PAST_TOLERANCE_MS:
        return [f"{prefix}_past"]
    return []


def format_ms(ms: int) -> str:
    """Format epoch milliseconds as ISO 8601 UTC with milliseconds, e.g. ``2024-05-01T12:00:00.123Z``."""
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

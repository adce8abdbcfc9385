"""Live filters, with no I/O: parse a client's filter map and match stored-form events against it.

A filter is a map with any of ``event_type``, ``event_name``, ``session_id``, ``distinct_id``, ``url``,
``status`` and ``properties`` (a map of top-level property key to value). A string value matches exactly, or as
a prefix when it ends in ``*``. Every given field must match. A property filter also matches a number that
equals it as a float, a boolean written ``true`` or ``false``, and a null written ``null`` (property_matches). The same filter drives live subscriptions,
backfill and ``GET /api/events``, so events_query.py turns it into SQL with the same meaning.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

FIELDS = ("event_type", "event_name", "session_id", "distinct_id", "url", "status")
STATUSES = ("accepted", "duplicate", "rejected")
MAX_PATTERN_CHARS = 4096  # the longest stored string a filter can name is a url, limited to 4096 code points
MAX_PROPERTY_FILTERS = 20
MAX_PROPERTY_KEY_CHARS = 200  # the ingest limit on a property key

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")

# The empty map parse_properties returns for an event whose properties are not a JSON map. Shared, so never mutate it.
NO_PROPERTIES: dict = {}


class FilterError(ValueError):
    """An invalid filter; the message names the field and the expected value."""


@dataclass(frozen=True)
class Pattern:
    """One filter value: ``text`` matched exactly, or as a prefix when ``prefix`` is set. ``number`` is the
    text's value when it is a JSON number and no prefix, for comparing with numeric properties."""

    text: str
    prefix: bool = False
    number: float | None = None

    def matches(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if self.prefix:
            return value.startswith(self.text)
        return value == self.text

    def to_value(self) -> str:
        """Return the pattern in the form a client writes it."""
        return self.text + "*" if self.prefix else self.text


def parse_pattern(value: object, field: str) -> Pattern:
    """Parse a filter value; a trailing ``*`` makes it a prefix match. Numbers, booleans and null become their
    JSON text."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FilterError(f"filter {field} is {value!r}; expected a finite number or a string")
        value = json.dumps(value)
    elif value is None:
        value = "null"
    if not isinstance(value, str):
        raise FilterError(f"filter {field} must be a string; got {type(value).__name__}")
    if len(value) > MAX_PATTERN_CHARS:
        raise FilterError(f"filter {field} is {len(value):,} characters; the limit is {MAX_PATTERN_CHARS:,}")
    if value.endswith("*"):
        return Pattern(value[:-1], prefix=True)
    number = float(value) if _JSON_NUMBER.fullmatch(value) else None
    return Pattern(value, number=number if number is not None and math.isfinite(number) else None)


def property_matches(pattern: Pattern, value: object) -> bool:
    """Match one property value. A string matches as a top-level field does. Without a prefix, a number matches
    a pattern whose text is a JSON number of the same float value (so ``5`` matches 5 and 5.0), a boolean
    matches ``true`` or ``false``, and null matches ``null``. Maps and lists never match.

    Numbers compare as floats because the SQL in events_query.py must do the same: ClickHouse's JSONExtractRaw
    rewrites numbers (``1e-07`` comes back as ``1e-7``), so their text cannot be compared.
    """
    if isinstance(value, str):
        return pattern.matches(value)
    if pattern.prefix:
        return False
    if isinstance(value, bool):
        return pattern.text == ("true" if value else "false")
    if value is None:
        return pattern.text == "null"
    if isinstance(value, (int, float)) and pattern.number is not None:
        try:
            return float(value) == pattern.number
        except OverflowError:  # an integer beyond the float range
            return False
    return False


@dataclass(frozen=True)
class EventFilter:
    fields: tuple[tuple[str, Pattern], ...] = ()
    properties: tuple[tuple[str, Pattern], ...] = ()

    @property
    def needs_properties(self) -> bool:
        return bool(self.properties)

    def field(self, name: str) -> Pattern | None:
        for field_name, pattern in self.fields:
            if field_name == name:
                return pattern
        return None

    def matches(self, event: dict, properties: dict | None = None) -> bool:
        """Match one stored-form event. ``properties`` is the event's parsed properties map, which the caller
        passes when ``needs_properties`` is set, so that one parse serves every filter (see parse_properties)."""
        for name, pattern in self.fields:
            if not pattern.matches(event.get(name)):
                return False
        if self.properties:
            if properties is None:
                properties = parse_properties(event)
            for key, pattern in self.properties:
                if key not in properties or not property_matches(pattern, properties[key]):
                    return False
        return True

    def to_dict(self) -> dict:
        """Return the filter in the wire form that ``compile_filter`` accepts."""
        result: dict = {name: pattern.to_value() for name, pattern in self.fields}
        if self.properties:
            result["properties"] = {key: pattern.to_value() for key, pattern in self.properties}
        return result


def parse_properties(event: dict) -> dict:
    """Parse a stored-form event's ``properties`` JSON text; an event without a valid map gives an empty map."""
    text = event.get("properties")
    if not isinstance(text, str):
        return NO_PROPERTIES
    try:
        value = json.loads(text)
    except ValueError:
        return NO_PROPERTIES
    return value if isinstance(value, dict) else NO_PROPERTIES


def compile_filter(raw: object) -> EventFilter:
    """Check a client's filter map and return an EventFilter, or raise FilterError naming what is wrong.

    ``None`` and an empty map give a filter that matches every event of the project.
    """
    if raw is None:
        return EventFilter()
    if not isinstance(raw, dict):
        raise FilterError(f"filter must be a map; got {type(raw).__name__}")
    unknown = sorted(str(key) for key in raw if key not in FIELDS and key != "properties")
    if unknown:
        raise FilterError(f"filter field {unknown[0][:60]!r} is not known; expected any of {', '.join(FIELDS)}, properties")

    fields = []
    for name in FIELDS:
        if name in raw and raw[name] is not None:
            fields.append((name, parse_pattern(raw[name], name)))
    status = dict(fields).get("status")
    if status is not None and not any(status.matches(known) for known in STATUSES):
        raise FilterError(f"filter status {status.to_value()!r} matches no status; expected one of {', '.join(STATUSES)}")

    properties = []
    raw_properties = raw.get("properties")
    if raw_properties is not None:
        if not isinstance(raw_properties, dict):
            raise FilterError(f"filter properties must be a map of key to value; got {type(raw_properties).__name__}")
        if len(raw_properties) > MAX_PROPERTY_FILTERS:
            raise FilterError(f"filter has {len(raw_properties)} properties; the limit is {MAX_PROPERTY_FILTERS}")
        for key, value in raw_properties.items():
            if not isinstance(key, str) or not key:
                raise FilterError("filter property keys must be non-empty strings")
            if len(key) > MAX_PROPERTY_KEY_CHARS:
                raise FilterError(f"filter property key is {len(key)} characters; the limit is {MAX_PROPERTY_KEY_CHARS}")
            properties.append((key, parse_pattern(value, f"properties.{key}")))
    return EventFilter(tuple(fields), tuple(properties))

"""Live filters, with no I/O: parse a client's filter map and match stored-form events against it.

A filter is a map with any of ``event_type``, ``event_name``, ``session_id``, ``distinct_id``, ``url``,
``status`` and ``properties`` (a map of top-level property key to value). A string value matches exactly, or as
a prefix when it ends in ``*``. Every given field must match. The same filter drives live subscriptions,
backfill and ``GET /api/events``, so events_query.py turns it into SQL with the same meaning.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

FIELDS = ("event_type", "event_name", "session_id", "distinct_id", "url", "status")
STATUSES = ("accepted", "duplicate", "rejected")
MAX_PATTERN_CHARS = 4096  # the longest stored string a filter can name is a url, limited to 4096 code points
MAX_PROPERTY_FILTERS = 20
MAX_PROPERTY_KEY_CHARS = 200  # the ingest limit on a property key

# What parse_properties returns for an event whose properties are not a JSON map. Shared, so never mutate it.
NO_PROPERTIES: dict = {}


class FilterError(ValueError):
    """An invalid filter; the message names the field and the expected value."""


@dataclass(frozen=True)
class Pattern:
    """One filter value: ``text`` matched exactly, or as a prefix when ``prefix`` is set."""

    text: str
    prefix: bool = False

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
    """Parse a filter value; a trailing ``*`` makes it a prefix match. Numbers and booleans match their text form."""
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
    return Pattern(value)


def property_text(value: object) -> str | None:
    """Return the text a property filter compares with: a string as it is, a number, boolean or null as JSON.

    Maps and lists return None, so no filter matches them. The SQL in events_query.py computes the same text
    from the stored JSON, where ``JSONExtractRaw`` returns the number as json.dumps wrote it.
    """
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return None


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
                if key not in properties:
                    return False
                text = property_text(properties[key])
                if text is None or not pattern.matches(text):
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

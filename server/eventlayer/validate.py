"""Turn the raw event maps a client sends into stored rows, with no I/O.

``normalize_event`` checks one decoded event (from msgpack or JSON) against the limits and converts its times.
It adds the facts of the connection (``Context``) and returns a row keyed by ``schema.COLUMN_NAMES``, or raises
``Rejected`` with a reason for the client. ``normalize_batch`` does this for a list and keeps the good events
when some are bad. docs/events.md is the user-facing reference for every rule here.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass

import orjson

from . import fields
from .enrich import parse_user_agent
from .fields import Rejected, type_name
from .timestamps import check_corrected_range, parse_timestamp, time_flags

__all__ = ["Context", "Limits", "Rejected", "normalize_batch", "normalize_event", "parse_timestamp"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Size limits for ingest. Field limits count Unicode code points, the byte limits UTF-8 bytes."""

    max_frame_bytes: int = 1_048_576  # one WebSocket frame or HTTP body
    max_batch: int = 1000  # events in one `events` frame or HTTP batch
    max_event_bytes: int = 32_768  # one event, as compact JSON in UTF-8
    max_event_type_chars: int = 100
    max_event_name_chars: int = 200
    max_event_value_chars: int = 8192
    max_url_chars: int = 4096  # url and referrer
    max_title_chars: int = 1000
    max_id_chars: int = 200  # session_id and distinct_id
    max_user_agent_field_chars: int = 200  # user_browser and user_os sent by the client
    max_property_key_chars: int = 200  # each key in properties, and each unknown top-level key
    max_property_depth: int = 10  # nesting levels of maps and lists; the properties map is level 1

    def __post_init__(self) -> None:
        # Limits come from the configuration file, so a wrong value is reported here, at start-up.
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a positive integer; got {value!r}")

    def to_welcome(self) -> dict:
        """Return the limits a client needs, as sent in the welcome frame."""
        return {
            "max_frame_bytes": self.max_frame_bytes,
            "max_batch": self.max_batch,
            "max_event_bytes": self.max_event_bytes,
        }


@dataclass(frozen=True)
class Context:
    """The connection or request an event arrived on, and the server's clock at that moment."""

    project: str
    received_at_ms: int  # server clock
    skew_ms: int  # added to client times to correct them (server clock minus client clock)
    ip: str | None  # already resolved and anonymised by the caller (see enrich.client_ip)
    user_agent: str | None  # raw User-Agent header of the connection or request
    sdk: str  # "name/version" from hello, or "" for HTTP
    source: str  # "ws", "http" or "beacon"


# Fields the server sets itself. A client's value for one of them is checked like a property value (so the
# NUL and nesting rules hold for the whole event) and then discarded. The original design's HTTP clients send
# user_ip; the connection's address is stored in its place.
SERVER_FIELDS = frozenset(
    {"user_ip", "project", "received_at", "event_createdtime", "clock_skew_ms", "sdk", "source", "flags", "is_bot"}
)
EVENT_FIELDS = frozenset(
    {
        "event_id",
        "event_type",
        "event_name",
        "event_value",
        "event_starttime",
        "event_endtime",
        "event_lat",
        "event_lang",
        "event_lon",
        "user_browser",
        "user_os",
        "session_id",
        "distinct_id",
        "url",
        "referrer",
        "title",
        "properties",
        "manual",
    }
)

# orjson encodes about ten times faster than the json module, which matters at one call per event. It refuses
# integers beyond 64 bits, which JSON input can carry; the json module's encoders are the fallback for those.
# Built once: json.dumps with non-default options builds a new encoder on every call.
_PROPERTIES_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_SIZE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode_properties(properties: dict) -> str:
    try:
        return orjson.dumps(properties).decode()
    except orjson.JSONEncodeError:
        return _PROPERTIES_ENCODER.encode(properties)


def _encoded_size(raw: dict) -> int:
    try:
        return len(orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS))
    except orjson.JSONEncodeError:
        return len(_SIZE_ENCODER.encode(raw).encode("utf-8"))

_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def normalize_event(raw: object, ctx: Context, limits: Limits) -> dict:
    """Return the stored row for one raw event, or raise Rejected naming the first field that is invalid."""
    if not isinstance(raw, dict):
        raise Rejected("event", f"event must be a map; got {type_name(raw)}")
    flags: list[str] = []

    event_id = _event_id(raw.get("event_id"))
    event_type = fields.text(raw.get("event_type"), "event_type", limits.max_event_type_chars, required=True)
    event_name = fields.text(raw.get("event_name"), "event_name", limits.max_event_name_chars, required=True)
    event_value = fields.value_text(raw.get("event_value"), "event_value", limits.max_event_value_chars, flags)
    starttime, endtime = _times(raw, ctx, flags)
    lat = fields.coordinate(raw.get("event_lat"), "event_lat", 90, flags)
    lang = _longitude(raw, flags)

    browser = fields.text(raw.get("user_browser"), "user_browser", limits.max_user_agent_field_chars)
    os_name = fields.text(raw.get("user_os"), "user_os", limits.max_user_agent_field_chars)
    parsed_browser, parsed_os, is_bot = parse_user_agent(ctx.user_agent)

    session_id = fields.text(raw.get("session_id"), "session_id", limits.max_id_chars, allow_int=True)
    distinct_id = fields.text(raw.get("distinct_id"), "distinct_id", limits.max_id_chars, allow_int=True)
    url = fields.text(raw.get("url"), "url", limits.max_url_chars)
    referrer = fields.text(raw.get("referrer"), "referrer", limits.max_url_chars)
    title = fields.text(raw.get("title"), "title", limits.max_title_chars)
    manual = fields.boolean(raw.get("manual"), "manual")

    properties = _properties(raw, limits, flags)
    _check_event_size(raw, limits)

    return {
        "project": ctx.project,
        "event_id": event_id,
        "event_type": event_type,
        "event_name": event_name,
        "event_value": event_value,
        "event_starttime": starttime,
        "event_endtime": endtime,
        "event_lat": lat,
        "event_lang": lang,
        "user_browser": browser or parsed_browser,
        "user_os": os_name or parsed_os,
        "user_ip": ctx.ip or "",
        "is_bot": is_bot,
        "session_id": session_id,
        "distinct_id": distinct_id,
        "url": url,
        "referrer": referrer,
        "title": title,
        "properties": _encode_properties(properties),
        "manual": manual,
        "source": ctx.source,
        "sdk": ctx.sdk,
        "flags": flags,
        "clock_skew_ms": ctx.skew_ms,
        "received_at": ctx.received_at_ms,
        "event_createdtime": ctx.received_at_ms,
    }


def normalize_batch(raw_events: object, ctx: Context, limits: Limits) -> tuple[list[dict], list[dict]]:
    """Return ``(rows, rejected)`` for a list of raw events.

    ``rejected`` contains ``{"i": index, "event_id": str | None, "reason": str}`` for each bad event, and a bad
    event never stops the others. Raises Rejected (field ``events``) when ``raw_events`` is not a list or
    has more than ``limits.max_batch`` events; the caller then sends an error frame or HTTP 400.
    """
    if not isinstance(raw_events, (list, tuple)):
        raise Rejected("events", f"events must be a list; got {type_name(raw_events)}")
    if len(raw_events) > limits.max_batch:
        raise Rejected("events", f"the batch has {len(raw_events):,} events; the limit is {limits.max_batch:,}")

    rows: list[dict] = []
    rejected: list[dict] = []
    for index, raw in enumerate(raw_events):
        try:
            rows.append(normalize_event(raw, ctx, limits))
        except Rejected as error:
            rejected.append({"i": index, "event_id": _peek_event_id(raw), "reason": error.reason})
        except Exception:
            # A bug in validation must cost one event, not the batch. The client gets a generic reason because
            # internal details never go into a message sent to it; the log has the traceback.
            logger.exception("validation failed unexpectedly for event %d of project %s", index, ctx.project)
            rejected.append(
                {"i": index, "event_id": _peek_event_id(raw), "reason": "the server failed to validate this event"}
            )
    return rows, rejected


def _event_id(value: object) -> str:
    """Return the canonical lowercase form of a client's event_id, or a new uuid4 when there is none."""
    if value is None or value == "":
        return str(uuid.uuid4())
    if not isinstance(value, str):
        raise Rejected("event_id", f"event_id must be a UUID string; got {type_name(value)}")
    if not _UUID_RE.fullmatch(value):
        raise Rejected(
            "event_id",
            f"event_id is not a valid UUID: {fields.quote(value)}; "
            "expected 32 hex digits in the form 8-4-4-4-12, e.g. 0b7e4c1e-5a1f-4c3e-9d2a-6f1b2c3d4e5f",
        )
    return value.lower()


def _peek_event_id(raw: object) -> str | None:
    """Return a raw event's event_id in canonical form for a rejection entry, or None when it has no valid one."""
    if isinstance(raw, dict):
        value = raw.get("event_id")
        if isinstance(value, str) and _UUID_RE.fullmatch(value):
            return value.lower()
    return None


def _times(raw: dict, ctx: Context, flags: list[str]) -> tuple[int, int | None]:
    """Return the clock-corrected start and end time; a missing start time is the receive time."""
    starttime = _client_time(raw.get("event_starttime"), "event_starttime", "starttime", ctx, flags)
    if starttime is None:
        starttime = ctx.received_at_ms
    endtime = _client_time(raw.get("event_endtime"), "event_endtime", "endtime", ctx, flags)
    if endtime is not None and endtime < starttime:
        flags.append("endtime_before_start")
    return starttime, endtime


def _client_time(value: object, field: str, flag_prefix: str, ctx: Context, flags: list[str]) -> int | None:
    if isinstance(value, str):
        fields.check_string(value, field)
    try:
        ms, parse_flags = parse_timestamp(value, field)
        if ms is None:
            return None
        ms += ctx.skew_ms
        check_corrected_range(ms, field)
    except ValueError as error:
        raise Rejected(field, str(error)) from None
    flags.extend(f"{flag_prefix}_{flag}" for flag in parse_flags)
    flags.extend(time_flags(ms, ctx.received_at_ms, flag_prefix))
    return ms


def _longitude(raw: dict, flags: list[str]) -> float | None:
    """Read event_lang, or its alias event_lon; both may be sent only when they are equal."""
    lang = fields.coordinate(raw.get("event_lang"), "event_lang", 180, flags)
    lon_value = raw.get("event_lon")
    if lon_value is None or lon_value == "":
        return lang
    lon = fields.coordinate(lon_value, "event_lon", 180, flags)
    lang_sent = raw.get("event_lang") not in (None, "")
    if lang_sent and lon != lang:
        raise Rejected(
            "event_lon", "event_lon and event_lang are both set and differ; send one (event_lon is an alias)"
        )
    return lon


def _properties(raw: dict, limits: Limits, flags: list[str]) -> dict:
    """Check the properties map and the unknown top-level keys, and return the map to store.

    An unknown top-level key is stored in properties unless properties already has that key. In that case
    the top-level value is dropped and the event gets the flag ``dropped_field:<key>``.
    """
    value = raw.get("properties")
    if value is None:
        properties: dict = {}
    elif isinstance(value, dict):
        properties = fields.clean_value(
            value, "properties", 1, limits.max_property_depth, limits.max_property_key_chars, flags
        )
    else:
        raise Rejected("properties", f"properties must be a map; got {type_name(value)}")

    explicit_keys = set(properties)
    for key, item in raw.items():
        if key in EVENT_FIELDS:
            continue
        path = fields.check_key(key, "", limits.max_property_key_chars)
        # The value would sit inside properties, at level 2.
        cleaned = fields.clean_value(
            item, path, 2, limits.max_property_depth, limits.max_property_key_chars, flags
        )
        if key in SERVER_FIELDS:
            continue
        if key in explicit_keys:
            flags.append(f"dropped_field:{path}")
        else:
            properties[key] = cleaned
    return properties


def _check_event_size(raw: dict, limits: Limits) -> None:
    # Every value has passed the type and nesting checks by now, so the encoding cannot fail or recurse
    # deeply. A non-finite float counts as its JSON token (NaN is 3 bytes, Infinity 8), close to the 4 bytes
    # of the null stored in its place.
    size = _encoded_size(raw)
    if size > limits.max_event_bytes:
        raise Rejected("event", f"event is {size:,} bytes; the limit is {limits.max_event_bytes:,}")

"""Reading stored events: one query, shared by ``GET /api/events`` and live backfill.

Events come newest first, ordered by ``(received_at DESC, event_id DESC)`` where event_id compares as its
canonical lowercase text, so Python code that merges stored rows with live ones sorts them the same way. A
cursor names the last event of a page. The next page starts strictly after it, so paging returns each stored
event once even while new events arrive. Every value is bound as a query parameter. Column names in the SQL
come only from live_filter.FIELDS and schema.COLUMN_NAMES.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from dataclasses import dataclass, replace

from eventlayer import schema
from eventlayer.live_filter import FIELDS, EventFilter, Pattern
from eventlayer.storage.clickhouse import READ_SETTINGS

# Filter fields stored as columns. ``status`` is not stored: every stored event was accepted.
COLUMN_FILTERS = frozenset(FIELDS) - {"status"}

_CURSOR_RE = re.compile(r"(-?\d{1,16}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


class CursorError(ValueError):
    """A cursor that this server did not produce."""


@dataclass(frozen=True)
class Cursor:
    """The last event of a page: its receive time in epoch ms and its event_id."""

    received_at: int
    event_id: str

    def encode(self) -> str:
        text = f"{self.received_at}:{self.event_id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise CursorError("cursor is not valid; pass the next_cursor value of the previous page unchanged") from None
        match = _CURSOR_RE.fullmatch(text)
        if match is None:
            raise CursorError("cursor is not valid; pass the next_cursor value of the previous page unchanged")
        return cls(int(match.group(1)), match.group(2))


@dataclass(frozen=True)
class EventsQuery:
    """A read of a project's events that match ``event_filter``, in an optional received_at range."""

    project: str
    event_filter: EventFilter
    limit: int
    cursor: Cursor | None = None
    since_ms: int | None = None  # inclusive
    until_ms: int | None = None  # exclusive


def _select_list() -> str:
    """Return the SELECT list: each column under its own name, times as epoch ms and event_id as text.

    The converted columns get other aliases (``_q_<name>``) because ClickHouse lets an alias shadow a column of
    the same name in WHERE and ORDER BY, which would compare epoch-ms integers with DateTime64 values.
    """
    parts = []
    for name in schema.COLUMN_NAMES:
        if name in schema.TIME_COLUMNS:
            parts.append(f"toUnixTimestamp64Milli({name}) AS _q_{name}")
        elif name == "event_id":
            parts.append("toString(event_id) AS _q_event_id")
        else:
            parts.append(name)
    return ", ".join(parts)


_SELECT_LIST = _select_list()


def matches_nothing(event_filter: EventFilter) -> bool:
    """Return True when the filter's status excludes ``accepted``, the only status a stored event has."""
    status = event_filter.field("status")
    return status is not None and not status.matches("accepted")


def build_sql(query: EventsQuery) -> tuple[str, dict]:
    """Return the SQL and parameters that read one page (``limit`` rows) of ``query``."""
    conditions = ["project = {project:String}"]
    parameters: dict = {"project": query.project}

    for index, (name, pattern) in enumerate(query.event_filter.fields):
        if name not in COLUMN_FILTERS:
            continue
        parameter = f"f{index}"
        parameters[parameter] = pattern.text
        if pattern.prefix:
            conditions.append(f"startsWith({name}, {{{parameter}:String}})")
        else:
            conditions.append(f"{name} = {{{parameter}:String}}")

    for index, (key, pattern) in enumerate(query.event_filter.properties):
        conditions.append(_property_condition(index, key, pattern, parameters))

    if query.since_ms is not None:
        parameters["since"] = query.since_ms
        conditions.append("received_at >= fromUnixTimestamp64Milli({since:Int64})")
    if query.until_ms is not None:
        parameters["until"] = query.until_ms
        conditions.append("received_at < fromUnixTimestamp64Milli({until:Int64})")
    if query.cursor is not None:
        parameters["cursor_ms"] = query.cursor.received_at
        parameters["cursor_id"] = query.cursor.event_id
        # The first condition repeats the tuple's bound on received_at so ClickHouse can skip older parts.
        conditions.append("received_at <= fromUnixTimestamp64Milli({cursor_ms:Int64})")
        conditions.append("(received_at, toString(event_id)) < (fromUnixTimestamp64Milli({cursor_ms:Int64}), {cursor_id:String})")

    parameters["limit"] = query.limit
    sql = (
        f"SELECT {_SELECT_LIST} FROM {schema.DATABASE}.{schema.TABLE} "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY received_at DESC, _q_event_id DESC "
        "LIMIT {limit:UInt64}"
    )
    return sql, parameters


def _property_condition(index: int, key: str, pattern: Pattern, parameters: dict) -> str:
    """Return the SQL for one property filter, with the meaning of live_filter.property_matches."""
    key_ref = f"{{pk{index}:String}}"
    parameters[f"pk{index}"] = key
    parameters[f"pv{index}"] = pattern.text
    kind = f"JSONType(properties, {key_ref})"
    string_value = f"JSONExtractString(properties, {key_ref})"
    if pattern.prefix:
        return f"({kind} = 'String' AND startsWith({string_value}, {{pv{index}:String}}))"

    branches = [f"({kind} = 'String' AND {string_value} = {{pv{index}:String}})"]
    if pattern.number is not None:
        parameters[f"pn{index}"] = pattern.number
        branches.append(f"({kind} IN ('Int64', 'UInt64', 'Double') AND JSONExtractFloat(properties, {key_ref}) = {{pn{index}:Float64}})")
    if pattern.text in ("true", "false"):
        branches.append(f"({kind} = 'Bool' AND JSONExtractBool(properties, {key_ref}) = {int(pattern.text == 'true')})")
    if pattern.text == "null":
        # JSONType also returns 'Null' for a missing key.
        branches.append(f"({kind} = 'Null' AND JSONHas(properties, {key_ref}))")
    return "(" + " OR ".join(branches) + ")"


def to_event(row: dict) -> dict:
    """Convert a result row of build_sql's query to a stored-form event (schema.COLUMN_NAMES, epoch-ms times)."""
    event = {}
    for name in schema.COLUMN_NAMES:
        if name in schema.TIME_COLUMNS or name == "event_id":
            event[name] = row[f"_q_{name}"]
        else:
            event[name] = row[name]
    event["flags"] = list(event["flags"])
    return event


def read_page(storage, query: EventsQuery) -> tuple[list[dict], Cursor | None]:
    """Read one page; blocking, so call it in a worker thread. Returns the events (newest first) and the cursor
    of the next page, or None when this page is the last."""
    if matches_nothing(query.event_filter):
        return [], None
    # Reading one row more than the page shows whether another page exists, without a second query.
    sql, parameters = build_sql(replace(query, limit=query.limit + 1))
    events = [to_event(row) for row in storage.query(sql, parameters, READ_SETTINGS)]
    if len(events) <= query.limit:
        return events, None
    events = events[: query.limit]
    last = events[-1]
    return events, Cursor(last["received_at"], last["event_id"])


async def load_recent(storage, project: str, event_filter: EventFilter, limit: int) -> list[dict]:
    """Return the newest ``limit`` stored events of ``project`` that match, oldest first (live backfill)."""
    events, _ = await asyncio.to_thread(read_page, storage, EventsQuery(project, event_filter, limit))
    events.reverse()
    return events


def sort_key(event: dict) -> tuple[int, str]:
    """Return the order key of build_sql's ORDER BY, for merging stored events with live ones in Python."""
    return event.get("received_at") or 0, event.get("event_id") or ""


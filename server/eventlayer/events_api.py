"""``GET /api/events``: a project's stored events, newest first, with live filters, a time range and a cursor.

Query parameters (docs/live.md has examples):

- ``key``, or the ``X-EventLayer-Key`` header: the project's read key;
- ``event_type``, ``event_name``, ``session_id``, ``distinct_id``, ``url``, ``status``: as in a live filter, exact
  or a prefix when the value ends in ``*``;
- ``prop.<key>=<value>``: a property filter, repeatable with different keys;
- ``since`` (inclusive) and ``until`` (exclusive): bounds on ``received_at``, epoch ms or ISO 8601;
- ``limit``: events per page, 1 to 1000, default 100;
- ``cursor``: the ``next_cursor`` of the previous page.

The body is ``{"events": [...], "next_cursor": "..." | null}``. Events are in stored form, as in live frames.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from eventlayer.events_query import Cursor, CursorError, EventsQuery, read_page
from eventlayer.http_ingest import error, request_key
from eventlayer.live_filter import FIELDS, FilterError, compile_filter
from eventlayer.storage import StorageError
from eventlayer.timestamps import parse_timestamp

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
PROPERTY_PREFIX = "prop."
_OTHER_PARAMETERS = ("key", "limit", "cursor", "since", "until")


class InvalidRequest(ValueError):
    pass


def parse_query(params, project: str) -> EventsQuery:
    """Build an EventsQuery from the request's query parameters, or raise InvalidRequest naming the parameter."""
    raw_filter: dict = {}
    properties: dict = {}
    for name, value in params.multi_items():
        if name in FIELDS:
            if name in raw_filter:
                raise InvalidRequest(f"parameter {name} is given twice; give each filter field once")
            raw_filter[name] = value
        elif name.startswith(PROPERTY_PREFIX):
            key = name[len(PROPERTY_PREFIX) :]
            if key in properties:
                raise InvalidRequest(f"parameter {name[:80]} is given twice; give each property filter once")
            properties[key] = value
        elif name not in _OTHER_PARAMETERS:
            allowed = ", ".join((*FIELDS, "prop.<key>", *_OTHER_PARAMETERS))
            raise InvalidRequest(f"parameter {name[:80]!r} is not known; expected any of {allowed}")
    if properties:
        raw_filter["properties"] = properties
    try:
        event_filter = compile_filter(raw_filter)
    except FilterError as failure:
        raise InvalidRequest(str(failure)) from None

    limit_text = params.get("limit")
    limit = DEFAULT_LIMIT
    if limit_text is not None:
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
            raise InvalidRequest(f"limit is {limit_text[:40]!r}; expected an integer from 1 to {MAX_LIMIT}")
        limit = int(limit_text)

    cursor = None
    if params.get("cursor"):
        try:
            cursor = Cursor.decode(params["cursor"])
        except CursorError as failure:
            raise InvalidRequest(str(failure)) from None

    return EventsQuery(project, event_filter, limit, cursor, _time(params, "since"), _time(params, "until"))


def _time(params, name: str) -> int | None:
    try:
        ms, _ = parse_timestamp(params.get(name), name)
    except ValueError as failure:
        raise InvalidRequest(str(failure)) from None
    return ms


async def list_events(request: Request) -> JSONResponse:
    server = request.app.state.eventlayer
    credential = server.registry.authenticate(request_key(request))
    if credential is None or not credential.can_read:
        return error(401, "this needs the project's read key in the X-EventLayer-Key header or the key query parameter")
    try:
        query = parse_query(request.query_params, credential.project.name)
    except InvalidRequest as invalid:
        return error(400, str(invalid))
    try:
        events, next_cursor = await asyncio.to_thread(read_page, server.storage, query)
    except StorageError as failure:
        logger.error("GET /api/events failed for project %s: %s", query.project, failure)
        return error(503, "the event store did not answer; retry later")
    return JSONResponse({"events": events, "next_cursor": next_cursor.encode() if next_cursor else None})

"""``POST /api/sql``: read-only SQL against the store, for operators and for ``eventlayer sql``.

Only the default project's read key may use it, because a SQL query can read every project's rows. Queries run
on a session with ClickHouse's ``readonly=1`` and ``max_execution_time`` settings (storage.query_untrusted), so
they cannot change data, reach files or URLs through table functions, or run forever.
An embedded chDB directory can be opened by one process only; this endpoint is how other processes read it
while the server runs.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse

from eventlayer.http_ingest import BodyTooLarge, error, read_body, request_key
from eventlayer.storage import StorageError

MAX_SQL_BYTES = 64 * 1024


def to_json_value(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z") if value.tzinfo is None else value.isoformat(timespec="milliseconds")
    if isinstance(value, (uuid.UUID, datetime.date)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


async def run_sql(request: Request) -> JSONResponse:
    server = request.app.state.eventlayer
    credential = server.registry.authenticate(request_key(request))
    if credential is None or not credential.can_read or credential.project is not server.registry.default:
        return error(401, "SQL needs the default project's read key in the X-EventLayer-Key header")
    try:
        body = await read_body(request, MAX_SQL_BYTES)
    except BodyTooLarge as too_large:
        return error(413, str(too_large))
    text = body.decode("utf-8", "replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            text = json.loads(text)["sql"]
        except (ValueError, KeyError, TypeError):
            return error(400, 'expected a JSON body {"sql": "SELECT ..."}')
    try:
        rows = await asyncio.to_thread(server.storage.query_untrusted, text)
    except StorageError as failure:
        # ClickHouse's message names the syntax error or missing column; it carries no server internals.
        return error(400, str(failure))
    return JSONResponse({"rows": [to_json_value(row) for row in rows]})

"""The original design, reproduced as a baseline: one HTTP request and one single-row INSERT per event.

``POST /api/events/log`` takes the original JSON object and inserts it at once into a MergeTree table
``event_manager`` in the same chDB engine the product uses, answering ``{"status": "success"}`` after the insert.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

import clickhouse_connect
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

COLUMNS = [
    "event_id", "event_type", "event_name", "event_value", "event_starttime", "event_endtime",
    "event_lat", "event_lang", "user_browser", "user_os", "user_ip", "event_createdtime",
]


def create_app(data_dir: Path) -> Starlette:
    client = clickhouse_connect.get_client(dsn=f"chdb://{(data_dir / 'clickhouse').resolve()}")
    client.command("CREATE DATABASE IF NOT EXISTS baseline")
    client.command(
        """CREATE TABLE IF NOT EXISTS baseline.event_manager (
            event_id UUID, event_type String, event_name String, event_value String,
            event_starttime DateTime64(3, 'UTC'), event_endtime DateTime64(3, 'UTC'),
            event_lat Float64, event_lang Float64, user_browser String, user_os String, user_ip String,
            event_createdtime DateTime64(3, 'UTC')
        ) ENGINE = MergeTree ORDER BY event_createdtime"""
    )
    lock = threading.Lock()

    def insert(row: list) -> None:
        with lock:
            client.insert("baseline.event_manager", [row], column_names=COLUMNS)

    def parse_time(value) -> datetime:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else datetime.now(timezone.utc)

    async def log_event(request: Request) -> JSONResponse:
        body = await request.json()
        row = [
            uuid.uuid4(), body.get("event_type", ""), body.get("event_name", ""), str(body.get("event_value", "")),
            parse_time(body.get("event_starttime")), parse_time(body.get("event_endtime")),
            float(body.get("event_lat") or 0), float(body.get("event_lang") or 0),
            body.get("user_browser", ""), body.get("user_os", ""), request.client.host, datetime.now(timezone.utc),
        ]
        await asyncio.to_thread(insert, row)
        return JSONResponse({"status": "success", "message": "Event logged successfully"})

    async def healthz(request):
        return PlainTextResponse("ok")

    async def count(request):
        with lock:
            total = client.query("SELECT count() FROM baseline.event_manager").result_rows[0][0]
        return JSONResponse({"count": total})

    return Starlette(routes=[Route("/api/events/log", log_event, methods=["POST"]), Route("/healthz", healthz), Route("/count", count)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(Path(args.data)), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

"""The machine's limits, measured in the same run as the product: msgpack decoding and chDB insert rates.

    python -m bench.limits --data /tmp/limits

Prints one JSON line. The insert rates use a fresh chDB directory and the product's own table and rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
import uuid
from pathlib import Path

import msgpack

from eventlayer import schema

BATCH_ROWS = 10_000


def sample_row(number: int, now: int) -> dict:
    return {
        "project": "default", "event_id": str(uuid.uuid4()), "event_type": "bench", "event_name": f"load {number % 10}",
        "event_value": str(number), "event_starttime": now, "event_endtime": None, "event_lat": None, "event_lang": None,
        "user_browser": "Chrome 120", "user_os": "Linux", "user_ip": "127.0.0.0", "is_bot": False, "session_id": "s1",
        "distinct_id": "d1", "url": "http://127.0.0.1/", "referrer": "", "title": "Bench", "properties": '{"plan":"pro"}',
        "manual": False, "source": "ws", "sdk": "bench/1", "flags": [], "clock_skew_ms": 0, "received_at": now, "event_createdtime": now,
    }


def msgpack_decode_rate(seconds: float = 2.0) -> float:
    """Events per second that msgpack decodes from 100-event frames like the load generators send."""
    now = time.time_ns() // 1_000_000
    events = [{"event_id": str(uuid.uuid4()), "event_type": "bench", "event_name": f"load {i % 10}", "event_value": str(i), "event_starttime": now} for i in range(100)]
    frame = msgpack.packb({"t": "events", "seq": 1, "events": events, "sent_at": now})
    decoded = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        msgpack.unpackb(frame, raw=False)
        decoded += 100
    return decoded / (time.perf_counter() - started)


def batches(count: int) -> list[list[dict]]:
    now = time.time_ns() // 1_000_000
    return [[sample_row(i, now) for i in range(BATCH_ROWS)] for _ in range(count)]


def clickhouse_connect_rate(directory: Path, rounds: int = 5) -> float:
    """Rows per second inserted at the writer's batch size through clickhouse-connect's chDB backend."""
    from eventlayer.storage.clickhouse import ClickHouseStorage

    storage = ClickHouseStorage(f"chdb://{directory.resolve()}")
    storage.open()
    data = batches(rounds + 1)
    storage.insert(data[0], uuid.uuid4().hex)  # the first insert pays one-time costs
    started = time.perf_counter()
    for rows in data[1:]:
        storage.insert(rows, uuid.uuid4().hex)
    rate = rounds * BATCH_ROWS / (time.perf_counter() - started)
    storage.close()
    return rate


def chdb_arrow_rate(directory: Path, rounds: int = 5) -> float:
    """Rows per second through chDB's own API: a pyarrow table read by the Python() table function."""
    import chdb
    import pyarrow as pa

    connection = chdb.connect(str(directory.resolve()))
    for statement in schema.create_statements():
        connection.query(statement)
    data = batches(rounds + 1)

    def insert(rows: list[dict]) -> None:
        columns = {name: [row[name] for row in rows] for name in schema.COLUMN_NAMES}
        for name in schema.TIME_COLUMNS:
            columns[name] = pa.array(columns[name], pa.timestamp("ms", tz="UTC"))
        columns["flags"] = pa.array(columns["flags"], pa.list_(pa.string()))
        table = pa.table(columns)  # noqa: F841 - read by name by the Python() table function
        connection.query(f"INSERT INTO {schema.DATABASE}.{schema.TABLE} SELECT * FROM Python(table)")

    insert(data[0])
    started = time.perf_counter()
    for rows in data[1:]:
        insert(rows)
    rate = rounds * BATCH_ROWS / (time.perf_counter() - started)
    connection.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="scratch directory, emptied first")
    parser.add_argument("--mode", choices=["msgpack", "clickhouse-connect", "chdb-arrow"], required=True)
    args = parser.parse_args()
    directory = Path(args.data)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    if args.mode == "msgpack":
        result = {"msgpack_events_per_second": round(msgpack_decode_rate())}
    elif args.mode == "clickhouse-connect":
        result = {"clickhouse_connect_rows_per_second": round(clickhouse_connect_rate(directory / "clickhouse"))}
    else:
        result = {"chdb_arrow_rows_per_second": round(chdb_arrow_rate(directory / "clickhouse"))}
    print(json.dumps(result))


if __name__ == "__main__":
    main()

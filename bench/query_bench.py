"""Query benchmark: count by event name over the last day, with millions of events stored.

    python -m bench.query_bench --prepare --data /tmp/query-data --rows 10000000

``--prepare`` fills a fresh data directory through chDB directly (ClickHouse generates the rows with
``numbers()``: 30 days of events, 50 event names, 2 projects), so it must run while no server holds the directory.
The timing itself (bench/run.py) goes through a running server's ``POST /api/sql``, as a user's query would.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from eventlayer import schema

QUERY = (
    "SELECT event_name, count() AS events FROM eventlayer.event_manager "
    "WHERE project = 'default' AND received_at >= now64(3) - INTERVAL 1 DAY "
    "GROUP BY event_name ORDER BY events DESC"
)


def prepare(directory: Path, rows: int) -> float:
    import clickhouse_connect

    shutil.rmtree(directory, ignore_errors=True)
    client = clickhouse_connect.get_client(dsn=f"chdb://{(directory / 'clickhouse').resolve()}")
    for statement in schema.create_statements():
        client.command(statement)
    started = time.perf_counter()
    # Spread over 30 days ending now, so the last day holds about 1/30 of the rows.
    client.command(
        f"""INSERT INTO {schema.DATABASE}.{schema.TABLE}
            (project, event_id, event_type, event_name, event_value, event_starttime, user_browser, user_os, user_ip,
             session_id, distinct_id, url, properties, source, received_at, event_createdtime)
        SELECT
            if(number % 10 = 0, 'other', 'default'), generateUUIDv4(), 'click', concat('event ', toString(number % 50)),
            toString(number), t, 'Chrome 120', 'Linux', '127.0.0.0', concat('s', toString(number % 100000)),
            concat('u', toString(number % 20000)), concat('https://example.com/page/', toString(number % 200)),
            '{{"plan":"pro"}}', 'ws', t, t
        FROM (SELECT number, now64(3) - toIntervalMillisecond(intDiv(number * 2592000000, {rows})) AS t FROM numbers({rows}))
        SETTINGS max_insert_threads = 2"""
    )
    seconds = time.perf_counter() - started
    client.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--prepare", action="store_true", required=True)
    args = parser.parse_args()
    seconds = prepare(Path(args.data), args.rows)
    print(json.dumps({"rows": args.rows, "prepare_seconds": round(seconds, 1)}))


if __name__ == "__main__":
    main()

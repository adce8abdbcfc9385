"""ClickHouse storage through clickhouse-connect, for the embedded chDB engine and for a ClickHouse server."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import clickhouse_connect

from eventlayer import schema
from eventlayer.storage import StorageError

logger = logging.getLogger(__name__)

# Read queries from the API run with these ClickHouse settings: readonly=2 forbids writes but lets a query
# set its own limits, and max_execution_time (seconds) bounds a slow query.
READ_SETTINGS = {"readonly": 2, "max_execution_time": 10}


class ClickHouseStorage:
    def __init__(self, url: str):
        self.url = url
        self.embedded = url.startswith("chdb://")
        self._client = None
        # An embedded chDB connection refuses other queries in the middle of an insert, and clickhouse-connect
        # clients are not safe to share between threads, so every call takes this lock.
        self._lock = threading.Lock()

    def open(self) -> None:
        try:
            if self.embedded:
                Path(self.url.removeprefix("chdb://")).mkdir(parents=True, exist_ok=True)
                self._client = clickhouse_connect.get_client(dsn=self.url)
            else:
                self._client = clickhouse_connect.get_client(dsn=self.url, autogenerate_session_id=False)
            for statement in schema.create_statements():
                self._client.command(statement)
        except Exception as error:  # clickhouse-connect and chDB raise many unrelated types
            raise StorageError(f"Could not open ClickHouse at {self.describe()}: {error}") from error

    def describe(self) -> str:
        """Return the URL without credentials, for logs and messages."""
        if "@" in self.url:
            scheme, rest = self.url.split("://", 1)
            return f"{scheme}://{rest.split('@', 1)[1]}"
        return self.url

    def insert(self, rows: list[dict], token: str) -> None:
        self.insert_columns([[row[name] for row in rows] for name in schema.COLUMN_NAMES], token)

    def insert_columns(self, columns: list[list], token: str) -> None:
        """Insert one block given as a list of columns in ``schema.COLUMN_NAMES`` order."""
        rows = len(columns[0]) if columns else 0
        try:
            with self._lock:
                self._client.insert(
                    f"{schema.DATABASE}.{schema.TABLE}",
                    columns,
                    column_names=schema.COLUMN_NAMES,
                    column_oriented=True,
                    settings={"insert_deduplication_token": token},
                )
        except Exception as error:
            raise StorageError(f"insert of {rows} rows failed: {error}") from error

    def query(self, sql: str, parameters: dict | None = None, settings: dict | None = None) -> list[dict]:
        try:
            with self._lock:
                result = self._client.query(sql, parameters=parameters or {}, settings=settings or {})
        except Exception as error:
            raise StorageError(f"query failed: {error}") from error
        names = result.column_names
        return [dict(zip(names, row)) for row in result.result_rows]

    def recent_event_ids(self, since_ms: int, limit: int) -> list[str]:
        rows = self.query(
            f"SELECT toString(event_id) AS id FROM {schema.DATABASE}.{schema.TABLE} "
            "WHERE received_at >= fromUnixTimestamp64Milli({since:Int64}) "
            "ORDER BY received_at DESC LIMIT {limit:UInt64}",
            {"since": since_ms, "limit": limit},
        )
        return [row["id"] for row in rows]

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

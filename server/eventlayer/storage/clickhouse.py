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

# Session settings of the client that runs operators' raw SQL (``query_untrusted``), in this order: the time
# limit first, because readonly=1 then forbids changing any setting, the limit included. readonly=1 also
# forbids table functions (file, url, executable) and CREATE TEMPORARY TABLE, which readonly=2 allows.
UNTRUSTED_SESSION_SETTINGS = {"max_execution_time": 10, "readonly": 1}


class ClickHouseStorage:
    def __init__(self, url: str):
        self.url = url
        self.embedded = url.startswith("chdb://")
        self._client = None
        self._untrusted_client = None
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
                # Rows are decoded lazily, and a decoding failure raises clickhouse-connect's own errors.
                return [dict(zip(result.column_names, row)) for row in result.result_rows]
        except Exception as error:
            raise StorageError(f"query failed: {error}") from error

    def query_untrusted(self, sql: str) -> list[dict]:
        """Run SQL text from a user on a separate session whose settings are UNTRUSTED_SESSION_SETTINGS.

        The settings belong to the session, not to the statement: clickhouse-connect's chDB backend appends
        per-query settings to the query text as a SETTINGS clause, which in ``INSERT INTO FUNCTION ... SELECT``
        binds to the SELECT only, so the statement around it ran without readonly.
        """
        with self._lock:
            try:
                if self._untrusted_client is None:
                    # NOTE: checked against embedded chDB only; a ClickHouse server gets these as HTTP parameters
                    # of every request, where readonly=1 rejects any further setting clickhouse-connect may add.
                    options = {} if self.embedded else {"autogenerate_session_id": False}
                    self._untrusted_client = clickhouse_connect.get_client(dsn=self.url, settings=UNTRUSTED_SESSION_SETTINGS, **options)
                result = self._untrusted_client.query(sql)
                return [dict(zip(result.column_names, row)) for row in result.result_rows]
            except Exception as error:
                # A failed multi-statement text ("SELECT 1; DROP ...") leaves the chDB handle holding the first
                # statement's output, which the next query would return; a new session starts clean.
                self._untrusted_client.close()
                self._untrusted_client = None
                raise StorageError(f"query failed: {error}") from error

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
            for client in (self._untrusted_client, self._client):
                if client is not None:
                    client.close()
            self._client = self._untrusted_client = None

"""Storage backends behind one small, synchronous contract.

Both deployments go through clickhouse-connect: ``chdb://<dir>`` for the embedded engine, ``http(s)://`` for a
ClickHouse server. The calls block; the writer and the query API run them in a worker thread, never on the
event loop.
"""

from __future__ import annotations

from typing import Protocol


class StorageError(Exception):
    """An insert or query failed; the writer retries and then spools."""


class Storage(Protocol):
    def open(self) -> None:
        """Connect and create the database and table when they do not exist."""

    def insert(self, rows: list[dict], token: str) -> None:
        """Insert rows as one block. ``token`` is the batch's deduplication token: inserting the same token again
        stores nothing, so a retry after an ambiguous failure cannot double the rows."""

    def query(self, sql: str, parameters: dict | None = None, settings: dict | None = None) -> list[dict]:
        """Run a read query with bound parameters and return rows as dicts."""

    def query_untrusted(self, sql: str) -> list[dict]:
        """Run SQL text from a user (the operator's SQL API) read-only, with a time limit the text cannot lift."""

    def recent_event_ids(self, since_ms: int, limit: int) -> list[str]:
        """Return stored event ids received since ``since_ms``, newest first, at most ``limit``."""

    def close(self) -> None: ...


def open_storage(url: str, in_process: bool = False) -> Storage:
    """Open the store at ``url``: in a child process by default (see storage/process.py), or in this one."""
    if in_process:
        from eventlayer.storage.clickhouse import ClickHouseStorage

        storage = ClickHouseStorage(url)
    else:
        from eventlayer.storage.process import ProcessStorage

        storage = ProcessStorage(url)
    storage.open()
    return storage

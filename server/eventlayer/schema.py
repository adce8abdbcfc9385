"""The stored form of an event: the ClickHouse table and the row layout every part of the server shares.

A row is a plain dict keyed by the names in ``COLUMNS``. Validation produces rows, the writer buffers them,
the spool serialises them, the live hub pushes them, and the storage backends insert them. Times in a row are
integer epoch milliseconds (UTC); the storage layer converts them, because ClickHouse reads integers fed to
``DateTime64(3)`` through VALUES or JSON as seconds.
"""

from __future__ import annotations

DATABASE = "eventlayer"
TABLE = "event_manager"

# (name, ClickHouse type). The order is the insert order.
COLUMNS: list[tuple[str, str]] = [
    ("project", "LowCardinality(String)"),
    ("event_id", "UUID"),
    ("event_type", "LowCardinality(String)"),
    ("event_name", "String"),
    ("event_value", "String"),
    ("event_starttime", "DateTime64(3, 'UTC')"),
    ("event_endtime", "Nullable(DateTime64(3, 'UTC'))"),
    ("event_lat", "Nullable(Float64)"),
    ("event_lang", "Nullable(Float64)"),
    ("user_browser", "LowCardinality(String)"),
    ("user_os", "LowCardinality(String)"),
    ("user_ip", "String"),
    ("is_bot", "Bool"),
    ("session_id", "String"),
    ("distinct_id", "String"),
    ("url", "String"),
    ("referrer", "String"),
    ("title", "String"),
    ("properties", "String"),
    ("manual", "Bool"),
    ("source", "LowCardinality(String)"),
    ("sdk", "LowCardinality(String)"),
    ("flags", "Array(LowCardinality(String))"),
    ("clock_skew_ms", "Int64"),
    ("received_at", "DateTime64(3, 'UTC')"),
    ("event_createdtime", "DateTime64(3, 'UTC')"),
]

COLUMN_NAMES: list[str] = [name for name, _ in COLUMNS]
TIME_COLUMNS = frozenset({"event_starttime", "event_endtime", "received_at", "event_createdtime"})

# How long stored rows are kept for insert deduplication of retried batches. ClickHouse remembers the
# tokens of the last N inserted blocks per table (MergeTree setting non_replicated_deduplication_window),
# so a batch retried after an ambiguous failure is not inserted twice.
DEDUPLICATION_WINDOW_BLOCKS = 10_000


# An ack promises that the batch survives a crash, including a power loss, so ClickHouse fsyncs each inserted
# part and its directory (MergeTree settings fsync_after_insert, fsync_part_directory). The writer inserts about
# once a second, so this costs one fsync a second, not one per event.
DURABILITY_SETTINGS = "fsync_after_insert = 1, fsync_part_directory = 1"


def create_statements() -> list[str]:
    """Return the DDL that creates the database and table when they do not exist."""
    columns = ",\n    ".join(f"`{name}` {ch_type}" for name, ch_type in COLUMNS)
    table = f"""
CREATE TABLE IF NOT EXISTS {DATABASE}.{TABLE} (
    {columns},
    INDEX event_id_bloom event_id TYPE bloom_filter(0.001) GRANULARITY 4,
    INDEX session_bloom session_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (project, event_name, received_at)
SETTINGS non_replicated_deduplication_window = {DEDUPLICATION_WINDOW_BLOCKS}, {DURABILITY_SETTINGS}
"""
    # The ALTER brings tables created by earlier versions to the same durability settings.
    alter = f"ALTER TABLE {DATABASE}.{TABLE} MODIFY SETTING {DURABILITY_SETTINGS}"
    return [f"CREATE DATABASE IF NOT EXISTS {DATABASE}", table.strip(), alter]

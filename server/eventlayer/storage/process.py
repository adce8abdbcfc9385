"""Storage in a child process: the same contract, with ClickHouse's Python-side work off the server's core.

Inserting through clickhouse-connect converts every value in Python while holding the GIL. In a thread of the
server process that competes with the event loop, and a 10,000-row insert measured 35 ms alone but 300-500 ms
beside a busy loop. Here the server only packs the batch as msgpack columns (about 1.5 us a row) and a child
process, on the other core, unpacks and inserts it.

The child exits when the pipe to its parent closes, so a server killed with SIGKILL does not leave a child
holding the chDB directory's lock.
"""

from __future__ import annotations

import logging
import os
import multiprocessing
import pickle
import tempfile
import threading
import time

import msgpack

from eventlayer import schema
from eventlayer.storage import StorageError

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60
RESTART_INTERVAL_SECONDS = 2.0
# tmpfs where available, so handing a batch to the child costs a memory copy, not a disk write.
_BATCH_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _child_main(url: str, connection) -> None:
    # Runs in the child: owns the real storage and serves one request at a time.
    from eventlayer.storage.clickhouse import ClickHouseStorage

    storage = ClickHouseStorage(url)
    try:
        storage.open()
    except StorageError as error:
        connection.send_bytes(pickle.dumps(("error", str(error))))
        return
    connection.send_bytes(pickle.dumps(("ok", None)))
    while True:
        try:
            request = connection.recv_bytes()
        except (EOFError, OSError):
            break
        operation, payload = pickle.loads(request)
        try:
            if operation == "insert":
                token, path = payload
                with open(path, "rb") as handle:
                    packed_columns = handle.read()
                os.unlink(path)
                storage.insert_columns(msgpack.unpackb(packed_columns, raw=False), token)
                result = None
            elif operation == "query":
                sql, parameters, settings = payload
                result = storage.query(sql, parameters, settings)
            elif operation == "query_untrusted":
                result = storage.query_untrusted(payload)
            elif operation == "recent_event_ids":
                result = storage.recent_event_ids(*payload)
            elif operation == "close":
                break
            else:
                raise StorageError(f"unknown storage operation {operation!r}")
            reply = ("ok", result)
        except StorageError as error:
            reply = ("error", str(error))
        except Exception as error:  # a bug or a library error must fail this call, not end the storage process
            logger.exception("Storage operation %s failed", operation)
            reply = ("error", f"{operation} failed: {type(error).__name__}: {error}")
        connection.send_bytes(pickle.dumps(reply, protocol=5))
    storage.close()


class ProcessStorage:
    """A Storage whose calls run in a child process that owns the real ClickHouse client."""

    def __init__(self, url: str):
        self.url = url
        self._process = None
        self._connection = None
        self._lock = threading.Lock()  # one request on the pipe at a time
        self._broken = False
        self._started_at = 0.0

    def describe(self) -> str:
        from eventlayer.storage.clickhouse import ClickHouseStorage

        return ClickHouseStorage(self.url).describe()

    def open(self) -> None:
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        self._started_at = time.monotonic()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        self._process = context.Process(target=_child_main, args=(self.url, child_end), name="eventlayer-storage", daemon=True)
        self._process.start()
        child_end.close()
        self._connection = parent_end
        if not parent_end.poll(START_TIMEOUT_SECONDS):
            self._process.kill()
            raise StorageError(f"storage process did not start within {START_TIMEOUT_SECONDS} s")
        try:
            status, message = pickle.loads(parent_end.recv_bytes())
        except (EOFError, OSError) as error:
            self._process.join(5)
            raise StorageError(f"storage process exited while starting (exit code {self._process.exitcode}): {error!r}") from error
        if status != "ok":
            self._process.join(5)
            raise StorageError(message)
        self._broken = False

    def _restart(self) -> None:
        """Start a new child after the old one died; at most once per RESTART_INTERVAL_SECONDS."""
        wait = self._started_at + RESTART_INTERVAL_SECONDS - time.monotonic()
        if wait > 0:
            raise StorageError(f"storage process is gone; the next restart is in {wait:.1f} s")
        exit_code = self._process.exitcode if self._process is not None else None
        logger.warning("Storage process is gone (exit code %s); starting a new one", exit_code)
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._connection.close()
        self._spawn()
        logger.info("Storage process restarted (pid %s)", self._process.pid)

    def _call(self, operation: str, payload) -> object:
        request = pickle.dumps((operation, payload), protocol=5)
        with self._lock:
            # A dead child (killed, or crashed inside chDB) is replaced on the next call, so inserts and spool
            # replays resume without restarting the server.
            if self._broken:
                self._restart()
            try:
                self._connection.send_bytes(request)
                status, result = pickle.loads(self._connection.recv_bytes())
            except (EOFError, OSError, BrokenPipeError) as error:
                self._broken = True
                raise StorageError(f"storage process is gone: {error!r}") from error
        if status != "ok":
            raise StorageError(result)
        return result

    def insert(self, rows: list[dict], token: str) -> None:
        # Column-oriented msgpack is the cheapest encoding measured for the server's side. The batch goes through
        # a file in shared memory rather than the pipe, because a pipe takes it in 64 KB writes and each of them
        # must win the GIL back from the busy event loop. Writing the file is one call.
        columns = [[row[name] for row in rows] for name in schema.COLUMN_NAMES]
        packed = msgpack.packb(columns, use_bin_type=True)
        descriptor, path = tempfile.mkstemp(prefix="eventlayer-batch-", dir=_BATCH_DIR)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(packed)
            self._call("insert", (token, path))
        finally:
            if os.path.exists(path):
                os.unlink(path)

    def query(self, sql: str, parameters: dict | None = None, settings: dict | None = None) -> list[dict]:
        return self._call("query", (sql, parameters or {}, settings or {}))

    def query_untrusted(self, sql: str) -> list[dict]:
        return self._call("query_untrusted", sql)

    def recent_event_ids(self, since_ms: int, limit: int) -> list[str]:
        return self._call("recent_event_ids", (since_ms, limit))

    def close(self) -> None:
        if self._process is None:
            return
        try:
            with self._lock:
                self._connection.send_bytes(pickle.dumps(("close", None)))
        except (OSError, BrokenPipeError):
            pass
        self._process.join(30)
        if self._process.is_alive():
            logger.warning("Storage process did not exit within 30 s; killing it")
            self._process.kill()
        self._connection.close()
        self._process = None

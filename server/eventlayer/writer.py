"""The buffered writer: collects rows from every connection and makes them durable in batches.

``submit_nowait`` returns a future that completes once its rows are durable: inserted into ClickHouse, or, when
ClickHouse fails, fsynced in the spool. Callers acknowledge only after that future completes. A batch is
flushed when it reaches ``batch_size`` rows or its oldest row is ``flush_interval`` seconds old, never row by
row. While the spool contains batches, new batches join its end, so storage receives every batch in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

from eventlayer.metrics import Metrics
from eventlayer.spool import Spool, SpoolFull
from eventlayer.storage import Storage, StorageError

logger = logging.getLogger(__name__)

SUMMARY_INTERVAL_SECONDS = 60.0


class Overloaded(Exception):
    """The buffer is full, because storage and the spool cannot keep up; the client should retry later."""


class WriterStopped(Exception):
    """The writer stopped before these rows were durable; they were not acknowledged."""


@dataclass
class _Entry:
    rows: list[dict]
    future: asyncio.Future
    added: float = field(default_factory=time.monotonic)


class Writer:
    def __init__(
        self,
        storage: Storage,
        spool: Spool,
        metrics: Metrics,
        *,
        batch_size: int = 10_000,
        flush_interval: float = 1.0,
        buffer_max_events: int = 200_000,
        insert_attempts: int = 3,
        retry_base_delay: float = 0.2,
        replay_interval: float = 1.0,
    ):
        self.storage = storage
        self.spool = spool
        self.metrics = metrics
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.buffer_max_events = buffer_max_events
        self.insert_attempts = insert_attempts
        self.retry_base_delay = retry_base_delay
        self.replay_interval = replay_interval
        self._room = asyncio.Event()  # set whenever a flush frees room in the buffer
        self._buffer: deque[_Entry] = deque()
        self._buffered_rows = 0
        self._pending_rows = 0  # buffered plus being flushed
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task] = []
        self._update_spool_gauges()
        self._summary_started = time.monotonic()
        self._summary_rows = 0
        self._summary_batches = 0

    @property
    def pending_rows(self) -> int:
        return self._pending_rows

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._flush_loop(), name="eventlayer-flush"),
            asyncio.create_task(self._replay_loop(), name="eventlayer-replay"),
        ]

    def has_room(self, count: int) -> bool:
        # An empty buffer takes any batch, so one larger than the limit cannot wait forever.
        return self._pending_rows + count <= self.buffer_max_events or self._pending_rows == 0

    def submit_nowait(self, rows: list[dict]) -> asyncio.Future:
        """Queue rows for writing; the returned future completes when they are durable.

        The caller checks ``has_room`` first (or awaits ``wait_for_room``); raises WriterStopped during shutdown.
        """
        if self._stopping:
            raise WriterStopped("the server is shutting down")
        future = asyncio.get_running_loop().create_future()
        self._buffer.append(_Entry(rows, future))
        self._buffered_rows += len(rows)
        self._pending_rows += len(rows)
        self.metrics.pending.set(self._pending_rows)
        if self._buffered_rows >= self.batch_size or len(self._buffer) == 1:
            self._wakeup.set()
        return future

    async def wait_for_room(self, count: int, deadline: float) -> None:
        """Wait until ``count`` rows fit in the buffer, which slows a fast client down while storage keeps up.

        Raises Overloaded when no room came by ``deadline`` (time.monotonic), because storage and the spool
        cannot keep up, and WriterStopped during shutdown.
        """
        while not self.has_room(count):
            if self._stopping:
                raise WriterStopped("the server is shutting down")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Overloaded(f"{self._pending_rows} events are waiting to be written; the limit is {self.buffer_max_events}")
            self._room.clear()
            try:
                await asyncio.wait_for(self._room.wait(), remaining)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        """Flush everything buffered, then stop. Rows that could not be made durable fail with WriterStopped."""
        self._stopping = True
        self._wakeup.set()
        flush_task, replay_task = self._tasks
        await flush_task
        replay_task.cancel()
        try:
            await replay_task
        except asyncio.CancelledError:
            pass

    async def _flush_loop(self) -> None:
        while True:
            if not self._buffer:
                if self._stopping:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            age = time.monotonic() - self._buffer[0].added
            if self._buffered_rows < self.batch_size and age < self.flush_interval and not self._stopping:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self.flush_interval - age)
                except TimeoutError:
                    pass
                continue
            entries = self._take_batch()
            rows = [row for entry in entries for row in entry.rows]
            try:
                await self._make_durable(rows)
            except WriterStopped as error:
                for entry in entries:
                    if not entry.future.done():
                        entry.future.set_exception(error)
            else:
                for entry in entries:
                    if not entry.future.done():
                        entry.future.set_result(None)
            self._pending_rows -= len(rows)
            self.metrics.pending.set(self._pending_rows)
            self._room.set()

    def _take_batch(self) -> list[_Entry]:
        taken: list[_Entry] = []
        count = 0
        while self._buffer and (count == 0 or count + len(self._buffer[0].rows) <= self.batch_size):
            entry = self._buffer.popleft()
            taken.append(entry)
            count += len(entry.rows)
        self._buffered_rows -= count
        return taken

    async def _make_durable(self, rows: list[dict]) -> None:
        """Insert rows, or spool them when storage keeps failing; retries until one works or the writer stops."""
        token = uuid.uuid4().hex
        started = time.monotonic()
        while True:
            if self.spool.depth == 0 and await self._insert_with_retries(rows, token):
                break
            try:
                await asyncio.to_thread(self.spool.append, token, rows)
            except SpoolFull as error:
                if self._stopping:
                    raise WriterStopped(f"storage is failing and the spool is full: {error}") from error
                logger.warning("Cannot spool %d rows: %s; retrying in %.1f s", len(rows), error, self.replay_interval)
                await asyncio.sleep(self.replay_interval)
                continue
            self.metrics.spooled_batches.inc()
            self._update_spool_gauges()
            logger.warning("Spooled a batch of %d rows; the spool now contains %d batches", len(rows), self.spool.depth)
            break
        self.metrics.batch_rows.observe(len(rows))
        self.metrics.flush_seconds.observe(time.monotonic() - started)
        logger.debug("Flushed %d rows in %.3f s", len(rows), time.monotonic() - started)
        self._log_summary(len(rows))

    def _log_summary(self, rows: int) -> None:
        # Flushes happen about once a second, too often for INFO; a summary a minute keeps the log readable.
        self._summary_rows += rows
        self._summary_batches += 1
        elapsed = time.monotonic() - self._summary_started
        if elapsed < SUMMARY_INTERVAL_SECONDS:
            return
        logger.info(
            "Wrote %d events in %d batches in the last %.0f s; %d pending, %d batches in the spool",
            self._summary_rows, self._summary_batches, elapsed, self._pending_rows, self.spool.depth,
        )
        self._summary_started = time.monotonic()
        self._summary_rows = 0
        self._summary_batches = 0

    async def _insert_with_retries(self, rows: list[dict], token: str) -> bool:
        # The same token on every attempt makes ClickHouse drop a retry of a block it already committed, which
        # happens when an insert succeeds but its reply is lost.
        delay = self.retry_base_delay
        for attempt in range(1, self.insert_attempts + 1):
            try:
                await asyncio.to_thread(self.storage.insert, rows, token)
                return True
            except StorageError as error:
                self.metrics.insert_failures.inc()
                logger.warning("Insert of %d rows failed (attempt %d of %d): %s", len(rows), attempt, self.insert_attempts, error)
                if attempt < self.insert_attempts and not self._stopping:
                    await asyncio.sleep(delay)
                    delay *= 2
        return False

    async def _replay_loop(self) -> None:
        while True:
            await asyncio.sleep(self.replay_interval)
            while self.spool.depth:
                batch = await asyncio.to_thread(self.spool.oldest)
                try:
                    await asyncio.to_thread(self.storage.insert, batch.rows, batch.token)
                except StorageError as error:
                    logger.info("Storage still failing; %d batches wait in the spool: %s", self.spool.depth, error)
                    break
                await asyncio.to_thread(self.spool.remove, batch)
                self.metrics.replayed_batches.inc()
                self._update_spool_gauges()
                logger.info("Replayed a spooled batch of %d rows; %d batches left", len(batch.rows), self.spool.depth)

    def _update_spool_gauges(self) -> None:
        self.metrics.spool_depth.set(self.spool.depth)
        self.metrics.spool_bytes.set(self.spool.bytes_used)

"""The ingest path shared by the WebSocket and HTTP endpoints: validate, drop repeats, publish, write.

``Ingestor.ingest`` returns only when every accepted event is durable, so its result may be acknowledged.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from eventlayer.dedup import RecentIds
from eventlayer.live import LiveHub
from eventlayer.metrics import Metrics
from eventlayer.validate import Context, Limits, normalize_batch
from eventlayer.writer import Writer, WriterStopped


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)

    def to_ack(self, seq: int) -> dict:
        return {"t": "ack", "seq": seq, "accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def reason_field(reason: str) -> str:
    """Return the field a rejection reason starts with, as a low-cardinality metrics label."""
    head = reason.split(" ", 1)[0]
    head = head.split(".", 1)[0]
    return head if head.isidentifier() and len(head) <= 40 else "other"


# Fields of a rejected event that viewers may filter on, copied when they are short strings.
_REJECTED_LIVE_FIELDS = ("event_type", "event_name", "session_id", "distinct_id", "url")
_REJECTED_LIVE_FIELD_CHARS = 200


def _rejected_live_event(raw: object, item: dict, project: str) -> dict:
    """Build the live-feed form of a rejected event: its id, reason, and the identifying fields that are safe
    to show, so a viewer filtering by session or name still gets what was rejected and why."""
    event = {"event_id": item.get("event_id"), "status": "rejected", "reason": item["reason"], "project": project}
    if isinstance(raw, dict):
        for name in _REJECTED_LIVE_FIELDS:
            value = raw.get(name)
            if isinstance(value, str) and len(value) <= _REJECTED_LIVE_FIELD_CHARS and _is_clean_text(value):
                event[name] = value
    return event


def _is_clean_text(value: str) -> bool:
    """Return whether a string has no NUL and encodes as UTF-8 (JSON input can carry lone surrogates)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Accepted:
    """A batch handed to the writer: its result, final once every write it depends on is durable."""

    def __init__(self, result: IngestResult, waits: list[asyncio.Future], on_durable):
        self.result = result
        self._waits = waits
        self._on_durable = on_durable

    def add_done_callback(self, callback) -> None:
        """Call ``callback(error)`` once every write is durable (error None) or one failed (its exception)."""
        remaining = [len(self._waits)]

        def settle(write: asyncio.Future) -> None:
            if remaining[0] == 0:
                return
            error = write.exception() if not write.cancelled() else WriterStopped("the write was cancelled")
            remaining[0] = 0 if error is not None else remaining[0] - 1
            if remaining[0] == 0:
                if error is None:
                    self._on_durable(self.result)
                callback(error)

        if not self._waits:
            self._on_durable(self.result)
            callback(None)
            return
        for write in self._waits:
            write.add_done_callback(settle)

    async def wait(self) -> IngestResult:
        done = asyncio.get_running_loop().create_future()
        self.add_done_callback(lambda error: done.set_result(error))
        error = await done
        if error is not None:
            raise error
        return self.result


class Ingestor:
    def __init__(self, writer: Writer, recent: RecentIds, hub: LiveHub, metrics: Metrics, limits: Limits, overload_wait: float = 5.0):
        self.writer = writer
        self.recent = recent
        self.hub = hub
        self.metrics = metrics
        self.limits = limits
        self.overload_wait = overload_wait

    async def ingest(self, raw_events: object, context: Context) -> IngestResult:
        """Validate and store a batch and return once it is durable.

        Raises validate.Rejected for a malformed batch, writer.Overloaded when the buffer stays full for
        ``overload_wait`` seconds (nothing of the batch is stored then), and writer.WriterStopped on shutdown.
        """
        deadline = time.monotonic() + self.overload_wait
        while True:
            accepted = self.try_ingest(raw_events, context)
            if accepted is not None:
                return await accepted.wait()
            await self.writer.wait_for_room(len(raw_events), deadline)

    def try_ingest(self, raw_events: object, context: Context) -> Accepted | None:
        """Validate a batch, sort out repeats, publish it live and hand the fresh rows to the writer, without
        waiting. Returns None, with nothing stored or published, when the writer's buffer has no room.

        Runs without awaiting anything, so no other batch can claim the same event ids in between.
        """
        rows, rejected = normalize_batch(raw_events, context, self.limits)
        result = IngestResult(rejected=rejected)
        fresh: list[dict] = []
        waits: list[asyncio.Future] = []
        seen_in_batch: set[str] = set()
        live: list[dict] = []
        for row in rows:
            event_id = row["event_id"]
            state = True if event_id in seen_in_batch else self.recent.lookup(event_id)
            if state is False:
                fresh.append(row)
                seen_in_batch.add(event_id)
                live.append({**row, "status": "accepted"})
            else:
                result.duplicates += 1
                if isinstance(state, asyncio.Future) and state not in waits:
                    waits.append(state)
                live.append({**row, "status": "duplicate"})
            result.event_ids.append(event_id)

        if fresh:
            if not self.writer.has_room(len(fresh)):
                return None
            write = self.writer.submit_nowait(fresh)
            self.recent.add_pending([row["event_id"] for row in fresh], write)
            waits.append(write)
        result.accepted = len(fresh)
        for item in rejected:
            live.append(_rejected_live_event(raw_events[item["i"]], item, context.project))
            self.metrics.rejected.labels(reason_field(item["reason"])).inc()
        if live:
            self.hub.publish(context.project, live)
        return Accepted(result, waits, lambda done: self._count(done, context.source))

    def _count(self, result: IngestResult, source: str) -> None:
        self.metrics.accepted.labels(source).inc(result.accepted)
        self.metrics.duplicates.labels(source).inc(result.duplicates)

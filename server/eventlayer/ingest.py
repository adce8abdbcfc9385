"""The ingest path shared by the WebSocket and HTTP endpoints: validate, drop repeats, publish, write.

``Ingestor.ingest`` returns only when every accepted event is durable, so its result may be acknowledged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from eventlayer.dedup import RecentIds
from eventlayer.live import LiveHub
from eventlayer.metrics import Metrics
from eventlayer.validate import Context, Limits, normalize_batch
from eventlayer.writer import Writer


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
    to show, so a viewer filtering by session or name still sees what was rejected and why."""
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


class Ingestor:
    def __init__(self, writer: Writer, recent: RecentIds, hub: LiveHub, metrics: Metrics, limits: Limits):
        self.writer = writer
        self.recent = recent
        self.hub = hub
        self.metrics = metrics
        self.limits = limits

    async def ingest(self, raw_events: object, context: Context) -> IngestResult:
        """Validate and store a batch; raises validate.Rejected for a malformed batch and writer.Overloaded
        when the server cannot take more (nothing of the batch is stored then)."""
        rows, rejected = normalize_batch(raw_events, context, self.limits)
        result = IngestResult(rejected=rejected)
        fresh: list[dict] = []
        waits: set[asyncio.Future] = set()
        seen_in_batch: set[str] = set()
        live: list[dict] = []
        for row in rows:
            event_id = row["event_id"]
            state = False if event_id not in seen_in_batch else True
            if not state:
                state = self.recent.lookup(event_id)
            if state is False:
                fresh.append(row)
                seen_in_batch.add(event_id)
                live.append({**row, "status": "accepted"})
            else:
                result.duplicates += 1
                if isinstance(state, asyncio.Future):
                    waits.add(state)
                live.append({**row, "status": "duplicate"})
            result.event_ids.append(event_id)

        if fresh:
            write = await self.writer.submit(fresh)  # raises Overloaded before anything is published
            self.recent.add_pending([row["event_id"] for row in fresh], write)
            waits.add(write)
        for item in rejected:
            live.append(_rejected_live_event(raw_events[item["i"]], item, context.project))
            self.metrics.rejected.labels(reason_field(item["reason"])).inc()
        if live:
            self.hub.publish(context.project, live)

        if waits:
            # Shielded, so a client that disconnects mid-wait cannot cancel a write other clients wait on too.
            await asyncio.gather(*(asyncio.shield(wait) for wait in waits))
        result.accepted = len(fresh)
        self.metrics.accepted.labels(context.source).inc(result.accepted)
        self.metrics.duplicates.labels(context.source).inc(result.duplicates)
        return result

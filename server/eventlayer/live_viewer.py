"""One viewer connection of the live hub: its subscriptions, their bounded queues, and the task that sends to it.

The hub only appends to queues and sets an event, so publishing never waits for a viewer. Each viewer has one
sender task that wakes when there is something to send, waits out the rest of the 50 ms batching interval, and
sends, per subscription, a ``gap`` frame for events its full queue dropped and a ``live`` frame with all the
events that are queued (split into several frames when their estimated size passes MAX_FRAME_SIZE). A send that does not complete within ``stall_timeout`` means the viewer stopped
reading: the viewer is then removed from the hub.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from eventlayer.live_filter import EventFilter

logger = logging.getLogger(__name__)

# Minimum time between two sends of queued events to one viewer, in seconds.
LIVE_INTERVAL = 0.05
# Events queued per subscription, by count and by estimated size (event_size); when a viewer falls further
# behind, the oldest are dropped and counted.
MAX_QUEUED_EVENTS = 5000
MAX_QUEUED_SIZE = 4 * 1024 * 1024
# Estimated size of the events in one frame; more events go in further frames sent right after it.
MAX_FRAME_SIZE = 512 * 1024
# Fields whose length varies with the client's data; the other fields of a stored-form event add about this much.
_VARIABLE_FIELDS = ("event_name", "event_value", "url", "referrer", "title", "properties", "reason")
_FIXED_SIZE = 400
# Control frames (subscribed, error) waiting to be sent. A client that floods requests without reading the
# replies loses the newest replies past this.
MAX_OUTBOX = 100


def event_size(event: dict) -> int:
    """Estimate an event's encoded size in bytes from its variable-length fields, without encoding it.

    Characters are counted as bytes, so text outside ASCII is underestimated by up to 4 times.
    """
    size = _FIXED_SIZE
    for name in _VARIABLE_FIELDS:
        value = event.get(name)
        if value.__class__ is str:
            size += len(value)
    return size


def frames_of(events: list[dict], max_size: int = MAX_FRAME_SIZE) -> list[list[dict]]:
    """Split events, in order, into lists whose estimated size stays within ``max_size`` (one event at least)."""
    chunks: list[list[dict]] = []
    chunk: list[dict] = []
    size = 0
    for event in events:
        event_bytes = event_size(event)
        if chunk and size + event_bytes > max_size:
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(event)
        size += event_bytes
    if chunk:
        chunks.append(chunk)
    return chunks


class Subscription:
    def __init__(self, sub_id: str, event_filter: EventFilter, max_queued: int = MAX_QUEUED_EVENTS, max_queued_size: int = MAX_QUEUED_SIZE):
        self.id = sub_id
        self.filter = event_filter
        self.queue: deque[tuple[dict, int]] = deque()
        self.queued_size = 0
        self.max_queued = max_queued
        self.max_queued_size = max_queued_size
        self.dropped = 0
        # False while the backfill loads: events queue up meanwhile and are sent after it.
        self.ready = True
        self.backfill: list[dict] = []

    def push(self, events: list[dict]) -> int:
        """Queue events; when the queue is full the oldest are dropped and counted for the next gap frame.
        Returns the number dropped by this call."""
        queue = self.queue
        for event in events:
            size = event_size(event)
            queue.append((event, size))
            self.queued_size += size
        dropped = 0
        while len(queue) > self.max_queued or (self.queued_size > self.max_queued_size and len(queue) > 1):
            _, size = queue.popleft()
            self.queued_size -= size
            dropped += 1
        self.dropped += dropped
        return dropped

    def finish_backfill(self, events: list[dict]) -> None:
        """Set the backfill to send and mark the subscription ready.

        Accepted events queued since the subscription started that the stored query also returned are removed
        from the queue, so no event is sent twice. A ``duplicate`` event is a new delivery of a stored id and
        stays.
        """
        ids = {event.get("event_id") for event in events}
        if ids and self.queue:
            remaining = [item for item in self.queue if not (item[0].get("status") == "accepted" and item[0].get("event_id") in ids)]
            self.queue = deque(remaining)
            self.queued_size = sum(size for _, size in remaining)
        self.backfill = events
        self.ready = True

    def take(self) -> tuple[list[dict], int]:
        """Return the queued events and the count dropped since the last call, and empty both."""
        events = [event for event, _ in self.queue]
        self.queue.clear()
        self.queued_size = 0
        dropped, self.dropped = self.dropped, 0
        return events, dropped


class Viewer:
    """A connection with at least one subscription. ``on_gone(viewer, stalled)`` is called when a send fails
    because the connection closed, or (``stalled`` True) timed out because the client stopped reading."""

    def __init__(self, session, on_gone: Callable[[Viewer, bool], None], stall_timeout: float):
        self.session = session
        self.subscriptions: dict[str, Subscription] = {}
        self.tasks: set[asyncio.Task] = set()
        self.presence_version = -1
        self._on_gone = on_gone
        self._stall_timeout = stall_timeout
        self._outbox: deque[dict] = deque()
        self._presence: dict | None = None
        self._wakeup = asyncio.Event()
        self._last_data_sent = 0.0
        self._closed = False
        self._sender = asyncio.create_task(self._run(), name=f"eventlayer-live-{session.id}")

    def notify(self) -> None:
        self._wakeup.set()

    def control(self, frame: dict) -> None:
        """Queue a control frame; it is sent before any event queued after it."""
        if len(self._outbox) >= MAX_OUTBOX:
            logger.warning("Live viewer %s has %d unsent replies; dropping a %s frame", self.session.id, len(self._outbox), frame.get("t"))
            return
        self._outbox.append(frame)
        self._wakeup.set()

    def set_presence(self, frame: dict, version: int) -> None:
        """Replace any unsent presence frame with this one: only the newest counts matter."""
        self._presence = frame
        self.presence_version = version
        self._wakeup.set()

    def spawn(self, coroutine) -> None:
        """Run a helper task (a backfill load) that is cancelled when the viewer closes."""
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def close(self) -> None:
        self._closed = True
        current = asyncio.current_task()
        for task in (self._sender, *self.tasks):
            if task is not current:
                task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while not self._closed:
                await self._wakeup.wait()
                self._wakeup.clear()
                delay = self._last_data_sent + LIVE_INTERVAL - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not await self._flush(loop):
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Live sender for connection %s failed", self.session.id)
            self._gone(stalled=False)

    async def _flush(self, loop) -> bool:
        while self._outbox:
            if not await self._send(self._outbox.popleft()):
                return False
        if self._presence is not None:
            frame, self._presence = self._presence, None
            if not await self._send(frame):
                return False
        sent_data = False
        for sub in list(self.subscriptions.values()):
            if self.subscriptions.get(sub.id) is not sub or not sub.ready:
                continue
            backfill, sub.backfill = sub.backfill, []
            for chunk in frames_of(backfill):
                if not await self._send({"t": "live", "sub": sub.id, "events": chunk, "backfill": True}):
                    return False
            events, dropped = sub.take()
            if dropped:
                if not await self._send({"t": "gap", "sub": sub.id, "dropped": dropped}):
                    return False
            for chunk in frames_of(events):
                if not await self._send({"t": "live", "sub": sub.id, "events": chunk}):
                    return False
                sent_data = True
        if sent_data:
            self._last_data_sent = loop.time()
        return True

    async def _send(self, frame: dict) -> bool:
        try:
            async with asyncio.timeout(self._stall_timeout):
                sent = await self.session.send(frame)
        except TimeoutError:
            self._gone(stalled=True)
            return False
        if not sent:
            self._gone(stalled=False)
        return sent

    def _gone(self, stalled: bool) -> None:
        if not self._closed:
            self._on_gone(self, stalled)

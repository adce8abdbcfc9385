"""One viewer connection of the live hub: its subscriptions, their bounded queues, and the task that sends to it.

The hub only appends to queues and sets an event, so publishing never waits for a viewer. Each viewer has one
sender task that wakes when there is something to send, waits out the rest of the 50 ms batching interval, and
sends, per subscription, a ``gap`` frame for events its full queue dropped and one ``live`` frame with all the
events that are queued. A send that does not complete within ``stall_timeout`` means the viewer stopped
reading: the viewer is then removed from the hub.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from eventlayer.live_filter import EventFilter

logger = logging.getLogger(__name__)

# At most one live frame per subscription per interval, in seconds.
LIVE_INTERVAL = 0.05
# Events queued per subscription; when a viewer falls further behind, the oldest are dropped and counted.
MAX_QUEUED_EVENTS = 5000
# Backfill events per live frame, so one frame stays a few hundred kB at most.
BACKFILL_FRAME_EVENTS = 250
# Control frames (subscribed, error) waiting to be sent. A client that floods requests without reading the
# replies loses the newest replies past this.
MAX_OUTBOX = 100


class Subscription:
    def __init__(self, sub_id: str, event_filter: EventFilter, max_queued: int = MAX_QUEUED_EVENTS):
        self.id = sub_id
        self.filter = event_filter
        self.queue: deque[dict] = deque(maxlen=max_queued)
        self.dropped = 0
        # False while the backfill loads: events queue up meanwhile and are sent after it.
        self.ready = True
        self.backfill: list[dict] = []

    def push(self, events: list[dict]) -> None:
        """Queue events; when the queue is full the oldest are dropped and counted for the next gap frame."""
        overflow = len(self.queue) + len(events) - self.queue.maxlen
        if overflow > 0:
            self.dropped += overflow
        self.queue.extend(events)

    def finish_backfill(self, events: list[dict]) -> None:
        """Set the backfill to send and mark the subscription ready.

        Accepted events queued since the subscription started that the stored query also returned are removed
        from the queue, so no event is sent twice. A ``duplicate`` event is a new delivery of a stored id and
        stays.
        """
        ids = {event.get("event_id") for event in events}
        if ids and self.queue:
            remaining = [event for event in self.queue if not (event.get("status") == "accepted" and event.get("event_id") in ids)]
            self.queue = deque(remaining, maxlen=self.queue.maxlen)
        self.backfill = events
        self.ready = True

    def take(self) -> tuple[list[dict], int]:
        """Return the queued events and the count dropped since the last call, and empty both."""
        events = list(self.queue)
        self.queue.clear()
        dropped, self.dropped = self.dropped, 0
        return events, dropped


class Viewer:
    """A connection with at least one subscription. ``on_gone(viewer, stalled)`` is called when a send fails
    because the connection closed, or (``stalled`` True) timed out because the client stopped reading."""

    def __init__(self, session, on_gone: Callable[[Viewer, bool], None], stall_timeout: float, on_dropped=None):
        self.session = session
        self.subscriptions: dict[str, Subscription] = {}
        self.tasks: set[asyncio.Task] = set()
        self.presence_version = -1
        self._on_gone = on_gone
        self._on_dropped = on_dropped
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
            for start in range(0, len(backfill), BACKFILL_FRAME_EVENTS):
                chunk = backfill[start : start + BACKFILL_FRAME_EVENTS]
                if not await self._send({"t": "live", "sub": sub.id, "events": chunk, "backfill": True}):
                    return False
            events, dropped = sub.take()
            if dropped:
                if self._on_dropped is not None:
                    self._on_dropped(dropped)
                if not await self._send({"t": "gap", "sub": sub.id, "dropped": dropped}):
                    return False
            if events:
                if not await self._send({"t": "live", "sub": sub.id, "events": events}):
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

"""The live hub: pushes each validated event, with what the server did with it, to matching subscribers.

The hub's interface, as the rest of the server uses it:

- ``publish(project, events)``: called synchronously by the ingest path with stored-form events, each with
  ``status`` (accepted / duplicate / rejected) and ``reason`` when rejected. It must not block or raise.
- ``handle_message(session, message)``: a ``subscribe`` or ``unsubscribe`` frame from a read-key connection.
- ``attach(session)``: a connection finished its hello (presence counts it when its hello carried a ``url``).
- ``detach(session)``: a connection ended; its subscriptions and presence go with it.

``LiveHub`` is the in-process implementation: one server process, whose viewers see the events that process
ingests. When several processes share one feed, a broker-backed hub (Redis or NATS pub/sub) keeps everything
here except two steps. ``publish`` sends the events to the broker (a channel per project) instead of calling
``deliver``, and a listener task calls ``deliver`` for every message the broker hands this process, including
its own. Presence counts are per process, so such a hub also publishes its ``PresenceBook`` counts and sums
those of the other processes before building presence frames. No broker implementation exists yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from prometheus_client import Counter, Gauge

from eventlayer.events_query import sort_key
from eventlayer.live_filter import EventFilter, FilterError, compile_filter, parse_properties
from eventlayer.live_viewer import MAX_QUEUED_EVENTS, Subscription, Viewer
from eventlayer.presence import PresenceBook

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 10  # per connection
MAX_BACKFILL = 1000
MAX_SUBSCRIPTION_ID_CHARS = 100
PRESENCE_INTERVAL = 0.5  # seconds between presence checks; a frame goes out only when the counts changed

# load_recent(project, event_filter, limit) returns the newest stored matching events, oldest first.
LoadRecent = Callable[[str, EventFilter, int], Awaitable[list[dict]]]


class LiveHub:
    def __init__(
        self,
        metrics=None,
        *,
        load_recent: LoadRecent | None = None,
        stall_timeout: float = 40.0,
        max_queued_events: int = MAX_QUEUED_EVENTS,
        presence_interval: float = PRESENCE_INTERVAL,
    ):
        self.load_recent = load_recent
        self.stall_timeout = stall_timeout
        self.max_queued_events = max_queued_events
        self.presence_interval = presence_interval
        self.presence = PresenceBook()
        self._viewers: dict[str, Viewer] = {}
        self._project_viewers: dict[str, set[Viewer]] = {}
        # The newest accepted events of each project, for backfill: events published before a subscription
        # started but not yet written are in no query result, so backfill merges these in.
        self._recent: dict[str, deque[dict]] = {}
        self._presence_task: asyncio.Task | None = None
        self._subscriptions = self._dropped = self._stalled = None
        if metrics is not None:
            registry = metrics.registry
            self._subscriptions = Gauge("eventlayer_live_subscriptions", "Open live subscriptions", registry=registry)
            self._dropped = Counter("eventlayer_live_events_dropped", "Events dropped for live viewers that fell behind", registry=registry)
            self._stalled = Counter("eventlayer_live_viewers_stalled", "Live viewers removed because they stopped reading", registry=registry)
            queued = Gauge("eventlayer_live_queued_events", "Events waiting in live subscription queues", registry=registry)
            queued.set_function(self.queued_events)

    def queued_events(self) -> int:
        """Return the number of events waiting in every subscription queue of this process."""
        return sum(len(sub.queue) for viewer in self._viewers.values() for sub in viewer.subscriptions.values())

    # Ingest side.

    def publish(self, project: str, events: list[dict]) -> None:
        try:
            self.deliver(project, events)
        except Exception:
            # Publishing must never fail an ingest; the events are still written.
            logger.exception("Live delivery of %d events for project %s failed", len(events), project)

    def deliver(self, project: str, events: list[dict]) -> None:
        """Queue events for this process's matching subscribers and remember them for backfill."""
        recent = self._recent.get(project)
        if recent is None:
            recent = self._recent[project] = deque(maxlen=MAX_BACKFILL)
        recent.extend(event for event in events if event.get("status") == "accepted")

        viewers = self._project_viewers.get(project)
        if not viewers:
            return
        parsed: dict[int, dict] = {}
        for viewer in viewers:
            queued = False
            for sub in viewer.subscriptions.values():
                matched = _matching(sub.filter, events, parsed)
                if matched:
                    dropped = sub.push(matched)
                    if dropped and self._dropped is not None:
                        self._dropped.inc(dropped)
                    queued = True
            if queued:
                viewer.notify()

    # Viewer side.

    async def handle_message(self, session, message: dict) -> None:
        kind = message.get("t")
        if kind == "subscribe":
            await self._subscribe(session, message)
        elif kind == "unsubscribe":
            self._unsubscribe(session, message)

    def attach(self, session) -> None:
        self.presence.opened(session.project, session.id, session.url)

    def detach(self, session) -> None:
        self.presence.closed(session.id)
        viewer = self._viewers.pop(session.id, None)
        if viewer is None:
            return
        viewer.close()
        viewers = self._project_viewers.get(session.project)
        if viewers is not None:
            viewers.discard(viewer)
            if not viewers:
                del self._project_viewers[session.project]
        self._count_subscriptions()

    async def _subscribe(self, session, message: dict) -> None:
        sub_id = message.get("id")
        viewer = self._viewers.get(session.id)
        if not isinstance(sub_id, str) or not sub_id or len(sub_id) > MAX_SUBSCRIPTION_ID_CHARS:
            await self._reply_error(session, viewer, "invalid_subscription", f"subscribe needs an 'id' string of 1 to {MAX_SUBSCRIPTION_ID_CHARS} characters", None)
            return
        try:
            event_filter = compile_filter(message.get("filter"))
        except FilterError as error:
            await self._reply_error(session, viewer, "invalid_filter", str(error), sub_id)
            return
        backfill = message.get("backfill") or 0
        if isinstance(backfill, bool) or not isinstance(backfill, int) or not 0 <= backfill <= MAX_BACKFILL:
            await self._reply_error(session, viewer, "invalid_subscription", f"backfill is {_show(backfill)}; expected an integer from 0 to {MAX_BACKFILL}", sub_id)
            return
        if viewer is not None and sub_id not in viewer.subscriptions and len(viewer.subscriptions) >= MAX_SUBSCRIPTIONS:
            message = f"this connection has {MAX_SUBSCRIPTIONS} subscriptions, the maximum; unsubscribe one first"
            await self._reply_error(session, viewer, "too_many_subscriptions", message, sub_id)
            return

        viewer = viewer or self._add_viewer(session)
        sub = Subscription(sub_id, event_filter, self.max_queued_events)
        replaced = viewer.subscriptions.pop(sub_id, None) is not None
        viewer.subscriptions[sub_id] = sub
        viewer.control({"t": "subscribed", "sub": sub_id, "filter": event_filter.to_dict(), "backfill": backfill})
        if backfill:
            # Taken in the same step that registers the subscription, so every event is either in this
            # snapshot, in the stored query, or queued for the subscription.
            snapshot = _matching(event_filter, list(self._recent.get(session.project, ())), {})
            sub.ready = False
            viewer.spawn(self._load_backfill(viewer, sub, snapshot, backfill))
        self._count_subscriptions()
        logger.debug("Connection %s %s subscription %r with filter %s", session.id, "replaced" if replaced else "added", sub_id, event_filter.to_dict())

    def _unsubscribe(self, session, message: dict) -> None:
        # Unsubscribing an id that is not subscribed does nothing, so a client may repeat it safely.
        viewer = self._viewers.get(session.id)
        if viewer is not None and viewer.subscriptions.pop(message.get("id"), None) is not None:
            self._count_subscriptions()

    async def _load_backfill(self, viewer: Viewer, sub: Subscription, snapshot: list[dict], limit: int) -> None:
        project = viewer.session.project
        stored: list[dict] = []
        if self.load_recent is not None:
            try:
                stored = await self.load_recent(project, sub.filter, limit)
            except Exception as error:  # storage errors of every kind end up here; live events still flow
                logger.warning("Backfill for connection %s failed: %s", viewer.session.id, error)
                viewer.control({"t": "error", "code": "backfill_failed", "message": "stored events could not be read; live events follow", "sub": sub.id})
        merged: dict[str, dict] = {}
        for event in stored:
            merged[event["event_id"]] = {**event, "status": "accepted"}
        for event in snapshot:
            merged.setdefault(event["event_id"], event)
        events = sorted(merged.values(), key=sort_key)[-limit:]
        if viewer.subscriptions.get(sub.id) is sub:
            sub.finish_backfill(events)
            viewer.notify()

    def _add_viewer(self, session) -> Viewer:
        viewer = Viewer(session, self._viewer_gone, self.stall_timeout)
        self._viewers[session.id] = viewer
        self._project_viewers.setdefault(session.project, set()).add(viewer)
        viewer.set_presence(self.presence.frame(session.project), self.presence.version(session.project))
        if self._presence_task is None:
            self._presence_task = asyncio.create_task(self._push_presence(), name="eventlayer-presence")
        return viewer

    async def _reply_error(self, session, viewer: Viewer | None, code: str, message: str, sub_id: str | None) -> None:
        frame = {"t": "error", "code": code, "message": message}
        if sub_id is not None:
            frame["sub"] = sub_id
        if viewer is not None:
            # Through the viewer's sender, so the error keeps its place among the frames already queued.
            viewer.control(frame)
        else:
            await session.send(frame)

    def _viewer_gone(self, viewer: Viewer, stalled: bool) -> None:
        if self._viewers.get(viewer.session.id) is not viewer:
            return
        if stalled:
            logger.warning("Removing live viewer %s: a send did not complete within %g s", viewer.session.id, self.stall_timeout)
            if self._stalled is not None:
                self._stalled.inc()
        self.detach(viewer.session)

    def _count_subscriptions(self) -> None:
        if self._subscriptions is not None:
            self._subscriptions.set(sum(len(viewer.subscriptions) for viewer in self._viewers.values()))

    async def _push_presence(self) -> None:
        """Send each viewer its project's presence frame, checking every ``presence_interval`` seconds for a change."""
        try:
            while self._viewers:
                await asyncio.sleep(self.presence_interval)
                for project, viewers in list(self._project_viewers.items()):
                    version = self.presence.version(project)
                    frame = None
                    for viewer in viewers:
                        if viewer.presence_version != version:
                            frame = frame or self.presence.frame(project)
                            viewer.set_presence(frame, version)
        finally:
            self._presence_task = None


def _show(value: object) -> str:
    return str(value) if isinstance(value, int) else f"a {type(value).__name__}"


def _matching(event_filter: EventFilter, events: list[dict], parsed: dict[int, dict]) -> list[dict]:
    """Return the events that match. ``parsed`` caches each event's parsed properties by id(event), so that one
    publish parses an event's properties once however many filters need them."""
    if not event_filter.fields and not event_filter.properties:
        return list(events)
    if not event_filter.needs_properties:
        return [event for event in events if event_filter.matches(event)]
    matched = []
    for event in events:
        properties = parsed.get(id(event))
        if properties is None:
            properties = parsed[id(event)] = parse_properties(event)
        if event_filter.matches(event, properties):
            matched.append(event)
    return matched

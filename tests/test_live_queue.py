"""Subscription queues without a server: dropping the oldest events, the backfill hand-over, frame splitting."""

from __future__ import annotations

import uuid

from eventlayer.live_filter import EventFilter
from eventlayer.live_viewer import Subscription, event_size, frames_of


def event(status: str = "accepted", event_id: str | None = None, padding: int = 0) -> dict:
    return {"event_id": event_id or str(uuid.uuid4()), "status": status, "event_name": "e", "properties": "x" * padding}


def test_full_queue_drops_oldest():
    sub = Subscription("s", EventFilter(), max_queued=3)
    events = [event() for _ in range(5)]
    sub.push(events[:2])
    sub.push(events[2:])

    queued, dropped = sub.take()
    assert queued == events[2:]
    assert dropped == 2
    assert sub.take() == ([], 0)


def test_queue_bounded_by_size():
    sub = Subscription("s", EventFilter(), max_queued=1000, max_queued_size=10_000)
    events = [event(padding=3000) for _ in range(10)]
    sub.push(events)

    queued, dropped = sub.take()
    assert sum(event_size(item) for item in queued) <= 10_000
    assert queued == events[-len(queued) :]
    assert dropped == 10 - len(queued)


def test_one_oversized_event_still_queued():
    sub = Subscription("s", EventFilter(), max_queued_size=100)
    big = event(padding=1000)
    sub.push([big])
    assert sub.take() == ([big], 0)


def test_backfill_removes_queued_copies():
    sub = Subscription("s", EventFilter())
    sub.ready = False
    shared = event()
    newer = event()
    resent = event(status="duplicate", event_id=shared["event_id"])
    sub.push([shared, newer, resent])

    sub.finish_backfill([event(), shared])

    assert sub.ready
    assert sub.take() == ([newer, resent], 0)


def test_frames_split_by_size():
    events = [event(padding=400) for _ in range(10)]
    frames = frames_of(events, max_size=2000)

    assert [item for frame in frames for item in frame] == events
    assert all(sum(event_size(item) for item in frame) <= 2000 for frame in frames)
    assert len(frames) == 5


def test_frames_keep_oversized_event():
    big = event(padding=5000)
    assert frames_of([big], max_size=1000) == [[big]]
    assert frames_of([]) == []

"""Live subscriptions through a real server: filters, statuses, batching, backfill, presence and errors."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import httpx
import pytest

from tests.support.wsclient import Client, make_event, now_ms


class Viewer:
    """A read-key connection that records every frame it receives, by type and subscription."""

    def __init__(self, server):
        self.client = Client(server.ws_url, server.read_key)
        self.events: dict[str, list[dict]] = defaultdict(list)
        self.backfill: dict[str, list[dict]] = defaultdict(list)
        self.live_frames: list[tuple[float, dict]] = []
        self.frames: list[dict] = []

    def subscribe(self, sub_id: str, event_filter: dict | None = None, backfill: int = 0) -> dict:
        """Subscribe and return the ``subscribed`` frame, so that every event ingested afterwards must arrive."""
        message = {"t": "subscribe", "id": sub_id, "filter": event_filter or {}}
        if backfill:
            message["backfill"] = backfill
        self.client.send(message)
        return self.wait_for(lambda frame: frame["t"] in ("subscribed", "error") and frame.get("sub") == sub_id)

    def _record(self, frame: dict) -> None:
        self.frames.append(frame)
        if frame["t"] == "live":
            target = self.backfill if frame.get("backfill") else self.events
            target[frame["sub"]].extend(frame["events"])
            self.live_frames.append((time.monotonic(), frame))

    def wait_for(self, condition, timeout: float = 10) -> dict:
        """Read frames until one satisfies ``condition`` and return it."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.client.receive(timeout=max(0.01, deadline - time.monotonic()))
            self._record(frame)
            if condition(frame):
                return frame

    def collect(self, done, timeout: float = 10) -> None:
        """Read frames until ``done()`` is true; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out; received {dict((key, len(value)) for key, value in self.events.items())}"
            try:
                self._record(self.client.receive(timeout=min(remaining, 0.5)))
            except TimeoutError:
                pass

    def quiet(self, seconds: float = 0.4) -> None:
        """Read whatever arrives during ``seconds``, to catch events that should not come."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self._record(self.client.receive(timeout=remaining))
            except TimeoutError:
                return


def send(server, events: list[dict]) -> dict:
    writer = Client(server.ws_url, server.write_key)
    ack = writer.receive_ack(writer.send_events(events))
    writer.close()
    return ack


def ids(events: list[dict]) -> list[str]:
    return [event["event_id"] for event in events]


FILTER_EVENTS = {
    "signup": make_event("signup", event_type="click", session_id="s1", distinct_id="u1", url="https://a.example/p?x=1", properties={"plan": "pro", "seats": 3}),
    "signup_done": make_event("signup_done", event_type="submit", session_id="s2", distinct_id="u2", url="https://a.example/q", properties={"plan": "free"}),
    "Signup Button": make_event("Signup Button", event_type="click", session_id="s1", distinct_id="u1", url="https://b.example/", properties={"plan": "pro"}),
    "login": make_event("login", event_type="submit", session_id="s3", distinct_id="u3", url="https://a.example/p", properties={"seats": 3}),
}

# (subscription id, filter, names of FILTER_EVENTS it must receive)
FILTER_SUBSCRIPTIONS = [
    ("everything", {}, {"signup", "signup_done", "Signup Button", "login"}),
    ("exact-name", {"event_name": "signup"}, {"signup"}),
    ("name-prefix", {"event_name": "signup*"}, {"signup", "signup_done"}),
    ("type-and-session", {"event_type": "click", "session_id": "s1"}, {"signup", "Signup Button"}),
    ("user", {"distinct_id": "u2"}, {"signup_done"}),
    ("url-prefix", {"url": "https://a.example/p*"}, {"signup", "login"}),
    ("property", {"properties": {"plan": "pro"}}, {"signup", "Signup Button"}),
    ("number-property", {"properties": {"seats": 3, "plan": "pro"}}, {"signup"}),
    ("no-match", {"event_name": "checkout"}, set()),
    ("accepted-only", {"status": "accepted", "event_type": "submit"}, {"signup_done", "login"}),
]


def test_filters_through_socket(server):
    viewer = Viewer(server)
    for sub_id, event_filter, _ in FILTER_SUBSCRIPTIONS:
        assert viewer.subscribe(sub_id, event_filter)["t"] == "subscribed"

    send(server, list(FILTER_EVENTS.values()))
    expected = {sub_id: {FILTER_EVENTS[name]["event_id"] for name in names} for sub_id, _, names in FILTER_SUBSCRIPTIONS}
    viewer.collect(lambda: all(len(viewer.events[sub_id]) >= len(want) for sub_id, want in expected.items()))
    viewer.quiet()

    for sub_id, want in expected.items():
        assert sorted(ids(viewer.events[sub_id])) == sorted(want), sub_id


def test_statuses_reach_subscribers(server):
    viewer = Viewer(server)
    viewer.subscribe("duplicates", {"status": "duplicate"})
    viewer.subscribe("rejected", {"status": "rejected"})
    viewer.subscribe("all", {})

    event = make_event("status-check")
    send(server, [event])
    ack = send(server, [dict(event), {"event_type": "click"}])
    assert ack["duplicates"] == 1
    viewer.collect(lambda: len(viewer.events["all"]) >= 3 and viewer.events["rejected"] and viewer.events["duplicates"])

    assert [item["status"] for item in viewer.events["all"]] == ["accepted", "duplicate", "rejected"]
    duplicate = viewer.events["duplicates"][0]
    assert duplicate["event_id"] == event["event_id"]
    assert duplicate["event_name"] == "status-check"
    rejected = viewer.events["rejected"][0]
    assert rejected["reason"] == "event_name is missing"
    assert rejected["project"] == "default"


def test_live_event_has_stored_form(server):
    viewer = Viewer(server)
    viewer.subscribe("all")
    event = make_event("shape", properties={"plan": "pro"}, url="https://a.example/")
    send(server, [event])
    viewer.collect(lambda: viewer.events["all"])

    pushed = viewer.events["all"][0]
    stored = httpx.get(server.url + "/api/events", params={"key": server.read_key, "event_name": "shape"}).json()["events"][0]
    assert {**stored, "status": "accepted"} == pushed
    assert isinstance(pushed["received_at"], int)
    assert pushed["properties"] == '{"plan":"pro"}'


def test_live_frames_batched_every_50ms(server):
    viewer = Viewer(server)
    viewer.subscribe("batched", {"event_name": "burst"})
    writer = Client(server.ws_url, server.write_key)

    def send_one_by_one() -> None:
        for _ in range(60):
            writer.send_events([make_event("burst")])
            time.sleep(0.005)

    # Sent from a thread while this one reads, so arrival times show when the server sent each frame.
    sender = threading.Thread(target=send_one_by_one)
    sender.start()
    viewer.collect(lambda: len(viewer.events["batched"]) >= 60)
    sender.join()

    times = [at for at, frame in viewer.live_frames if frame["sub"] == "batched"]
    assert len(times) < 60
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    # Arrival times carry the client's own scheduling jitter, so allow a few milliseconds below 50.
    assert min(gaps) > 0.04, gaps
    assert len(ids(viewer.events["batched"])) == len(set(ids(viewer.events["batched"])))


def test_unsubscribe_stops_events(server):
    viewer = Viewer(server)
    viewer.subscribe("kept", {"event_name": "after*"})
    viewer.subscribe("dropped", {"event_name": "after*"})
    viewer.client.send({"t": "unsubscribe", "id": "dropped"})
    viewer.client.send({"t": "unsubscribe", "id": "never-subscribed"})

    send(server, [make_event("after-unsubscribe")])
    viewer.collect(lambda: viewer.events["kept"])
    viewer.quiet()
    assert viewer.events["dropped"] == []
    assert not [frame for frame in viewer.frames if frame["t"] == "error"]


def test_resubscribe_replaces_filter(server):
    viewer = Viewer(server)
    viewer.subscribe("feed", {"event_name": "old"})
    viewer.subscribe("feed", {"event_name": "new"})
    send(server, [make_event("old"), make_event("new")])
    viewer.collect(lambda: viewer.events["feed"])
    viewer.quiet()
    assert [event["event_name"] for event in viewer.events["feed"]] == ["new"]


def test_other_project_events_not_pushed(server_factory, tmp_path):
    data = tmp_path / "projects"
    data.mkdir()
    (data / "eventlayer.toml").write_text('[[projects]]\nname = "shop"\nwrite_key = "wk_shop"\nread_key = "rk_shop"\n')
    server = server_factory(data_dir=data)
    viewer = Viewer(server)
    viewer.subscribe("all")
    shop_writer = Client(server.ws_url, "wk_shop")
    shop_writer.receive_ack(shop_writer.send_events([make_event("shop-event")]))
    send(server, [make_event("default-event")])
    viewer.collect(lambda: viewer.events["all"])
    viewer.quiet()
    assert [event["event_name"] for event in viewer.events["all"]] == ["default-event"]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"t": "subscribe", "id": "bad", "filter": {"name": "x"}}, "invalid_filter"),
        ({"t": "subscribe", "id": "bad", "filter": {"status": "stored"}}, "invalid_filter"),
        ({"t": "subscribe", "id": "bad", "filter": {}, "backfill": 5000}, "invalid_subscription"),
        ({"t": "subscribe", "id": "bad", "filter": {}, "backfill": "10"}, "invalid_subscription"),
        ({"t": "subscribe", "id": "", "filter": {}}, "invalid_subscription"),
        ({"t": "subscribe", "filter": {}}, "invalid_subscription"),
    ],
)
def test_invalid_subscribe_gets_error(server, message, code):
    viewer = Viewer(server)
    viewer.client.send(message)
    frame = viewer.wait_for(lambda frame: frame["t"] == "error")
    assert frame["code"] == code
    viewer.client.send({"t": "subscribe", "id": "still-open", "filter": {}})
    assert viewer.wait_for(lambda frame: frame["t"] == "subscribed")["sub"] == "still-open"


def test_subscription_limit_per_connection(server):
    viewer = Viewer(server)
    for index in range(10):
        assert viewer.subscribe(f"sub-{index}")["t"] == "subscribed"
    frame = viewer.subscribe("one-too-many")
    assert frame["t"] == "error"
    assert frame["code"] == "too_many_subscriptions"


def test_write_key_cannot_subscribe(server):
    writer = Client(server.ws_url, server.write_key)
    writer.send({"t": "subscribe", "id": "x", "filter": {}})
    frame = writer.receive()
    assert frame["t"] == "error"
    assert frame["code"] == "forbidden"


def test_backfill_then_live_without_gaps_or_repeats(server_factory):
    # A long flush interval leaves events published but not yet stored when the subscription starts.
    server = server_factory(EVENTLAYER_FLUSH_INTERVAL="1.0")
    writer = Client(server.ws_url, server.write_key)
    for batch in range(30):
        writer.receive_ack(writer.send_events([make_event("backfilled", properties={"n": batch * 10 + i}) for i in range(10)]))

    stop = threading.Event()
    sent_during: list[str] = []

    def keep_sending() -> None:
        client = Client(server.ws_url, server.write_key)
        seqs = []
        while not stop.is_set():
            events = [make_event("backfilled") for _ in range(5)]
            sent_during.extend(ids(events))
            seqs.append(client.send_events(events))
            time.sleep(0.01)
        for seq in seqs:
            client.receive_ack(seq)

    sender = threading.Thread(target=keep_sending)
    sender.start()
    time.sleep(0.3)
    viewer = Viewer(server)
    assert viewer.subscribe("feed", {"event_name": "backfilled"}, backfill=100)["backfill"] == 100
    time.sleep(0.5)
    stop.set()
    sender.join()

    stored = []
    cursor = None
    while True:
        params = {"key": server.read_key, "event_name": "backfilled", "limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(server.url + "/api/events", params=params).json()
        stored.extend(page["events"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    stored.reverse()
    stored_ids = ids(stored)
    assert len(stored_ids) == 300 + len(sent_during)

    viewer.collect(lambda: len(viewer.backfill["feed"]) + len(viewer.events["feed"]) >= 100 and stored_ids[-1] in ids(viewer.events["feed"]) + ids(viewer.backfill["feed"]))
    viewer.quiet()
    backfill = viewer.backfill["feed"]
    received = ids(backfill) + ids(viewer.events["feed"])

    assert len(backfill) == 100
    assert [(event["received_at"], event["event_id"]) for event in backfill] == sorted((event["received_at"], event["event_id"]) for event in backfill)
    assert len(received) == len(set(received)), "an event was sent twice"
    # Backfill plus live events are exactly the newest stored events, with nothing missing in between.
    assert set(received) == set(stored_ids[-len(received) :])
    assert all(event["status"] == "accepted" for event in backfill)
    # Some events arrived live, so the test covered the hand-over from backfill to live.
    assert viewer.events["feed"]


def test_backfill_smaller_than_stored(server):
    send(server, [make_event("few", properties={"n": n}) for n in range(3)])
    viewer = Viewer(server)
    viewer.subscribe("feed", {"event_name": "few"}, backfill=50)
    viewer.collect(lambda: len(viewer.backfill["feed"]) >= 3)
    viewer.quiet()
    assert len(viewer.backfill["feed"]) == 3


def hello_with_url(server, url: str) -> Client:
    client = Client(server.ws_url, server.write_key, hello=False)
    client.send({"t": "hello", "v": 1, "key": server.write_key, "sdk": "tests/1", "sent_at": now_ms(), "url": url})
    assert client.receive()["t"] == "welcome"
    return client


def test_presence_counts_connections_per_page(server):
    pages = [hello_with_url(server, url) for url in ("https://a.example/pricing?utm=x", "https://a.example/pricing#top", "https://a.example/")]
    viewer = Viewer(server)
    viewer.subscribe("all")
    frame = viewer.wait_for(lambda frame: frame["t"] == "presence" and frame["total"] == 3)
    assert frame["pages"] == [{"url": "https://a.example/pricing", "connections": 2}, {"url": "https://a.example/", "connections": 1}]

    started = time.monotonic()
    pages[0].close()
    frame = viewer.wait_for(lambda frame: frame["t"] == "presence" and frame["total"] == 2, timeout=3)
    assert time.monotonic() - started < 1.5
    assert frame["pages"] == [{"url": "https://a.example/", "connections": 1}, {"url": "https://a.example/pricing", "connections": 1}]

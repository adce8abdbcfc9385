"""``GET /api/events`` through a real server: paging, filters matching the live ones, time ranges and errors."""

from __future__ import annotations

import httpx
import pytest

from eventlayer.live_filter import compile_filter
from tests.support.wsclient import Client, make_event, now_ms


def store(server, events: list[dict], frame_events: int = 1000) -> None:
    writer = Client(server.ws_url, server.write_key)
    seqs = [writer.send_events(events[start : start + frame_events]) for start in range(0, len(events), frame_events)]
    for seq in seqs:
        ack = writer.receive_ack(seq, timeout=60)
        assert ack["accepted"] > 0, ack
    writer.close()


def get(server, **params) -> httpx.Response:
    return httpx.get(server.url + "/api/events", params={"key": server.read_key, **params}, timeout=30)


def test_pages_through_25000_events(server):
    names = ["signup_started", "signup_done", "login", "page_view", "Signup"]
    events = [make_event(names[index % len(names)], properties={"n": index}) for index in range(25_000)]
    store(server, events)
    expected = {event["event_id"] for event in events if event["event_name"].startswith("signup")}
    assert len(expected) == 10_000

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"event_name": "signup*", "limit": 700}
        if cursor:
            params["cursor"] = cursor
        response = get(server, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(event["event_id"] for event in body["events"])
        pages += 1
        if pages == 3:
            # Events stored while paging are newer than the cursor, so they do not disturb the pages that follow.
            store(server, [make_event("signup_late") for _ in range(50)])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)), "an event came twice"
    assert set(seen) == expected
    assert pages == 15


def test_pages_newest_first(server):
    store(server, [make_event("ordered") for _ in range(30)])
    store(server, [make_event("ordered") for _ in range(30)])
    events = get(server, event_name="ordered", limit=1000).json()["events"]
    keys = [(event["received_at"], event["event_id"]) for event in events]
    assert keys == sorted(keys, reverse=True)
    assert len(keys) == 60


TABLE_EVENTS = [
    make_event("a", event_type="click", session_id="s1", distinct_id="u1", url="https://x.example/p?q=1", properties={"plan": "pro", "seats": 5, "ratio": 0.5, "beta": True, "note": None, "tags": ["t"]}),
    make_event("ab", event_type="submit", session_id="s2", distinct_id="u2", url="https://x.example/q", properties={"plan": "free", "seats": "5"}),
    make_event("b", event_type="click", session_id="s1", distinct_id="u3", url="https://y.example/", properties={"plan": "pro", "seats": 15}),
    make_event("c*", event_type="view", properties={"beta": False, "ratio": 1e-7}),
]

FILTERS = [
    {},
    {"event_name": "a"},
    {"event_name": "a*"},
    {"event_name": "c*"},
    {"event_name": "c**"},
    {"event_type": "click", "session_id": "s1"},
    {"distinct_id": "u*"},
    {"url": "https://x.example/*"},
    {"status": "accepted"},
    {"status": "rejected"},
    {"properties": {"plan": "pro"}},
    {"properties": {"plan": "p*"}},
    {"properties": {"seats": "5"}},
    {"properties": {"seats": "1*"}},
    {"properties": {"ratio": "0.5"}},
    {"properties": {"ratio": "1e-07"}},
    {"properties": {"ratio": "1e-7"}},
    {"properties": {"ratio": "0.0000001"}},
    {"properties": {"ratio": "0.*"}},
    {"properties": {"seats": "5.0"}},
    {"properties": {"seats": "15"}},
    {"properties": {"beta": "true"}},
    {"properties": {"beta": "false"}},
    {"properties": {"note": "null"}},
    {"properties": {"tags": "*"}},
    {"properties": {"missing": "*"}},
    {"properties": {"plan": "pro", "seats": "5"}},
]


def test_filters_match_live_semantics(server):
    store(server, TABLE_EVENTS)
    stored = get(server, limit=1000).json()["events"]
    assert len(stored) == len(TABLE_EVENTS)

    for event_filter in FILTERS:
        params = {key: value for key, value in event_filter.items() if key != "properties"}
        params.update({f"prop.{key}": value for key, value in event_filter.get("properties", {}).items()})
        response = get(server, **params)
        assert response.status_code == 200, response.text
        got = sorted(event["event_id"] for event in response.json()["events"])
        compiled = compile_filter(event_filter)
        want = sorted(event["event_id"] for event in stored if compiled.matches({**event, "status": "accepted"}))
        assert got == want, event_filter


def test_time_range(server):
    store(server, [make_event("early")])
    middle = now_ms() + 1
    store(server, [make_event("late")])

    since = [event["event_name"] for event in get(server, since=middle).json()["events"]]
    until = [event["event_name"] for event in get(server, until=middle).json()["events"]]
    assert since == ["late"]
    assert until == ["early"]
    iso = get(server, since="2000-01-01T00:00:00Z", until="2000-01-02T00:00:00Z").json()["events"]
    assert iso == []


def test_key_in_header(server):
    store(server, [make_event("header")])
    response = httpx.get(server.url + "/api/events", headers={"X-EventLayer-Key": server.read_key})
    assert response.status_code == 200
    assert [event["event_name"] for event in response.json()["events"]] == ["header"]


@pytest.mark.parametrize("key", [None, "wrong", "write"])
def test_read_key_required(server, key):
    params = {}
    if key == "write":
        params["key"] = server.write_key
    elif key is not None:
        params["key"] = key
    response = httpx.get(server.url + "/api/events", params=params)
    assert response.status_code == 401
    assert "read key" in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "message_part"),
    [
        ({"limit": "0"}, "limit is '0'"),
        ({"limit": "1001"}, "from 1 to 1000"),
        ({"limit": "ten"}, "limit is 'ten'"),
        ({"cursor": "not-a-cursor"}, "cursor is not valid"),
        ({"name": "x"}, "parameter 'name' is not known"),
        ({"since": "yesterday"}, "since"),
        ({"status": "stored"}, "matches no status"),
    ],
)
def test_invalid_parameters_rejected(server, params, message_part):
    response = get(server, **params)
    assert response.status_code == 400
    assert message_part in response.json()["message"]


def test_values_bound_as_parameters(server):
    store(server, [make_event("it's \"quoted\" \\ {x:String}", properties={"k'ey": "v'al"})])
    name = "it's \"quoted\" \\ {x:String}"
    events = get(server, event_name=name, **{"prop.k'ey": "v'al"}).json()["events"]
    assert [event["event_name"] for event in events] == [name]
    assert get(server, event_name="' OR 1=1 --").json()["events"] == []

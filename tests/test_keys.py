"""Which key opens what: every endpoint and message against every kind of key.

A write key can only ingest. Live feeds (``subscribe`` with backfill), ``GET /api/events`` and ``POST /api/sql``
need a read key (SQL: the default project's). A missing or wrong key is refused with 401, or close 1008 on
the WebSocket.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.configured import DEFAULT_READ, DEFAULT_WRITE, SHOP_READ, SHOP_WRITE, start_configured
from tests.support.wsclient import Client, make_event, now_ms

KEYS = {
    "default write": DEFAULT_WRITE,
    "default read": DEFAULT_READ,
    "shop write": SHOP_WRITE,
    "shop read": SHOP_READ,
    "wrong": "wk_not_a_key_of_any_project",
    "empty": "",
    "missing": None,
}
WRITE_KEYS = {"default write", "shop write"}
READ_KEYS = {"default read", "shop read"}
PROJECT_OF = {"default write": "default", "default read": "default", "shop write": "shop", "shop read": "shop"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = start_configured(tmp_path_factory.mktemp("keys") / "data")
    # One stored event per project, so reads have something to leak if a check were missing.
    for key, name in ((DEFAULT_WRITE, "default seed"), (SHOP_WRITE, "shop seed")):
        response = httpx.post(f"{process.url}/api/batch", json={"key": key, "events": [make_event(name)]})
        assert response.status_code == 200, response.text
    yield process
    process.stop()


def expected_status(endpoint: str, kind: str) -> int:
    if endpoint in ("POST /api/events/log", "POST /api/batch"):
        return 200 if kind in WRITE_KEYS | READ_KEYS else 401
    if endpoint == "GET /api/events":
        return 200 if kind in READ_KEYS else 401
    if endpoint == "POST /api/sql":
        return 200 if kind == "default read" else 401
    raise AssertionError(endpoint)


def call(server, endpoint: str, key: str | None, channel: str) -> httpx.Response:
    """Call ``endpoint`` with ``key`` in the header, the query string or (batch only) the body."""
    headers = {"X-EventLayer-Key": key} if channel == "header" and key is not None else {}
    params = {"key": key} if channel == "query" and key is not None else {}
    method, path = endpoint.split(" ")
    if endpoint == "POST /api/events/log":
        return httpx.post(server.url + path, json=make_event("matrix"), headers=headers, params=params)
    if endpoint == "POST /api/batch":
        body: dict = {"events": [make_event("matrix")]}
        if channel == "body" and key is not None:
            body["key"] = key
        return httpx.post(server.url + path, json=body, headers=headers, params=params)
    if endpoint == "GET /api/events":
        return httpx.get(server.url + path, headers=headers, params=params)
    return httpx.post(server.url + path, content=b"SELECT count() AS n FROM eventlayer.event_manager", headers=headers, params=params)


ENDPOINTS = ["POST /api/events/log", "POST /api/batch", "GET /api/events", "POST /api/sql"]
HTTP_CASES = [
    (endpoint, kind, channel)
    for endpoint in ENDPOINTS
    for kind in KEYS
    for channel in (("header", "query", "body") if endpoint == "POST /api/batch" else ("header", "query"))
]


@pytest.mark.parametrize(("endpoint", "kind", "channel"), HTTP_CASES, ids=[" | ".join(case) for case in HTTP_CASES])
def test_http_key_matrix(server, endpoint, kind, channel):
    response = call(server, endpoint, KEYS[kind], channel)

    assert response.status_code == expected_status(endpoint, kind), response.text
    if response.status_code == 401:
        assert response.json()["status"] == "error"
    if endpoint == "GET /api/events" and response.status_code == 200:
        projects = {event["project"] for event in response.json()["events"]}
        assert projects == {PROJECT_OF[kind]}


def hello(server, key: str | None) -> Client:
    client = Client(server.ws_url, "", hello=False)
    message = {"t": "hello", "v": 1, "sdk": "tests/1", "sent_at": now_ms()}
    if key is not None:
        message["key"] = key
    client.send(message)
    return client


@pytest.mark.parametrize("kind", ["wrong", "empty", "missing"])
def test_ws_bad_key_closes_with_1008(server, kind):
    client = hello(server, KEYS[kind])
    assert client.close_code() == 1008


@pytest.mark.parametrize("kind", sorted(WRITE_KEYS | READ_KEYS))
def test_ws_key_matrix(server, kind):
    client = hello(server, KEYS[kind])
    welcome = client.receive()
    assert welcome["t"] == "welcome"
    assert welcome["can"] == (["ingest", "live"] if kind in READ_KEYS else ["ingest"])

    ack = client.receive_ack(client.send_events([make_event("ws matrix")]))
    assert ack["accepted"] == 1

    client.send({"t": "subscribe", "id": "feed", "filter": {}, "backfill": 10})
    reply = client.receive()
    if kind in WRITE_KEYS:
        assert reply["t"] == "error"
        assert reply["code"] == "forbidden"
        client.send({"t": "unsubscribe", "id": "feed"})
        assert client.receive()["code"] == "forbidden"
    else:
        while reply["t"] == "presence":
            reply = client.receive()
        assert reply["t"] == "subscribed"
        backfill = []
        while len(backfill) < 2:
            frame = client.receive()
            if frame["t"] == "live":
                backfill.extend(frame["events"])
        assert {event["project"] for event in backfill} == {PROJECT_OF[kind]}
        client.send({"t": "unsubscribe", "id": "feed"})

    # A refused live message does not end the session.
    assert client.receive_ack(client.send_events([make_event("after subscribe")]))["accepted"] == 1
    client.close()

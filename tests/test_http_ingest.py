"""HTTP ingest: the original design's /api/events/log, /api/batch, keys and body limits."""

from __future__ import annotations

import json
import socket

import httpx
import msgpack

from tests.support.wsclient import make_event

ORIGINAL_PAYLOAD = {
    "event_type": "click",
    "event_name": "Signup Button",
    "event_value": "42",
    "event_starttime": "2024-05-01T12:00:00.000Z",
    "event_endtime": "2024-05-01T12:00:02.500Z",
    "event_lat": 52.52,
    "event_lang": 13.405,
    "user_browser": "Firefox 125",
    "user_os": "Ubuntu",
    "user_ip": "198.51.100.23",
}


def test_original_design_payload_is_stored(server):
    response = httpx.post(f"{server.url}/api/events/log", json=ORIGINAL_PAYLOAD, headers={"X-EventLayer-Key": server.write_key})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    rows = server.query(
        "SELECT event_type, event_value, toUnixTimestamp64Milli(event_starttime) AS start, "
        "toUnixTimestamp64Milli(event_endtime) AS end, event_lat, event_lang, user_browser, user_os, user_ip, source "
        f"FROM eventlayer.event_manager WHERE event_id = '{body['event_ids'][0]}'"
    )
    assert rows == [
        {
            "event_type": "click",
            "event_value": "42",
            "start": 1714564800000,
            "end": 1714564802500,
            "event_lat": 52.52,
            "event_lang": 13.405,
            "user_browser": "Firefox 125",
            "user_os": "Ubuntu",
            "user_ip": "127.0.0.0",  # the connection's address, anonymised, not the one the client claimed
            "source": "http",
        }
    ]


def test_key_in_query_parameter_is_accepted(server):
    response = httpx.post(f"{server.url}/api/events/log?key={server.write_key}", json=ORIGINAL_PAYLOAD)
    assert response.status_code == 200


def test_bad_key_gets_401(server):
    for headers in ({}, {"X-EventLayer-Key": "wk_wrong"}):
        response = httpx.post(f"{server.url}/api/events/log", json=ORIGINAL_PAYLOAD, headers=headers)
        assert response.status_code == 401
        assert "key" in response.json()["message"]


def test_refused_event_names_the_field(server):
    payload = {**ORIGINAL_PAYLOAD, "event_name": ""}
    response = httpx.post(f"{server.url}/api/events/log", json=payload, headers={"X-EventLayer-Key": server.write_key})

    assert response.status_code == 400
    assert "event_name" in response.json()["message"]


def test_array_with_one_bad_event_stores_the_rest(server):
    good = [make_event("array good", event_starttime="2024-05-01T12:00:00Z") for _ in range(3)]
    payload = [good[0], {"event_type": "click"}, good[1], good[2]]
    response = httpx.post(f"{server.url}/api/events/log", json=payload, headers={"X-EventLayer-Key": server.write_key})

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "partial"
    assert body["accepted"] == 3
    assert body["rejected"][0]["i"] == 1
    assert "event_name" in body["rejected"][0]["reason"]
    assert server.count("event_name = 'array good'") == (3, 3)


def test_batch_accepts_beacon_text_plain_json(server):
    events = [make_event("beacon json") for _ in range(5)]
    body = json.dumps({"key": server.write_key, "events": events})
    response = httpx.post(f"{server.url}/api/batch", content=body, headers={"Content-Type": "text/plain;charset=UTF-8"})

    assert response.status_code == 200
    assert response.json()["accepted"] == 5
    assert server.query("SELECT DISTINCT source FROM eventlayer.event_manager WHERE event_name = 'beacon json'") == [{"source": "beacon"}]


def test_batch_accepts_msgpack(server):
    events = [make_event("batch msgpack") for _ in range(4)]
    response = httpx.post(
        f"{server.url}/api/batch?key={server.write_key}",
        content=msgpack.packb(events),
        headers={"Content-Type": "application/msgpack"},
    )
    assert response.json()["accepted"] == 4
    assert server.count("event_name = 'batch msgpack'") == (4, 4)


def test_50_mb_body_with_content_length_gets_413(server):
    # Only the headers are sent: the server must answer before it reads a body that is never coming.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 52428800\r\n\r\n"
        )
        status_line = connection.recv(4096).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line


def test_50_mb_chunked_body_gets_413(server):
    chunk = b"x" * (1 << 20)

    def body():
        for _ in range(50):
            yield chunk

    try:
        response = httpx.post(f"{server.url}/api/batch?key={server.write_key}", content=body(), timeout=30)
        status = response.status_code
    except httpx.HTTPError:
        # The server may close the connection while the client is still sending; then no status was read.
        status = None
    assert status in (413, None)
    assert server.count() == (0, 0)


def test_healthz_and_metrics(server):
    httpx.post(f"{server.url}/api/events/log", json=ORIGINAL_PAYLOAD, headers={"X-EventLayer-Key": server.write_key})
    assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
    metrics = httpx.get(f"{server.url}/metrics").text
    assert 'eventlayer_events_accepted_total{source="http"} 1.0' in metrics
    assert "eventlayer_flush_batch_rows_bucket" in metrics

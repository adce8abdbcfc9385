"""Storage faults through a fault-injecting wrapper around the real chDB store."""

from __future__ import annotations

import json
import time

import httpx

from tests.support.wsclient import Client, make_event


def wait_for(condition, timeout=30, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def test_outage_acks_from_spool_and_drains(server_factory):
    server = server_factory(faulty=True)
    server.set_faults(fail_inserts=True)
    client = Client(server.ws_url, server.write_key)

    sent = []
    for frame in range(10):
        events = [make_event(f"outage {frame}-{i}") for i in range(100)]
        sent.extend(events)
        ack = client.receive_ack(client.send_events(events), timeout=20)
        assert ack["accepted"] == 100

    health = httpx.get(server.url + "/healthz").json()
    assert health["spool_batches"] > 0
    assert server.count("event_name LIKE 'outage %'") == (0, 0)

    server.set_faults(fail_inserts=False)
    assert wait_for(lambda: httpx.get(server.url + "/healthz").json()["spool_batches"] == 0)
    assert server.count("event_name LIKE 'outage %'") == (1000, 1000)


def test_spool_survives_restart_during_outage(server_factory):
    server = server_factory(faulty=True)
    server.set_faults(fail_inserts=True)
    client = Client(server.ws_url, server.write_key)
    events = [make_event(f"spooled {i}") for i in range(200)]
    assert client.receive_ack(client.send_events(events), timeout=20)["accepted"] == 200
    server.kill()

    server.set_faults(fail_inserts=False)
    server.start()
    assert wait_for(lambda: server.count("event_name LIKE 'spooled %'")[0] == 200)
    # A resend after the restart is recognised from the spool's ids and not stored again.
    client = Client(server.ws_url, server.write_key)
    assert client.receive_ack(client.send_events(events))["duplicates"] == 200
    assert server.count("event_name LIKE 'spooled %'") == (200, 200)


def test_ambiguous_insert_is_not_stored_twice(server_factory):
    server = server_factory(faulty=True)
    server.set_faults(commit_then_fail=20)
    client = Client(server.ws_url, server.write_key)

    for frame in range(20):
        events = [make_event(f"ambiguous {frame}-{i}") for i in range(50)]
        assert client.receive_ack(client.send_events(events), timeout=20)["accepted"] == 50

    status = json.loads((server.data_dir / "faults-status.json").read_text())
    assert status["committed_then_failed"] == 20
    assert wait_for(lambda: httpx.get(server.url + "/healthz").json()["spool_batches"] == 0)
    assert server.count("event_name LIKE 'ambiguous %'") == (1000, 1000)


def test_full_buffer_and_spool_refuse_with_1013_and_503(server_factory):
    server = server_factory(faulty=True, EVENTLAYER_SPOOL_MAX_BYTES="1", EVENTLAYER_BUFFER_MAX_EVENTS="150")
    server.set_faults(fail_inserts=True)
    client = Client(server.ws_url, server.write_key)
    client.send_events([make_event(f"stuck {i}") for i in range(100)])
    time.sleep(0.5)
    client.send_events([make_event(f"refused {i}") for i in range(100)])
    assert client.close_code(timeout=10) == 1013

    # The server waits EVENTLAYER_OVERLOAD_WAIT (5 s) for room before it answers 503, as long as httpx's default timeout.
    response = httpx.post(f"{server.url}/api/batch?key={server.write_key}", json=[make_event(f"http {i}") for i in range(100)], timeout=30)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()

    metrics = httpx.get(server.url + "/metrics").text
    assert 'eventlayer_events_refused_overload_total{source="ws"} 100.0' in metrics
    assert 'eventlayer_events_refused_overload_total{source="http"} 100.0' in metrics

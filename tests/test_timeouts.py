"""Timeouts against clients that stop talking: idle WebSockets, dead sockets (no pong) and slow HTTP bodies.

The server runs with short timeouts (idle 3 s, ping every 0.5 s with 0.5 s to answer, body 1 s); the
defaults are in docs/configuration.md.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.support.rawsocket import open_websocket, slow_request, wait_for_close
from tests.support.wsclient import Client, make_event

IDLE_TIMEOUT = 3.0
PING_INTERVAL = 0.5
PING_TIMEOUT = 0.5
BODY_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.support.server_process import ServerProcess

    process = ServerProcess(
        tmp_path_factory.mktemp("timeouts") / "data",
        env={
            "EVENTLAYER_IDLE_TIMEOUT": IDLE_TIMEOUT,
            "EVENTLAYER_PING_INTERVAL": PING_INTERVAL,
            "EVENTLAYER_PING_TIMEOUT": PING_TIMEOUT,
            "EVENTLAYER_BODY_TIMEOUT": BODY_TIMEOUT,
        },
    )
    process.start()
    yield process
    process.stop()


def metric(server, sample: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[1])
    return 0.0


def test_silent_connection_closed_after_idle_timeout(server):
    before = metric(server, "eventlayer_connections_idle_closed_total")
    # The websockets client answers pings, so only the idle timeout can end this connection.
    client = Client(server.ws_url, server.write_key)
    started = time.monotonic()

    code = client.close_code(timeout=IDLE_TIMEOUT + 5)

    elapsed = time.monotonic() - started
    assert code == 1008
    assert IDLE_TIMEOUT - 0.5 <= elapsed <= IDLE_TIMEOUT + 2, elapsed
    assert metric(server, "eventlayer_connections_idle_closed_total") == before + 1


def test_heartbeats_keep_connection_open(server):
    client = Client(server.ws_url, server.write_key)
    deadline = time.monotonic() + IDLE_TIMEOUT * 1.5
    while time.monotonic() < deadline:
        # An empty events frame is the SDK's heartbeat.
        assert client.receive_ack(client.send_events([]))["t"] == "ack"
        time.sleep(IDLE_TIMEOUT / 3)
    assert client.receive_ack(client.send_events([make_event("still open")]))["accepted"] == 1
    client.close()


def test_dead_socket_closed_after_ping_timeout(server):
    sock = open_websocket(server.port, server.write_key)

    elapsed, _, pings = wait_for_close(sock, timeout=IDLE_TIMEOUT)
    sock.close()

    assert pings >= 1
    assert elapsed is not None, "the server kept a socket that never answered a ping"
    assert elapsed <= PING_INTERVAL + PING_TIMEOUT + 1.5, elapsed


def test_slow_body_gets_408(server):
    body = b'{"key": "%s", "events": [{"event_type": "click", "event_name": "slow"}]}' % server.write_key.encode()
    head = (
        f"POST /api/batch HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()

    outcome, elapsed = slow_request(server.port, head, body, byte_interval=0.2, slow_part="body", give_up_after=BODY_TIMEOUT + 5)

    assert outcome.startswith("response HTTP/1.1 408"), outcome
    assert BODY_TIMEOUT - 0.2 <= elapsed <= BODY_TIMEOUT + 1.5, elapsed
    assert metric(server, 'eventlayer_http_requests_refused_total{reason="body_timeout"}') >= 1
    assert server.count("event_name = 'slow'") == (0, 0)


def test_stalled_body_does_not_block_others(server):
    head = (
        f"POST /api/events/log HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        f"X-EventLayer-Key: {server.write_key}\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    stalled = [threading.Thread(target=slow_request, args=(server.port, head, b"{" * 100, 0.1, "body", 5)) for _ in range(20)]
    for thread in stalled:
        thread.start()

    response = httpx.post(f"{server.url}/api/events/log", json=make_event("beside stalled"), headers={"X-EventLayer-Key": server.write_key})

    assert response.status_code == 200
    for thread in stalled:
        thread.join()

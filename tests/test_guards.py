"""Rate limits per key and per client IP, and the cap on connections per IP: the pure parts, then a real server.

Client IPs are simulated with X-Forwarded-For from a trusted proxy (127.0.0.1), so one test machine can act as
several clients.
"""

from __future__ import annotations

import time

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from eventlayer.guards import BucketTable, ConnectionCounter, RateLimited, TokenBucket
from tests.support.configured import DEFAULT_READ, DEFAULT_WRITE, start_configured
from tests.support.wsclient import Client, make_event


def test_token_bucket_allows_burst_then_rate():
    bucket = TokenBucket(rate=10, burst=100, now=0.0)

    assert bucket.take(100, now=0.0) == 0
    assert bucket.take(1, now=0.0) == pytest.approx(0.1)
    assert bucket.take(5, now=0.5) == 0
    assert bucket.take(1, now=0.5) == pytest.approx(0.1)


def test_token_bucket_refills_to_burst_only():
    bucket = TokenBucket(rate=10, burst=100, now=0.0)
    bucket.take(100, now=0.0)

    assert bucket.take(100, now=1000.0) == 0
    assert bucket.take(1, now=1000.0) > 0


def test_token_bucket_refusal_takes_nothing():
    bucket = TokenBucket(rate=10, burst=100, now=0.0)
    bucket.take(95, now=0.0)

    assert bucket.take(10, now=0.0) == pytest.approx(0.5)
    assert bucket.take(5, now=0.0) == 0


def test_token_bucket_charges_oversized_request_the_burst():
    bucket = TokenBucket(rate=10, burst=100, now=0.0)

    assert bucket.take(1000, now=0.0) == 0
    assert bucket.take(1000, now=5.0) == pytest.approx(5.0)
    assert bucket.take(1000, now=10.0) == 0


def test_bucket_table_separates_names_and_forgets_oldest():
    table = BucketTable(rate=1, burst=10, max_buckets=2)

    assert table.take("a", 10, now=0.0) == 0
    assert table.take("a", 1, now=0.0) > 0
    assert table.take("b", 10, now=0.0) == 0
    assert table.take("c", 10, now=0.0) == 0
    assert len(table) == 2
    assert table.take("a", 10, now=0.0) == 0  # "a" was dropped and comes back full


def test_bucket_table_rate_zero_is_off():
    table = BucketTable(rate=0, burst=1)
    assert all(table.take("a", 1_000_000, now=0.0) == 0 for _ in range(10))
    assert len(table) == 0


def test_connection_counter_caps_and_releases():
    counter = ConnectionCounter(max_per_ip=2)

    assert counter.acquire("198.51.100.1")
    assert counter.acquire("198.51.100.1")
    assert not counter.acquire("198.51.100.1")
    assert counter.acquire("198.51.100.2")
    counter.release("198.51.100.1")
    assert counter.acquire("198.51.100.1")
    assert counter.open_from("198.51.100.1") == 2


def test_connection_counter_zero_is_unlimited():
    counter = ConnectionCounter(max_per_ip=0)
    assert all(counter.acquire("198.51.100.1") for _ in range(5000))


def test_retry_after_rounds_up():
    assert RateLimited("ip", 0.01).retry_after_seconds == 1
    assert RateLimited("ip", 2.2).retry_after_seconds == 3


# Slow refills (10 events/s), so the steps of a test finish long before a refused batch could pass.
LIMITS = {
    "EVENTLAYER_TRUSTED_PROXIES": "127.0.0.1",
    "EVENTLAYER_IP_RATE_LIMIT": "10",
    "EVENTLAYER_IP_RATE_BURST": "100",
    "EVENTLAYER_KEY_RATE_LIMIT": "10",
    "EVENTLAYER_KEY_RATE_BURST": "200",
    "EVENTLAYER_MAX_CONNECTIONS_PER_IP": "3",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = start_configured(tmp_path_factory.mktemp("guards") / "data", **LIMITS)
    yield process
    process.stop()


def metric(server, sample: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[1])
    return 0.0


def post_batch(server, key: str, ip: str, count: int) -> httpx.Response:
    events = [make_event("rate") for _ in range(count)]
    return httpx.post(f"{server.url}/api/batch", json={"key": key, "events": events}, headers={"X-Forwarded-For": ip})


def test_rate_limits_per_ip_and_per_key(server):
    # 198.51.100.1 spends its IP burst on one WebSocket frame; the next frame closes the connection.
    client = Client(server.ws_url, DEFAULT_WRITE, additional_headers={"X-Forwarded-For": "198.51.100.1"})
    first = client.send_events([make_event("rate") for _ in range(100)])
    client.send_events([make_event("rate") for _ in range(100)])
    assert client.receive_ack(first)["accepted"] == 100
    assert client.close_code() == 1008

    refused = post_batch(server, DEFAULT_WRITE, "198.51.100.1", 100)
    assert refused.status_code == 429
    assert "per ip" in refused.json()["message"]
    assert int(refused.headers["Retry-After"]) >= 1

    # Another address passes its own bucket, and spends the rest of the key's burst of 200.
    assert post_batch(server, DEFAULT_WRITE, "198.51.100.2", 100).status_code == 200
    refused = post_batch(server, DEFAULT_WRITE, "198.51.100.3", 100)
    assert refused.status_code == 429
    assert "per key" in refused.json()["message"]

    # The read key is a bucket of its own.
    assert post_batch(server, DEFAULT_READ, "198.51.100.4", 100).status_code == 200

    assert metric(server, 'eventlayer_events_refused_rate_limit_total{scope="ip",source="ws"}') == 100
    assert metric(server, 'eventlayer_events_refused_rate_limit_total{scope="ip",source="http"}') == 100
    assert metric(server, 'eventlayer_events_refused_rate_limit_total{scope="key",source="http"}') == 100
    assert metric(server, 'eventlayer_http_requests_refused_total{reason="rate_limit"}') == 2
    stored, unique = server.count("event_name = 'rate'")
    assert (stored, unique) == (300, 300)


def test_connections_per_ip_capped_at_handshake(server):
    def connect(ip: str) -> Client:
        return Client(server.ws_url, DEFAULT_READ, additional_headers={"X-Forwarded-For": ip})

    held = [connect("198.51.100.9") for _ in range(3)]
    with pytest.raises(InvalidStatus) as refused:
        connect("198.51.100.9")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"].isdigit()

    other = connect("198.51.100.10")
    assert other.welcome["t"] == "welcome"

    held.pop().close()
    deadline = time.monotonic() + 5
    while True:  # the server notices the close a moment later
        try:
            held.append(connect("198.51.100.9"))
            break
        except InvalidStatus:
            assert time.monotonic() < deadline, "the closed connection's slot was not released"
            time.sleep(0.1)
    assert metric(server, 'eventlayer_handshakes_refused_total{reason="connections_per_ip"}') >= 1
    for client in [*held, other]:
        client.close()

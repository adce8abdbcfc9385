"""Spool full: storage fails, the spool has no room and the buffer fills, so the server refuses new batches
with close 1013 or HTTP 503 and Retry-After. Each refused event is counted in the metrics exactly as clients
saw it, and once storage is back every event sent is stored once: nothing was dropped silently.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx

from tests.support.resending import ResendingClient, run_async, run_clients, verify


def metric(server, sample: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[1])
    return 0.0


class HttpSender:
    """Posts 50-event batches to /api/batch; keeps the refused ones to resend once storage is back."""

    def __init__(self, server, tag: str):
        self.server = server
        self.tag = tag
        self.refused_events = 0
        self.retry_after_missing = 0
        self.refused_batches: list[list[dict]] = []
        self.ids: list[str] = []

    def post(self, events: list[dict]) -> int:
        response = httpx.post(f"{self.server.url}/api/batch", json={"key": self.server.write_key, "events": events}, timeout=60)
        if response.status_code == 503:
            self.refused_events += len(events)
            self.retry_after_missing += "Retry-After" not in response.headers
            self.refused_batches.append(events)
        return response.status_code

    def run(self, until: float) -> None:
        while time.monotonic() < until:
            events = [{"event_id": str(uuid.uuid4()), "event_type": "reliability", "event_name": self.tag} for _ in range(50)]
            self.ids.extend(event["event_id"] for event in events)
            self.post(events)
            time.sleep(0.3)

    def resend_refused(self) -> None:
        for events in self.refused_batches:
            assert self.post(events) == 200


def test_spool_full_refusals_match_metrics(server_factory):
    server = server_factory(faulty=True, EVENTLAYER_SPOOL_MAX_BYTES="1", EVENTLAYER_BUFFER_MAX_EVENTS="100", EVENTLAYER_OVERLOAD_WAIT="0.5")
    server.set_faults(fail_inserts=True)
    tag = f"spoolfull-{uuid.uuid4().hex[:8]}"
    # One frame of 50 events in flight per connection, so two frames fill the buffer and a 1013 close refuses
    # exactly the one frame its connection had in flight.
    clients = [ResendingClient(server.ws_url, server.write_key, tag, rate=1000, batch=50, window=1) for _ in range(4)]
    http = HttpSender(server, tag)

    async def outage(stop: asyncio.Event) -> None:
        await asyncio.sleep(1)  # the first frames fill the buffer
        stop.set()  # no new events from here on; the clients keep resending the refused ones
        poster = threading.Thread(target=http.run, args=(time.monotonic() + 3,))
        poster.start()
        await asyncio.sleep(3.5)
        server.set_faults(fail_inserts=False)
        # A post that found room in the buffer waits for storage, so the poster is joined after recovery.
        await asyncio.to_thread(poster.join)

    run_async(run_clients(clients, None, drain_timeout=60, during=outage))
    http.resend_refused()

    refused_ws = sum(client.stats.refused_1013 for client in clients)
    print(f"refused over WebSocket: {refused_ws} events; over HTTP: {http.refused_events} events")
    assert refused_ws > 0
    assert http.refused_events > 0
    assert http.retry_after_missing == 0
    assert metric(server, 'eventlayer_events_refused_overload_total{source="ws"}') == refused_ws
    assert metric(server, 'eventlayer_events_refused_overload_total{source="http"}') == http.refused_events
    assert sum(client.stats.close_codes[1013] for client in clients) == refused_ws // 50

    figures = verify(server.url, server.read_key, tag, clients)
    stored = {row["id"] for row in server.query(f"SELECT toString(event_id) AS id FROM eventlayer.event_manager WHERE event_name = '{tag}'")}
    assert figures["acked_missing"] == 0, figures
    assert figures["generated_missing"] == 0, figures
    assert figures["stored_rows"] == figures["stored_unique"], figures
    assert set(http.ids) <= stored
    assert figures["stored_unique"] == figures["generated"] + len(http.ids)

"""A load client that behaves like the SDK towards the promise: it keeps every event until it is acknowledged,
and after a connection drops it reconnects and resends whatever was not.

Each ``ResendingClient`` generates events at a steady rate on one connection, with a window of frames in
flight. ``run_clients`` runs several in one asyncio loop; afterwards ``verify`` compares what they saw with
what storage holds.
"""

from __future__ import annotations

import asyncio
import collections
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import msgpack
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

# Close codes after which the SDK waits before reconnecting (docs/protocol.md): overload and policy.
BACKOFF_SECONDS = {1013: 0.5, 1008: 1.0}
RECONNECT_DELAY_MAX = 0.5


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class FrameRecord:
    events: list[dict]
    sent_at: float  # time.monotonic() of this send


@dataclass
class ClientStats:
    """What one client saw, for the checks and the figures."""

    generated: int = 0
    acked_ids: set[str] = field(default_factory=set)
    rejected: list[dict] = field(default_factory=list)
    duplicates: int = 0
    resent: int = 0
    connects: int = 0
    failed_connects: int = 0
    close_codes: collections.Counter = field(default_factory=collections.Counter)
    # Events in frames the server refused with close 1013 (the one frame in flight, when window is 1).
    refused_1013: int = 0
    # (send time, seconds until its ack) for every acknowledged frame.
    ack_latencies: list[tuple[float, float]] = field(default_factory=list)


class ResendingClient:
    def __init__(self, ws_url: str, key: str, tag: str, rate: float, batch: int = 50, window: int = 32, headers: dict | None = None):
        self.ws_url = ws_url
        self.key = key
        self.tag = tag
        self.rate = rate
        self.batch = batch
        self.window = window
        self.headers = headers or {}
        self.stats = ClientStats()
        self.all_ids: list[str] = []
        self._queue: collections.deque[dict] = collections.deque()  # generated, not yet sent
        self._in_flight: dict[int, FrameRecord] = {}
        self._seq = 0
        self._generating = True

    @property
    def unacked(self) -> int:
        return len(self._queue) + sum(len(frame.events) for frame in self._in_flight.values())

    def _generate(self, count: int) -> None:
        for _ in range(count):
            event = {"event_id": str(uuid.uuid4()), "event_type": "reliability", "event_name": self.tag, "event_starttime": now_ms()}
            self._queue.append(event)
            self.all_ids.append(event["event_id"])
        self.stats.generated += count

    async def run(self, stop_generating: asyncio.Event, deadline: float) -> None:
        """Generate until ``stop_generating`` is set, then keep sending until every event is acknowledged or
        ``deadline`` (time.monotonic()) passes."""
        generator = asyncio.create_task(self._generate_loop(stop_generating))
        delay = 0.05
        try:
            while time.monotonic() < deadline and (self._generating or self.unacked):
                try:
                    async with connect(self.ws_url, max_size=None, compression=None, open_timeout=5, additional_headers=self.headers) as socket:
                        self.stats.connects += 1
                        delay = 0.05
                        code = await self._session(socket, deadline)
                except (OSError, InvalidStatus, TimeoutError, ConnectionClosed) as error:
                    self.stats.failed_connects += 1
                    code = error.rcvd.code if isinstance(error, ConnectionClosed) and error.rcvd else None
                self._requeue_in_flight(code)
                wait = BACKOFF_SECONDS.get(code, delay)
                delay = min(delay * 2, RECONNECT_DELAY_MAX)
                await asyncio.sleep(wait * random.uniform(0.5, 1.0))
        finally:
            generator.cancel()

    async def _generate_loop(self, stop_generating: asyncio.Event) -> None:
        tick = 0.05
        owed = 0.0
        while not stop_generating.is_set():
            owed += self.rate * tick
            whole = int(owed)
            owed -= whole
            self._generate(whole)
            try:
                await asyncio.wait_for(stop_generating.wait(), tick)
            except TimeoutError:
                pass
        self._generating = False

    def _requeue_in_flight(self, code: int | None) -> None:
        """Put unacknowledged frames back at the front of the queue, oldest first, to be resent."""
        if code is not None:
            self.stats.close_codes[code] += 1
        frames = [self._in_flight[seq] for seq in sorted(self._in_flight)]
        self._in_flight.clear()
        for frame in reversed(frames):
            if code == 1013:
                self.stats.refused_1013 += len(frame.events)
            self.stats.resent += len(frame.events)
            self._queue.extendleft(reversed(frame.events))

    async def _session(self, socket, deadline: float) -> int | None:
        await socket.send(msgpack.packb({"t": "hello", "v": 1, "key": self.key, "sdk": "reliability/1", "sent_at": now_ms()}))
        welcome = msgpack.unpackb(await socket.recv())
        if welcome.get("t") != "welcome":
            raise RuntimeError(f"expected welcome, got {welcome}")
        room = asyncio.Event()
        room.set()
        reader = asyncio.create_task(self._read_acks(socket, room))
        try:
            while time.monotonic() < deadline and (self._generating or self.unacked):
                if reader.done():
                    break
                if len(self._in_flight) >= self.window or not self._queue:
                    room.clear()
                    try:
                        await asyncio.wait_for(room.wait(), 0.05)
                    except TimeoutError:
                        pass
                    continue
                events = [self._queue.popleft() for _ in range(min(self.batch, len(self._queue)))]
                self._seq += 1
                self._in_flight[self._seq] = FrameRecord(events, time.monotonic())
                await socket.send(msgpack.packb({"t": "events", "seq": self._seq, "events": events, "sent_at": now_ms()}))
            if not reader.done():
                await socket.close()
            await asyncio.wait({reader}, timeout=5)
        except ConnectionClosed:
            pass
        finally:
            reader.cancel()
        # The code of the server's close frame, 1006 when the connection just ended, 1000 when this side closed.
        return socket.close_code

    async def _read_acks(self, socket, room: asyncio.Event) -> None:
        try:
            async for data in socket:
                message = msgpack.unpackb(data, raw=False)
                if message.get("t") != "ack":
                    continue
                frame = self._in_flight.pop(message["seq"], None)
                if frame is None:
                    continue
                self.stats.ack_latencies.append((frame.sent_at, time.monotonic() - frame.sent_at))
                rejected = {item["i"] for item in message["rejected"]}
                self.stats.rejected.extend(message["rejected"])
                self.stats.duplicates += message["duplicates"]
                for index, event in enumerate(frame.events):
                    if index not in rejected:
                        self.stats.acked_ids.add(event["event_id"])
                room.set()
        except ConnectionClosed:
            pass


async def run_clients(clients: list[ResendingClient], generate_seconds: float | None, drain_timeout: float, during=None) -> None:
    """Run ``clients`` while ``during(stop_event)`` runs (or for ``generate_seconds``), then let them drain."""
    stop = asyncio.Event()
    deadline = time.monotonic() + (generate_seconds or 0) + drain_timeout + 3600 * (during is not None)
    tasks = [asyncio.create_task(client.run(stop, deadline)) for client in clients]
    if during is not None:
        await during(stop)
    else:
        await asyncio.sleep(generate_seconds)
    stop.set()
    drain_deadline = time.monotonic() + drain_timeout
    for client in clients:
        client_deadline = drain_deadline
        while client.unacked and time.monotonic() < client_deadline:
            await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def run_async(coroutine) -> object:
    """Run ``coroutine`` to completion in a thread of its own and return its result.

    A thread, because the Playwright fixtures of the browser tests keep an event loop running in the main
    thread for the whole pytest session, where asyncio.run() refuses to start another.
    """
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["result"] = asyncio.run(coroutine)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="resending-clients")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def stored_ids(url: str, read_key: str, tag: str) -> list[str]:
    """Return every stored event_id with event_name ``tag`` (repeats included), through /api/sql."""
    sql = f"SELECT toString(event_id) AS id FROM eventlayer.event_manager WHERE event_name = '{tag}'"
    response = httpx.post(url + "/api/sql", content=sql.encode(), headers={"X-EventLayer-Key": read_key}, timeout=120)
    response.raise_for_status()
    return [row["id"] for row in response.json()["rows"]]


def verify(url: str, read_key: str, tag: str, clients: list[ResendingClient]) -> dict:
    """Compare the clients' acknowledged and generated events with storage; return the figures."""
    stored = stored_ids(url, read_key, tag)
    stored_set = set(stored)
    acked = set().union(*(client.stats.acked_ids for client in clients))
    generated = [event_id for client in clients for event_id in client.all_ids]
    return {
        "generated": len(generated),
        "acked": len(acked),
        "stored_rows": len(stored),
        "stored_unique": len(stored_set),
        "acked_missing": len(acked - stored_set),
        "generated_missing": len(set(generated) - stored_set),
        "unacked_at_end": sum(client.unacked for client in clients),
        "rejected": sum(len(client.stats.rejected) for client in clients),
        "duplicates_acked": sum(client.stats.duplicates for client in clients),
        "resent": sum(client.stats.resent for client in clients),
        "close_codes": dict(sum((client.stats.close_codes for client in clients), collections.Counter())),
    }


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

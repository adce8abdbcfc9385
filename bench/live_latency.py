"""Live latency: the time from sending an event to its arrival at each subscribed viewer.

    python -m bench.live_latency --url ws://127.0.0.1:8000/ws --write-key WK --read-key RK --rate 10000 --viewers 10

One process runs the viewers and the sender on separate connections; each event carries its send time in
``properties.sent_ns``. Prints one JSON line with the delivery count and p50/p99/max latency in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

import msgpack
import orjson
from websockets.asyncio.client import connect

from bench.http_load import percentile


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def open_session(url: str, key: str):
    socket = await connect(url, max_size=None, compression=None, ping_interval=None)
    await socket.send(msgpack.packb({"t": "hello", "v": 1, "key": key, "sdk": "bench/1", "sent_at": now_ms()}))
    welcome = msgpack.unpackb(await socket.recv())
    if welcome.get("t") != "welcome":
        raise RuntimeError(f"expected welcome, got {welcome}")
    return socket


async def viewer(url: str, key: str, name: str, latencies: list[float], gaps: list[int], ready: asyncio.Event, stop: asyncio.Event):
    socket = await open_session(url, key)
    await socket.send(msgpack.packb({"t": "subscribe", "id": "bench", "filter": {"event_name": name}}))
    ready.set()
    try:
        while not stop.is_set():
            try:
                data = await asyncio.wait_for(socket.recv(), 0.5)
            except TimeoutError:
                continue
            received = time.time_ns()
            message = msgpack.unpackb(data)
            if message.get("t") == "live":
                for event in message["events"]:
                    properties = event.get("properties")
                    sent = orjson.loads(properties)["sent_ns"] if isinstance(properties, str) else properties["sent_ns"]
                    latencies.append((received - sent) / 1e6)
            elif message.get("t") == "gap":
                gaps.append(message["dropped"])
    finally:
        await socket.close()


async def sender(url: str, key: str, name: str, rate: int, seconds: float, batch: int) -> int:
    socket = await open_session(url, key)
    frames = int(rate * seconds / batch)
    interval = batch / rate
    started = time.perf_counter()
    sent = 0

    async def drain_acks():
        async for _ in socket:
            pass

    reader = asyncio.create_task(drain_acks())
    for seq in range(1, frames + 1):
        events = [
            {"event_id": str(uuid.uuid4()), "event_type": "bench", "event_name": name, "properties": {"sent_ns": time.time_ns()}}
            for _ in range(batch)
        ]
        await socket.send(msgpack.packb({"t": "events", "seq": seq, "events": events, "sent_at": now_ms()}))
        sent += batch
        delay = started + seq * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.sleep(1.5)  # the last acks and live pushes
    reader.cancel()
    await socket.close()
    return sent


async def run(url, write_key, read_key, rate, viewers, seconds, batch) -> dict:
    name = f"latency-{uuid.uuid4().hex[:8]}"
    latencies: list[float] = []
    gaps: list[int] = []
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(viewers)]
    tasks = [asyncio.create_task(viewer(url, read_key, name, latencies, gaps, readies[i], stop)) for i in range(viewers)]
    await asyncio.gather(*(ready.wait() for ready in readies))
    await asyncio.sleep(0.3)
    sent = await sender(url, write_key, name, rate, seconds, batch)
    stop.set()
    await asyncio.gather(*tasks)
    return {
        "rate": rate,
        "viewers": viewers,
        "sent": sent,
        "deliveries": len(latencies),
        "expected_deliveries": sent * viewers,
        "gaps_dropped": sum(gaps),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
        "latency_max_ms": round(max(latencies), 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--write-key", required=True)
    parser.add_argument("--read-key", required=True)
    parser.add_argument("--rate", type=int, default=10_000, help="events per second")
    parser.add_argument("--viewers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batch", type=int, default=100, help="events per frame")
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.write_key, args.read_key, args.rate, args.viewers, args.seconds, args.batch))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

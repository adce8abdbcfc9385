"""WebSocket load generator: sends events in frames over several connections and waits for every ack.

    python -m bench.ws_load --url ws://127.0.0.1:8000/ws --key WRITE_KEY --events 100000 --batch 100 --connections 1

Prints one JSON line: events sent, acked, seconds, events/s. Runs in its own process so the server under test
keeps its core; with --processes N it forks N generators that split the connections between them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
import uuid

import msgpack
from websockets.asyncio.client import connect


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def run_connection(url: str, key: str, events: int, batch: int, window: int, name: str) -> int:
    """Send ``events`` events in frames of ``batch`` with at most ``window`` frames unacknowledged; return acked."""
    async with connect(url, max_size=None, compression=None, open_timeout=30, ping_interval=None) as socket:
        await socket.send(msgpack.packb({"t": "hello", "v": 1, "key": key, "sdk": "bench/1", "sent_at": now_ms()}))
        welcome = msgpack.unpackb(await socket.recv())
        if welcome.get("t") != "welcome":
            raise RuntimeError(f"expected welcome, got {welcome}")
        acked = 0
        in_flight = asyncio.Semaphore(window)
        done = asyncio.Event()
        frames = (events + batch - 1) // batch
        received = 0

        async def read_acks():
            nonlocal acked, received
            async for data in socket:
                message = msgpack.unpackb(data)
                if message.get("t") == "ack":
                    acked += message["accepted"] + message["duplicates"]
                    received += 1
                    in_flight.release()
                    if received == frames:
                        done.set()
                        return
                elif message.get("t") == "error":
                    raise RuntimeError(f"server error: {message}")

        reader = asyncio.create_task(read_acks())
        sent = 0
        for seq in range(1, frames + 1):
            count = min(batch, events - sent)
            payload = [
                {"event_id": str(uuid.uuid4()), "event_type": "bench", "event_name": f"{name} {i % 10}", "event_value": str(i), "event_starttime": now_ms()}
                for i in range(sent, sent + count)
            ]
            sent += count
            await in_flight.acquire()
            await socket.send(msgpack.packb({"t": "events", "seq": seq, "events": payload, "sent_at": now_ms()}))
        await asyncio.wait_for(done.wait(), timeout=300)
        await reader
        return acked


async def run_many(url, key, events, batch, connections, window, name) -> int:
    share = events // connections
    results = await asyncio.gather(*(run_connection(url, key, share, batch, window, name) for _ in range(connections)))
    return sum(results)


def _worker(args) -> int:
    url, key, events, batch, connections, window, name = args
    return asyncio.run(run_many(url, key, events, batch, connections, window, name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100, help="events per frame")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--processes", type=int, default=1, help="generator processes sharing the connections")
    parser.add_argument("--window", type=int, default=16, help="frames in flight per connection")
    parser.add_argument("--name", default="load")
    args = parser.parse_args()

    per_process = [
        (args.url, args.key, args.events // args.processes, args.batch, max(1, args.connections // args.processes), args.window, args.name)
        for _ in range(args.processes)
    ]
    started = time.perf_counter()
    if args.processes == 1:
        acked = _worker(per_process[0])
    else:
        with multiprocessing.Pool(args.processes) as pool:
            acked = sum(pool.map(_worker, per_process))
    seconds = time.perf_counter() - started
    print(json.dumps({"events": args.events, "acked": acked, "seconds": round(seconds, 3), "events_per_second": round(acked / seconds)}))


if __name__ == "__main__":
    main()

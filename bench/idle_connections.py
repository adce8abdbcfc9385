"""Open many idle SDK-like connections (hello, then nothing) and hold them until stdin closes.

    python -m bench.idle_connections --url ws://127.0.0.1:8000/ws --key WK --connections 10000

Prints ``{"open": N}`` on one line once every connection has its welcome, then holds them; the caller measures
the server's memory meanwhile and closes this process's stdin to end it. Opens connections 200 at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import msgpack
from websockets.asyncio.client import connect

OPEN_AT_ONCE = 200


async def open_one(url: str, key: str):
    socket = await connect(url, max_size=None, compression=None, open_timeout=60)
    await socket.send(msgpack.packb({"t": "hello", "v": 1, "key": key, "sdk": "bench-idle/1", "sent_at": time.time_ns() // 1_000_000}))
    await socket.recv()
    return socket


async def run(url: str, key: str, connections: int) -> None:
    sockets = []
    for start in range(0, connections, OPEN_AT_ONCE):
        count = min(OPEN_AT_ONCE, connections - start)
        sockets.extend(await asyncio.gather(*(open_one(url, key) for _ in range(count))))
    print(json.dumps({"open": len(sockets)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--connections", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.key, args.connections))


if __name__ == "__main__":
    main()

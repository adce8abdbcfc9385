"""HTTP load generator: one event per ``POST /api/events/log`` request, with a fixed number of requests in flight.

    python -m bench.http_load --url http://127.0.0.1:8000 --key WRITE_KEY --requests 5000 --concurrency 200

Prints one JSON line: requests, successes, seconds, requests/s, latency p50 and p99 in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from urllib.parse import urlsplit


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def build_request(host: str, path: str, key: str, number: int) -> bytes:
    body = json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "click",
            "event_name": f"http {number % 10}",
            "event_value": str(number),
            "event_starttime": "2024-05-01T12:00:00Z",
            "event_endtime": "2024-05-01T12:00:01Z",
            "user_browser": "Firefox 125",
            "user_os": "Linux",
        }
    ).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-EventLayer-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    return status, await reader.readexactly(length)


async def run(url: str, key: str, requests: int, concurrency: int) -> dict:
    """Send requests over ``concurrency`` keep-alive connections, each waiting for its response before the next.

    A plain HTTP/1.1 client on asyncio streams: general-purpose async clients measured here topped out near 50
    requests/s with 200 connections, far below what the servers answer.
    """
    parsed = urlsplit(url)
    latencies: list[float] = []
    failures = 0
    counter = iter(range(requests))

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        try:
            for number in counter:
                started = time.perf_counter()
                writer.write(build_request(parsed.netloc, "/api/events/log", key, number))
                status, body = await read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200 or json.loads(body).get("status") != "success":
                    failures += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return {
        "requests": requests,
        "successes": requests - failures,
        "seconds": round(seconds, 3),
        "requests_per_second": round((requests - failures) / seconds, 1),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.key, args.requests, args.concurrency))))


if __name__ == "__main__":
    main()

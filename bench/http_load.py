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

import httpx


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(url: str, key: str, requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(limits=limits, timeout=60, headers={"X-EventLayer-Key": key}) as client:

        async def worker() -> None:
            nonlocal failures
            for number in counter:
                event = {
                    "event_id": str(uuid.uuid4()),
                    "event_type": "click",
                    "event_name": f"http {number % 10}",
                    "event_value": str(number),
                    "event_starttime": "2024-05-01T12:00:00Z",
                    "event_endtime": "2024-05-01T12:00:01Z",
                    "user_browser": "Firefox 125",
                    "user_os": "Linux",
                }
                started = time.perf_counter()
                response = await client.post(url + "/api/events/log", json=event)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or response.json().get("status") != "success":
                    failures += 1

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

"""Run every benchmark in one go and report the product beside the machine's limits and the original design.

    python -m bench.run            # full sizes, about 6-10 minutes on 2 cores
    python -m bench.run --quick    # small sizes, to check the harness
    python -m bench.run --publish  # also write docs/performance.json and docs/images/performance.png

Every server and load generator runs in its own process on 127.0.0.1. Results go to bench/results/latest.json
and bench/results/performance.png, and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import report, servers
from bench.query_bench import QUERY

PY = sys.executable
RESULTS = Path(__file__).resolve().parent / "results"
# Requests in flight for both HTTP measurements. A response waits for the flush (up to 1 s), so the product's
# HTTP rate is about this many requests per flush interval; browsers on a real site supply that concurrency.
HTTP_CONCURRENCY = 1000
SIZES = {
    "full": {"ws_batch_events": 1_000_000, "ws_single_events": 300_000, "http_requests": 20_000, "baseline_requests": 3_000, "live_seconds": 10, "idle": 10_000, "query_rows": 10_000_000},
    "quick": {"ws_batch_events": 100_000, "ws_single_events": 20_000, "http_requests": 500, "baseline_requests": 300, "live_seconds": 3, "idle": 1_000, "query_rows": 1_000_000},
}


def stored_counts(server: servers.Process, prefix: str) -> tuple[int, int]:
    row = servers.sql(server, f"SELECT count() AS n, uniqExact(event_id) AS u FROM eventlayer.event_manager WHERE event_name LIKE '{prefix}%'")[0]
    return int(row["n"]), int(row["u"])


def measure_ws(work: Path, name: str, events: int, batch: int, connections: int, window: int, processes: int = 1) -> dict:
    server = servers.eventlayer(work / name, work / "logs").start()
    try:
        result = servers.run_json(
            [PY, "-m", "bench.ws_load", "--url", server.ws_url, "--key", "wk_bench", "--events", str(events), "--batch", str(batch),
             "--connections", str(connections), "--window", str(window), "--processes", str(processes), "--name", name]
        )
        result["stored"], result["distinct_ids"] = stored_counts(server, name)
        result["server_rss_mb"] = round(server.rss_bytes(include_children=True) / 2**20)
    finally:
        server.stop()
    return result


def measure_bare(work: Path, events: int) -> dict:
    server = servers.bench_server("bench.bare_server", work / "bare", work / "logs").start()
    try:
        return servers.run_json(
            [PY, "-m", "bench.ws_load", "--url", server.ws_url, "--key", "none", "--events", str(events), "--batch", "100", "--connections", "10", "--window", "50"]
        )
    finally:
        server.stop()


def measure_http(work: Path, requests: int) -> dict:
    server = servers.eventlayer(work / "http", work / "logs").start()
    try:
        return servers.run_json([PY, "-m", "bench.http_load", "--url", server.url, "--key", "wk_bench", "--requests", str(requests), "--concurrency", str(HTTP_CONCURRENCY)])
    finally:
        server.stop()


def measure_baseline(work: Path, requests: int) -> dict:
    server = servers.bench_server("bench.baseline_server", work / "baseline", work / "logs").start()
    try:
        result = servers.run_json([PY, "-m", "bench.http_load", "--url", server.url, "--requests", str(requests), "--concurrency", str(HTTP_CONCURRENCY)])
        result["stored"] = httpx.get(server.url + "/count").json()["count"]
        return result
    finally:
        server.stop()


def measure_live(work: Path, seconds: float) -> dict:
    server = servers.eventlayer(work / "live", work / "logs").start()
    try:
        return servers.run_json(
            [PY, "-m", "bench.live_latency", "--url", server.ws_url, "--write-key", "wk_bench", "--read-key", "rk_bench",
             "--rate", "10000", "--viewers", "10", "--seconds", str(seconds)]
        )
    finally:
        server.stop()


def measure_idle(work: Path, connections: int) -> dict:
    server = servers.eventlayer(work / "idle", work / "logs").start()
    try:
        time.sleep(1)
        before = server.rss_bytes()
        generator = subprocess.Popen(
            [PY, "-m", "bench.idle_connections", "--url", server.ws_url, "--key", "wk_bench", "--connections", str(connections)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=servers.REPO, env=server.env,
        )
        opened = json.loads(generator.stdout.readline())
        time.sleep(2)
        after = server.rss_bytes()
        generator.stdin.close()
        generator.wait(120)
        return {
            "connections": opened["open"],
            "rss_before_mb": round(before / 2**20, 1),
            "rss_after_mb": round(after / 2**20, 1),
            "bytes_per_connection": round((after - before) / max(1, opened["open"])),
        }
    finally:
        server.stop()


def measure_query(work: Path, rows: int) -> dict:
    data = work / "query"
    prepared = servers.run_json([PY, "-m", "bench.query_bench", "--prepare", "--data", str(data), "--rows", str(rows)], timeout=1800)
    server = servers.eventlayer(data, work / "logs").start()
    try:
        servers.sql(server, QUERY)  # the first run reads the parts from disk into the page cache
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            servers.sql(server, QUERY)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        return {"rows": rows, "prepare_seconds": prepared["prepare_seconds"], "median_ms": round(timings[2], 1), "max_ms": round(timings[-1], 1)}
    finally:
        server.stop()


def measure_limits(work: Path, bare_events: int) -> dict:
    limits = {}
    for mode in ("msgpack", "clickhouse-connect", "chdb-arrow"):
        limits.update(servers.run_json([PY, "-m", "bench.limits", "--data", str(work / f"limits-{mode}"), "--mode", mode]))
    limits["bare_endpoint"] = measure_bare(work, bare_events)
    return limits


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "unknown")
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    import os

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(memory) / 2**20, 1), "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the harness")
    parser.add_argument("--publish", action="store_true", help="also write docs/performance.json and docs/images/performance.png")
    parser.add_argument("--only", nargs="*", help="run only these steps: ws_batch ws_single http baseline limits live idle query")
    args = parser.parse_args()
    sizes = SIZES["quick" if args.quick else "full"]
    steps = {
        "ws_batch": lambda work: measure_ws(work, "ws-batch", sizes["ws_batch_events"], 100, 10, 50),
        "ws_single": lambda work: measure_ws(work, "ws-single", sizes["ws_single_events"], 1, 1000, 20),
        "http": lambda work: measure_http(work, sizes["http_requests"]),
        "baseline": lambda work: measure_baseline(work, sizes["baseline_requests"]),
        "limits": lambda work: measure_limits(work, sizes["ws_batch_events"] // 2),
        "live": lambda work: measure_live(work, sizes["live_seconds"]),
        "idle": lambda work: measure_idle(work, sizes["idle"]),
        "query": lambda work: measure_query(work, sizes["query_rows"]),
    }
    results = {"machine": machine(), "sizes": sizes}
    if args.only and (RESULTS / "latest.json").exists():
        # A partial run updates the steps it ran and keeps the others from the last full run.
        results = {**json.loads((RESULTS / "latest.json").read_text()), **results}
    work = Path(tempfile.mkdtemp(prefix="eventlayer-bench-"))
    try:
        for name, step in steps.items():
            if args.only and name not in args.only:
                continue
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
            try:
                results[name] = step(work)
            except Exception as error:  # one failed step must not lose the others' figures
                results[name] = {"error": f"{type(error).__name__}: {error}"[:2000]}
            print(f"    {json.dumps(results[name])}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results["goals"] = report.goals(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))
    report.print_table(results)
    report.chart(results, RESULTS / "performance.png")
    if args.publish:
        docs = servers.REPO / "docs"
        (docs / "images").mkdir(exist_ok=True)
        (docs / "performance.json").write_text(json.dumps(results, indent=2) + "\n")
        shutil.copy(RESULTS / "performance.png", docs / "images" / "performance.png")
    print(f"\nResults: {RESULTS / 'latest.json'}, chart: {RESULTS / 'performance.png'}")


if __name__ == "__main__":
    main()

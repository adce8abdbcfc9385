"""Fault scenarios against a real server under load from resending clients: crash, storage outage, shutdown.

Each returns a dict of figures; the CI tests run them short and assert on the figures, and the commands in
bench/ run them long and print them (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import time
import uuid
from pathlib import Path

import httpx

from tests.support.resending import ResendingClient, percentile, run_async, run_clients, verify
from tests.support.server_process import ServerProcess


def make_clients(server: ServerProcess, tag: str, count: int, rate: float, batch: int = 50, window: int = 32) -> list[ResendingClient]:
    return [ResendingClient(server.ws_url, server.write_key, tag, rate / count, batch=batch, window=window) for _ in range(count)]


def child_pids(pid: int) -> list[int]:
    """Return the descendants of ``pid`` (the storage process), from /proc."""
    found = []
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return found
    for child in map(int, text.split()):
        found.append(child)
        found.extend(child_pids(child))
    return found


def kill_server(server: ServerProcess, with_storage: bool) -> None:
    """SIGKILL the server, and its storage process too when ``with_storage`` (a crash of the whole machine's
    processes, mid-insert included); then wait until they are gone."""
    pid = server.process.pid
    children = child_pids(pid) if with_storage else []
    for target in [*children, pid]:
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.process.wait()
    deadline = time.monotonic() + 30
    for child in child_pids(pid) + children:
        while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
            time.sleep(0.05)


def restart(server: ServerProcess, attempts: int = 40) -> float:
    """Start the server again on the same port and data; return the seconds it took.

    A storage process left by a killed server still keeps the chDB directory locked until it notices its parent is
    gone and finishes its insert, so a start may fail at first; it is retried.
    """
    started = time.monotonic()
    for attempt in range(attempts):
        try:
            server.start(timeout=60)
            return time.monotonic() - started
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def crash(server: ServerProcess, kills: int, seconds_between: tuple[float, float], clients: int = 4, rate: float = 3000, seed: int | None = None) -> dict:
    """Kill the server with SIGKILL ``kills`` times at random moments under load, restarting it each time."""
    rng = random.Random(seed)
    tag = f"crash-{uuid.uuid4().hex[:8]}"
    load = make_clients(server, tag, clients, rate)
    restarts: list[float] = []
    kinds: list[str] = []

    async def kill_repeatedly(stop: asyncio.Event) -> None:
        for number in range(kills):
            await asyncio.sleep(rng.uniform(*seconds_between))
            with_storage = number % 2 == 0
            kinds.append("server and storage" if with_storage else "server")
            await asyncio.to_thread(kill_server, server, with_storage)
            restarts.append(await asyncio.to_thread(restart, server))
        await asyncio.sleep(rng.uniform(*seconds_between))

    started = time.monotonic()
    run_async(run_clients(load, None, drain_timeout=120, during=kill_repeatedly))
    figures = verify(server.url, server.read_key, tag, load)
    figures.update(kills=kills, kinds=kinds, restart_seconds_max=round(max(restarts), 2), seconds=round(time.monotonic() - started, 1))
    return figures


def health(server: ServerProcess) -> dict:
    return httpx.get(server.url + "/healthz", timeout=10).json()


def outage(server: ServerProcess, before: float, outage_seconds: float, rate: float, clients: int = 8, drain_timeout: float = 300) -> dict:
    """Fail every insert for ``outage_seconds`` under load; report ack latency during the outage and the time
    to drain the spool after it. ``server`` must run with faulty=True."""
    tag = f"outage-{uuid.uuid4().hex[:8]}"
    load = make_clients(server, tag, clients, rate, batch=50, window=64)
    marks: dict[str, float] = {}

    async def fail_storage(stop: asyncio.Event) -> None:
        await asyncio.sleep(before)
        server.set_faults(fail_inserts=True)
        marks["outage_start"] = time.monotonic()
        await asyncio.sleep(outage_seconds)
        marks["spool_batches_at_recovery"] = (await asyncio.to_thread(health, server))["spool_batches"]
        server.set_faults(fail_inserts=False)
        marks["outage_end"] = time.monotonic()
        stop.set()
        while True:
            state = await asyncio.to_thread(health, server)
            if state["spool_batches"] == 0 and state["pending_events"] == 0:
                marks["drained"] = time.monotonic()
                return
            await asyncio.sleep(0.1)

    run_async(run_clients(load, None, drain_timeout=drain_timeout, during=fail_storage))
    figures = verify(server.url, server.read_key, tag, load)
    latencies = [(sent, seconds) for client in load for sent, seconds in client.stats.ack_latencies]
    during = [seconds for sent, seconds in latencies if marks["outage_start"] <= sent < marks["outage_end"]]
    normal = [seconds for sent, seconds in latencies if sent < marks["outage_start"]]
    acked_during = sum(1 for sent, _ in latencies if marks["outage_start"] <= sent < marks["outage_end"])
    figures.update(
        rate=rate,
        outage_seconds=outage_seconds,
        frames_acked_during_outage=acked_during,
        spool_batches_at_recovery=marks["spool_batches_at_recovery"],
        ack_p50_before=_round(percentile(normal, 0.5)),
        ack_p99_before=_round(percentile(normal, 0.99)),
        ack_p50_during=_round(percentile(during, 0.5)),
        ack_p99_during=_round(percentile(during, 0.99)),
        ack_max_during=_round(max(during) if during else None),
        drain_seconds=_round(marks["drained"] - marks["outage_end"]),
    )
    return figures


def shutdown(server: ServerProcess, load_seconds: float, rate: float, clients: int = 4) -> dict:
    """SIGTERM the server under load; report how long it took to exit and the close codes clients saw, then
    restart it and let the clients resend."""
    tag = f"shutdown-{uuid.uuid4().hex[:8]}"
    load = make_clients(server, tag, clients, rate)
    marks: dict = {}

    async def terminate(stop: asyncio.Event) -> None:
        await asyncio.sleep(load_seconds)
        marks["pending_at_sigterm"] = (await asyncio.to_thread(health, server))["pending_events"]
        started = time.monotonic()
        marks["exit_code"] = await asyncio.to_thread(server.stop, signal.SIGTERM, 60)
        marks["exit_seconds"] = time.monotonic() - started
        marks["close_codes_at_stop"] = dict(sum((client.stats.close_codes for client in load), collections.Counter()))
        await asyncio.to_thread(restart, server)
        await asyncio.sleep(1)

    run_async(run_clients(load, None, drain_timeout=60, during=terminate))
    figures = verify(server.url, server.read_key, tag, load)
    log = server.log()
    figures.update(
        exit_code=marks["exit_code"],
        exit_seconds=_round(marks["exit_seconds"]),
        pending_at_sigterm=marks["pending_at_sigterm"],
        close_codes_at_stop=marks["close_codes_at_stop"],
        flushed_log_line="Writer stopped; flushed" in log,
    )
    return figures


def ambiguous(server: ServerProcess, batches: int, rate: float = 2000, clients: int = 4) -> dict:
    """Make the first insert attempt of ``batches`` batches commit and then report a timeout, under load.
    ``server`` must run with faulty=True."""
    tag = f"ambiguous-{uuid.uuid4().hex[:8]}"
    load = make_clients(server, tag, clients, rate)
    status_path = server.data_dir / "faults-status.json"

    def committed_then_failed() -> int:
        try:
            return json.loads(status_path.read_text())["committed_then_failed"]
        except (OSError, ValueError, KeyError):
            return 0

    async def inject(stop: asyncio.Event) -> None:
        server.set_faults(commit_then_fail=batches)
        deadline = time.monotonic() + 30 + batches
        while committed_then_failed() < batches and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        stop.set()

    started = time.monotonic()
    run_async(run_clients(load, None, drain_timeout=60, during=inject))
    figures = verify(server.url, server.read_key, tag, load)
    figures.update(ambiguous_batches=committed_then_failed(), seconds=round(time.monotonic() - started, 1))
    return figures


def promise_failures(figures: dict) -> list[str]:
    """Return what broke the promise in a scenario's figures: acknowledged events missing, events stored twice,
    events rejected, or events still unacknowledged at the end."""
    failures = []
    if figures["acked_missing"]:
        failures.append(f"{figures['acked_missing']} acknowledged events are missing from storage")
    if figures["stored_rows"] != figures["stored_unique"]:
        failures.append(f"{figures['stored_rows'] - figures['stored_unique']} events are stored twice")
    if figures["rejected"]:
        failures.append(f"{figures['rejected']} events were rejected")
    if figures["unacked_at_end"] or figures["generated_missing"]:
        failures.append(f"{figures['unacked_at_end']} events were never acknowledged; {figures['generated_missing']} never stored")
    return failures


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)

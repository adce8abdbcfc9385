"""Viewers that stop reading: bounded server memory, gap counts, ingest speed, and removal of dead viewers."""

from __future__ import annotations

import re
import statistics
import time
import uuid

import httpx
import msgpack
from websockets.sync.client import connect

from tests.support.raw_viewer import RawViewer
from tests.support.wsclient import now_ms

EVENTS_PER_RUN = 50_000
MAX_FRAME_BYTES = 1_000_000  # below the server's default max_frame_bytes (1 MiB)
FRAMES_IN_FLIGHT = 8


def build_frames(name: str, count: int, padding: int = 300) -> list[bytes]:
    """Encode ``count`` events named ``name``, each with a ``padding``-character property, into events frames,
    ahead of the timed part of a run."""
    per_frame = max(1, min(1000, MAX_FRAME_BYTES // (padding + 250)))
    frames = []
    for seq, start in enumerate(range(0, count, per_frame), start=1):
        events = [
            {
                "event_id": str(uuid.uuid4()),
                "event_type": "load",
                "event_name": name,
                "event_starttime": now_ms(),
                "properties": {"index": start + offset, "padding": "x" * padding},
            }
            for offset in range(min(per_frame, count - start))
        ]
        frames.append(msgpack.packb({"t": "events", "seq": seq, "events": events, "sent_at": now_ms()}, use_bin_type=True))
    return frames


def ingest(server, frames: list[bytes]) -> float:
    """Send the frames over one connection with a few in flight, wait for every ack, and return the seconds taken."""
    with connect(server.ws_url, max_size=None, compression=None) as socket:
        socket.send(msgpack.packb({"t": "hello", "v": 1, "key": server.write_key, "sdk": "tests/1", "sent_at": now_ms()}))
        assert msgpack.unpackb(socket.recv(timeout=10))["t"] == "welcome"
        started = time.perf_counter()
        sent = acked = accepted = 0
        while acked < len(frames):
            while sent < len(frames) and sent - acked < FRAMES_IN_FLIGHT:
                socket.send(frames[sent])
                sent += 1
            message = msgpack.unpackb(socket.recv(timeout=60), raw=False)
            assert message["t"] == "ack", message
            acked += 1
            accepted += message["accepted"]
        elapsed = time.perf_counter() - started
    assert accepted == sum(len(msgpack.unpackb(frame)["events"]) for frame in frames)
    return elapsed


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("VmRSS not found")


def metric(server, name: str) -> float:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} is not in /metrics"
    return float(match.group(1))


def drain(viewer: RawViewer, expected_total: int, timeout: float) -> tuple[int, int, list[int]]:
    """Read a stalled viewer's backlog; return (events received, events reported dropped, gap counts)."""
    received = dropped = 0
    gaps = []
    deadline = time.monotonic() + timeout
    while received + dropped < expected_total and time.monotonic() < deadline:
        frame = viewer.receive_frame(timeout=deadline - time.monotonic())
        if frame["t"] == "live":
            received += len(frame["events"])
        elif frame["t"] == "gap":
            dropped += frame["dropped"]
            gaps.append(frame["dropped"])
    return received, dropped, gaps


def test_stalled_viewer_memory_bounded(server_factory):
    # Pings every 60 s, so the stalled viewer outlives the test instead of being removed for missing pongs.
    server = server_factory(EVENTLAYER_PING_INTERVAL="60", EVENTLAYER_PING_TIMEOUT="60")
    pid = server.process.pid
    padding = 4000

    # The embedded ClickHouse engine moves the process's RSS by tens of MB from run to run, so the reference is
    # the highest RSS after two runs without a viewer.
    rss_without_viewer = 0
    for run in range(2):
        ingest(server, build_frames(f"no-viewer-{run}", EVENTS_PER_RUN, padding))
        rss_without_viewer = max(rss_without_viewer, rss_bytes(pid))

    viewer = RawViewer(server.port, server.read_key, "all", {"event_name": "stalled"})
    ingest(server, build_frames("stalled", EVENTS_PER_RUN, padding))
    growth = rss_bytes(pid) - rss_without_viewer
    queued = metric(server, "eventlayer_live_queued_events")

    # On a 2-core test machine, growth was 20-30 MB; with unbounded queues, keeping all 50,000 events (about
    # 4.3 kB each) added 175 MB.
    assert growth < 100_000_000, f"server RSS grew by {growth / 1e6:.0f} MB with a stalled viewer"
    assert queued <= 5000

    received, dropped, gaps = drain(viewer, EVENTS_PER_RUN, timeout=60)
    assert gaps, "no gap frame reached the stalled viewer"
    assert received + dropped == EVENTS_PER_RUN
    assert dropped > EVENTS_PER_RUN // 2
    assert metric(server, "eventlayer_live_events_dropped_total") == dropped
    viewer.close()


def test_stalled_viewer_keeps_ingest_speed(server_factory):
    server = server_factory(EVENTLAYER_PING_INTERVAL="60", EVENTLAYER_PING_TIMEOUT="60")
    ingest(server, build_frames("warm-up", EVENTS_PER_RUN))

    # Rounds alternate, so load from other processes on the machine affects both kinds of run alike.
    baseline_times = []
    stalled_times = []
    for round_index in range(3):
        baseline_times.append(ingest(server, build_frames(f"baseline-{round_index}", EVENTS_PER_RUN)))
        viewer = RawViewer(server.port, server.read_key, "all", {"event_name": f"stalled-{round_index}"})
        stalled_times.append(ingest(server, build_frames(f"stalled-{round_index}", EVENTS_PER_RUN)))
        assert metric(server, "eventlayer_live_events_dropped_total") > 0
        viewer.close()

    baseline = statistics.median(baseline_times)
    stalled = statistics.median(stalled_times)
    print(f"ingest of {EVENTS_PER_RUN} events in s: without a viewer {baseline_times}, with a stalled viewer {stalled_times}")
    assert stalled <= baseline * 1.10, f"median ingest took {stalled:.2f} s with a stalled viewer, {baseline:.2f} s without"


def wait_for_metric(server, name: str, value: float, timeout: float) -> float:
    """Poll /metrics until ``name`` equals ``value``; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if metric(server, name) == value:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{name} did not reach {value} within {timeout} s (now {metric(server, name)})")


def test_silent_viewer_removed_after_ping_timeout(server_factory):
    server = server_factory(EVENTLAYER_PING_INTERVAL="1", EVENTLAYER_PING_TIMEOUT="1")
    viewer = RawViewer(server.port, server.read_key, "idle", {})
    assert metric(server, "eventlayer_live_subscriptions") == 1

    # The viewer sends no pongs, so uvicorn fails the connection after interval plus timeout (2 s).
    elapsed = wait_for_metric(server, "eventlayer_live_subscriptions", 0, timeout=6)
    assert elapsed < 4
    viewer.close()


def test_blocked_viewer_removed_after_stall_timeout(server_factory):
    server = server_factory(EVENTLAYER_PING_INTERVAL="1", EVENTLAYER_PING_TIMEOUT="1")
    viewer = RawViewer(server.port, server.read_key, "blocked", {})
    ingest(server, build_frames("fills-the-socket", 20_000))

    # With the socket's buffers full, the server cannot close the connection; the hub drops the viewer itself.
    wait_for_metric(server, "eventlayer_live_subscriptions", 0, timeout=6)
    assert metric(server, "eventlayer_live_viewers_stalled_total") == 1
    viewer.close()

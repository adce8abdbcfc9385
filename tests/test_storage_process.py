"""The storage child process: replaced when it dies, without losing acknowledged events."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.support.wsclient import Client, make_event


def storage_child_pid(server_pid: int) -> int:
    # multiprocessing's spawn context also starts a resource tracker; the storage child runs spawn_main.
    # A child started from a worker thread is listed under that thread's task.
    children = [pid for task in Path(f"/proc/{server_pid}/task").iterdir() for pid in (task / "children").read_text().split()]
    storage = [pid for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(storage) == 1, children
    return int(storage[0])


def test_killed_storage_process_is_replaced(server):
    old_child = storage_child_pid(server.process.pid)
    client = Client(server.ws_url, server.write_key)
    assert client.receive_ack(client.send_events([make_event("before kill")]))["accepted"] == 1

    os.kill(old_child, signal.SIGKILL)
    time.sleep(0.5)
    events = [make_event("after kill") for _ in range(100)]
    ack = client.receive_ack(client.send_events(events), timeout=30)

    assert ack["accepted"] == 100
    new_child = storage_child_pid(server.process.pid)
    assert new_child != old_child
    deadline = time.monotonic() + 20
    while server.count("event_name = 'after kill'")[0] < 100 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.count("event_name = 'after kill'") == (100, 100)
    assert server.count("event_name = 'before kill'") == (1, 1)

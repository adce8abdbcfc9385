"""Shared start-up for the reliability commands: a server on a fresh data directory, figures as JSON."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.support.scenarios import promise_failures
from tests.support.server_process import ServerProcess

# The product's default flush interval; the test fixtures use 0.2 s to keep tests short.
FLUSH_INTERVAL = "1.0"


def start_server(faulty: bool = False, **env) -> ServerProcess:
    data_dir = Path(tempfile.mkdtemp(prefix="eventlayer-reliability-")) / "data"
    server = ServerProcess(data_dir, env={"EVENTLAYER_FLUSH_INTERVAL": FLUSH_INTERVAL, **env}, faulty=faulty)
    server.start()
    print(f"server on {server.url}, data in {data_dir}, log in {server.log_path}", file=sys.stderr)
    return server


def report(figures: dict) -> int:
    """Print the figures as one JSON line and return the exit code: 1 when the promise broke."""
    failures = promise_failures(figures)
    figures["promise_held"] = not failures
    print(json.dumps(figures))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0

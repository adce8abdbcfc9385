"""Helpers for the browser tests: waiting for a condition and reading stored events back."""

from __future__ import annotations

import json
import time


def wait_for(condition, timeout: float = 20, interval: float = 0.2):
    """Poll ``condition()`` until it returns a truthy value, and return that value; None after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(interval)


def stored(server, where: str = "1") -> list[dict]:
    """Return the stored events matching a SQL condition, oldest first, with ``properties`` decoded."""
    rows = server.query(
        "SELECT toString(event_id) AS event_id, event_type, event_name, event_value, url, source, properties "
        f"FROM eventlayer.event_manager WHERE {where} ORDER BY event_starttime, received_at"
    )
    for row in rows:
        row["properties"] = json.loads(row["properties"])
    return rows

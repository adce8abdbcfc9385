"""``eventlayer tail`` as a user runs it: a child process against a real server, read line by line."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time

import click
import pytest

from eventlayer.tail import build_filter, websocket_url
from tests.support.server_process import REPO
from tests.support.wsclient import Client, make_event


class TailProcess:
    """``eventlayer tail`` in a child process; stdout and stderr lines are collected by threads."""

    def __init__(self, server, *args: str, key: str | None = None):
        env = {**os.environ, "EVENTLAYER_READ_KEY": key or server.read_key, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        command = [sys.executable, "-m", "eventlayer", "tail", "--server", server.url, *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=REPO)
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr_lines: list[str] = []
        self._stderr_changed = threading.Condition()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            self.stdout.put(line.rstrip("\n"))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            with self._stderr_changed:
                self.stderr_lines.append(line.rstrip("\n"))
                self._stderr_changed.notify_all()

    def wait_for_stderr(self, text: str, timeout: float = 15, after: int = 0) -> int:
        """Wait until a stderr line from index ``after`` on contains ``text``; return the index after it."""
        deadline = time.monotonic() + timeout
        with self._stderr_changed:
            while True:
                for index in range(after, len(self.stderr_lines)):
                    if text in self.stderr_lines[index]:
                        return index + 1
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"tail did not print {text!r}; stderr: {self.stderr_lines}"
                self._stderr_changed.wait(remaining)

    def lines(self, count: int, timeout: float = 10, quiet: float = 0.5) -> list[str]:
        """Return ``count`` stdout lines, then wait ``quiet`` seconds and fail if more arrive."""
        lines = []
        deadline = time.monotonic() + timeout
        while len(lines) < count:
            try:
                lines.append(self.stdout.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"tail printed {len(lines)} of {count} lines: {lines}; stderr: {self.stderr_lines}") from None
        time.sleep(quiet)
        extra = []
        while not self.stdout.empty():
            extra.append(self.stdout.get())
        assert not extra, f"tail printed more lines than expected: {extra}"
        return lines

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def tails():
    started: list[TailProcess] = []

    def start(server, *args: str, **options) -> TailProcess:
        tail = TailProcess(server, *args, **options)
        started.append(tail)
        return tail

    yield start
    for tail in started:
        tail.stop()


def send(server, events: list[dict]) -> dict:
    writer = Client(server.ws_url, server.write_key)
    ack = writer.receive_ack(writer.send_events(events))
    writer.close()
    return ack


def test_json_prints_exactly_matching_events(server, tails):
    tail = tails(server, "--json", "--name", "signup*")
    tail.wait_for_stderr("Listening")

    signup = make_event("signup")
    matching = [signup, make_event("signup_done"), make_event("signup*")]
    others = [make_event("Signup"), make_event("login"), make_event("page signup"), {"event_type": "click"}]
    send(server, matching[:2] + others[:2])
    send(server, others[2:] + matching[2:] + [dict(signup)])

    printed = [json.loads(line) for line in tail.lines(4)]
    assert [(event["event_id"], event["status"]) for event in printed] == [
        (matching[0]["event_id"], "accepted"),
        (matching[1]["event_id"], "accepted"),
        (matching[2]["event_id"], "accepted"),
        (signup["event_id"], "duplicate"),
    ]
    assert printed[0]["event_name"] == "signup"
    assert isinstance(printed[0]["received_at"], int)


def test_filters_combine(server, tails):
    tail = tails(server, "--json", "--type", "click", "--session", "s1", "--user", "u*", "--prop", "plan=pro", "--prop", "seats=3")
    tail.wait_for_stderr("Listening")

    wanted = make_event("ok", event_type="click", session_id="s1", distinct_id="u1", properties={"plan": "pro", "seats": 3})
    send(
        server,
        [
            make_event("wrong type", event_type="submit", session_id="s1", distinct_id="u1", properties={"plan": "pro", "seats": 3}),
            make_event("wrong session", event_type="click", session_id="s2", distinct_id="u1", properties={"plan": "pro", "seats": 3}),
            make_event("wrong plan", event_type="click", session_id="s1", distinct_id="u1", properties={"plan": "free", "seats": 3}),
            wanted,
        ],
    )
    assert [json.loads(line)["event_id"] for line in tail.lines(1)] == [wanted["event_id"]]


def test_last_prints_stored_events_first(server, tails):
    stored = [make_event(f"old {index}") for index in range(5)]
    for event in stored:
        send(server, [event])
    tail = tails(server, "--json", "--last", "3", "--name", "old*")
    tail.wait_for_stderr("Listening")
    first = [json.loads(line)["event_name"] for line in tail.lines(3)]
    assert first == ["old 2", "old 3", "old 4"]

    send(server, [make_event("old 5")])
    assert [json.loads(line)["event_name"] for line in tail.lines(1)] == ["old 5"]


def test_coloured_lines_show_fields(server, tails):
    tail = tails(server)
    tail.wait_for_stderr("Listening")
    send(server, [make_event("Signup Button", event_value="42", session_id="s-9", url="https://shop.example/", properties={"plan": "pro"}), {"event_type": "x"}])

    accepted, rejected = tail.lines(2)
    assert "accepted" in accepted
    assert "Signup Button" in accepted
    assert "value=42" in accepted
    assert "session=s-9" in accepted
    assert "url=https://shop.example/" in accepted
    assert '{"plan":"pro"}' in accepted
    assert "rejected" in rejected
    assert "event_name is missing" in rejected


def test_reconnects_after_restart(server, tails):
    tail = tails(server, "--json")
    seen = tail.wait_for_stderr("Listening")
    send(server, [make_event("before restart")])
    assert [json.loads(line)["event_name"] for line in tail.lines(1)] == ["before restart"]

    server.restart()
    send(server, [make_event("after restart")])
    tail.wait_for_stderr("Reconnected", after=seen)
    send(server, [make_event("after reconnect")])

    # "after restart" arrives either from the backfill on reconnect or live, and only once.
    names = sorted(json.loads(line)["event_name"] for line in tail.lines(2))
    assert names == ["after reconnect", "after restart"]


def test_invalid_key_exits(server):
    process = subprocess.run(
        [sys.executable, "-m", "eventlayer", "tail", "--server", server.url, "--key", "rk_wrong"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert process.returncode == 1
    assert "1008" in process.stderr
    assert "invalid key" in process.stderr


def test_write_key_exits(server):
    process = subprocess.run(
        [sys.executable, "-m", "eventlayer", "tail", "--server", server.url, "--key", server.write_key],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert process.returncode == 1
    assert "read key" in process.stderr


def test_build_filter_from_options():
    assert build_filter(None, "signup*", None, None, None, None, ()) == {"event_name": "signup*"}
    assert build_filter("click", None, "s1", "u1", "https://a.example/*", "accepted", ("plan=pro", "note=a=b")) == {
        "event_type": "click",
        "session_id": "s1",
        "distinct_id": "u1",
        "url": "https://a.example/*",
        "status": "accepted",
        "properties": {"plan": "pro", "note": "a=b"},
    }
    with pytest.raises(click.BadParameter):
        build_filter(None, None, None, None, None, None, ("plan",))


def test_websocket_url_from_server_url():
    assert websocket_url("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/ws"
    assert websocket_url("https://events.example/base/") == "wss://events.example/base/ws"
    assert websocket_url("127.0.0.1:8000") == "ws://127.0.0.1:8000/ws"
    with pytest.raises(click.BadParameter):
        websocket_url("ftp://host")

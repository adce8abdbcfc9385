"""A minimal protocol client for tests, on the websockets library's synchronous client."""

from __future__ import annotations

import time
import uuid

import msgpack
from websockets.sync.client import connect


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def make_event(name: str = "Signup Button", **fields) -> dict:
    event = {"event_id": str(uuid.uuid4()), "event_type": "click", "event_name": name, "event_starttime": now_ms()}
    event.update(fields)
    return event


class Client:
    def __init__(self, ws_url: str, key: str, hello: bool = True, **connect_options):
        self.socket = connect(ws_url, max_size=None, compression=None, open_timeout=10, legacy=True, **connect_options)
        self.seq = 0
        self.welcome = None
        if hello:
            self.send({"t": "hello", "v": 1, "key": key, "sdk": "tests/1", "sent_at": now_ms()})
            self.welcome = self.receive()

    def send(self, message: dict) -> None:
        self.socket.send(msgpack.packb(message, use_bin_type=True))

    def send_raw(self, data) -> None:
        self.socket.send(data)

    def receive(self, timeout: float = 10) -> dict:
        return msgpack.unpackb(self.socket.recv(timeout=timeout), raw=False)

    def send_events(self, events: list[dict], seq: int | None = None) -> int:
        if seq is None:
            self.seq += 1
            seq = self.seq
        self.send({"t": "events", "seq": seq, "events": events, "sent_at": now_ms()})
        return seq

    def receive_ack(self, seq: int, timeout: float = 10) -> dict:
        """Wait for the ack of ``seq``, skipping other frames."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(timeout=max(0.01, deadline - time.monotonic()))
            if message.get("t") == "ack" and message.get("seq") == seq:
                return message
            if message.get("t") == "error" and message.get("seq") == seq:
                return message

    def close_code(self, timeout: float = 10) -> int | None:
        """Read until the server closes the connection and return its close code."""
        from websockets.exceptions import ConnectionClosed

        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.socket.recv(timeout=max(0.01, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None
        return None

    def close(self) -> None:
        self.socket.close()

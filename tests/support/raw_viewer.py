"""A live viewer on a bare TCP socket, for tests of viewers that stop reading.

It does the WebSocket handshake and sends ``hello`` and ``subscribe`` itself, then reads nothing until a test
calls ``receive_frame``, and never replies to pings, like a client whose page froze or whose network silently
died. Its receive buffer is small, so the server's sends block soon after it stops reading.
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time

import msgpack

OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8


class RawViewer:
    def __init__(self, port: int, key: str, sub_id: str, event_filter: dict, receive_buffer: int = 4096):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Set before connect, so the TCP window offered to the server is small from the start.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect(("127.0.0.1", port))
        self._buffer = bytearray()
        self.closed_by_server = False
        self._handshake(port)
        self.send({"t": "hello", "v": 1, "key": key, "sdk": "tests-raw/1", "sent_at": int(time.time() * 1000)})
        welcome = self.receive_frame(timeout=10)
        assert welcome["t"] == "welcome", welcome
        self.send({"t": "subscribe", "id": sub_id, "filter": event_filter})
        while (frame := self.receive_frame(timeout=10))["t"] != "subscribed":
            assert frame["t"] == "presence", frame

    def _handshake(self, port: int) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.sock.settimeout(10)
        while b"\r\n\r\n" not in self._buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("server closed the connection during the handshake")
            self._buffer += chunk
        head, rest = bytes(self._buffer).split(b"\r\n\r\n", 1)
        self._buffer = bytearray(rest)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(f"handshake failed: {status!r}")

    def send(self, message: dict) -> None:
        """Send one masked binary frame, as RFC 6455 requires of clients."""
        payload = msgpack.packb(message, use_bin_type=True)
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | OPCODE_BINARY, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | OPCODE_BINARY, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | OPCODE_BINARY, 0x80 | 127, length)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, count: int, deadline: float) -> bytes:
        while len(self._buffer) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def receive_frame(self, timeout: float) -> dict:
        """Return the next binary message, skipping pings (which stay unanswered); raise TimeoutError or
        ConnectionError (also on a close frame)."""
        deadline = time.monotonic() + timeout
        while True:
            first, second = self._read(2, deadline)
            opcode = first & 0x0F
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2, deadline))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8, deadline))
            payload = self._read(length, deadline)
            if opcode == OPCODE_BINARY:
                return msgpack.unpackb(payload, raw=False)
            if opcode == OPCODE_CLOSE:
                self.closed_by_server = True
                raise ConnectionError(f"server sent close {payload[:2].hex()}")

    def close(self) -> None:
        self.sock.close()

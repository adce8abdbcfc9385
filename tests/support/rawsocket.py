"""Clients on bare TCP sockets that misbehave on purpose: a WebSocket peer that never answers pings (a dead
network path), and HTTP clients that send their headers or body slowly."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time

import msgpack

OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8
OPCODE_PING = 0x9


def masked_frame(payload: bytes, opcode: int = OPCODE_BINARY) -> bytes:
    """Return one masked frame, as RFC 6455 requires of clients (payloads under 64 KiB)."""
    mask = os.urandom(4)
    length = len(payload)
    header = struct.pack("!BB", 0x80 | opcode, 0x80 | length) if length < 126 else struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    return header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def open_websocket(port: int, key: str, headers: dict | None = None) -> socket.socket:
    """Connect, do the handshake and send ``hello``; the caller then reads with ``wait_for_close``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    challenge = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {challenge}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("server closed the connection during the handshake")
        response += chunk
    status = response.split(b"\r\n", 1)[0]
    if b" 101 " not in status:
        raise ConnectionError(f"handshake failed: {status!r}")
    hello = {"t": "hello", "v": 1, "key": key, "sdk": "tests-raw/1", "sent_at": int(time.time() * 1000)}
    sock.sendall(masked_frame(msgpack.packb(hello)))
    return sock


def wait_for_close(sock: socket.socket, timeout: float) -> tuple[float | None, int | None, int]:
    """Read without ever answering a ping until the server closes the connection.

    Returns (seconds until the close frame or end of stream, or None after ``timeout``; the close code, or
    None when the stream ended without one; pings seen).
    """
    started = time.monotonic()
    buffer = b""
    pings = 0
    code = None
    while time.monotonic() - started < timeout:
        sock.settimeout(max(0.01, timeout - (time.monotonic() - started)))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            return time.monotonic() - started, code, pings
        if not chunk:
            return time.monotonic() - started, code, pings
        buffer += chunk
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            length = buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    break
                (length,) = struct.unpack("!H", buffer[2:4])
                offset = 4
            if len(buffer) < offset + length:
                break
            payload = buffer[offset : offset + length]
            buffer = buffer[offset + length :]
            if opcode == OPCODE_PING:
                pings += 1
            elif opcode == OPCODE_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return time.monotonic() - started, code, pings
    return None, code, pings


def slow_request(port: int, head: bytes, body: bytes, byte_interval: float, slow_part: str, give_up_after: float) -> tuple[str, float]:
    """Send an HTTP request with one part (``"head"`` or ``"body"``) one byte every ``byte_interval`` seconds.

    Returns (what happened, seconds): ``"response <status line>"``, ``"closed"``, or ``"still open"`` once
    ``give_up_after`` seconds have passed with the server still waiting.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    started = time.monotonic()
    try:
        if slow_part == "body":
            sock.sendall(head)
        trickle = head if slow_part == "head" else body
        for byte in trickle:
            if time.monotonic() - started > give_up_after:
                return "still open", time.monotonic() - started
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                return "closed", time.monotonic() - started
            sock.settimeout(byte_interval)
            try:
                reply = sock.recv(4096)
            except TimeoutError:
                continue
            if not reply:
                return "closed", time.monotonic() - started
            return "response " + reply.split(b"\r\n", 1)[0].decode(errors="replace"), time.monotonic() - started
        return "sent in full", time.monotonic() - started
    finally:
        sock.close()

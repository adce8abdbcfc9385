"""WebSocket protocol version 1, without I/O: frame decoding, message checks and close codes.

Every frame is one binary msgpack map whose key ``t`` names the message. The functions here take bytes or
dicts and return messages or raise ProtocolError carrying the RFC 6455 close code the connection must end with.
"""

from __future__ import annotations

import time
from enum import Enum

import msgpack

PROTOCOL_VERSION = 1


class CloseCode:
    """Close codes from RFC 6455, section 7.4.1, as this protocol uses them."""

    NORMAL = 1000
    PROTOCOL_ERROR = 1002  # a valid msgpack frame that is not a valid message (not a map, no hello first)
    UNSUPPORTED_DATA = 1003  # a text frame
    INVALID_PAYLOAD = 1007  # not valid msgpack, or not valid UTF-8
    POLICY_VIOLATION = 1008  # bad key, Origin not allowed, rate limit, hello timeout
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013  # overloaded or spool full


class ConnectionState(Enum):
    AWAITING_HELLO = "awaiting_hello"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class ProtocolError(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        # Close reasons are limited to 123 bytes of UTF-8 by RFC 6455; keep ours short and plain ASCII.
        self.reason = reason[:120]


# msgpack-python's C unpacker stops at a fixed nesting depth and raises StackError; these caps bound what one
# frame can make the server allocate, on top of the frame size limit.
_UNPACK_LIMITS = {"max_array_len": 100_000, "max_map_len": 100_000, "max_str_len": 1 << 20, "max_bin_len": 1 << 20}


def decode_frame(data: bytes) -> dict:
    """Decode one binary frame into a message map, or raise ProtocolError."""
    if not data:
        raise ProtocolError(CloseCode.INVALID_PAYLOAD, "empty frame; expected a msgpack map")
    try:
        message = msgpack.unpackb(data, raw=False, strict_map_key=False, **_UNPACK_LIMITS)
    except UnicodeDecodeError:
        raise ProtocolError(CloseCode.INVALID_PAYLOAD, "frame contains a string that is not valid UTF-8") from None
    except (msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, ValueError, TypeError):
        raise ProtocolError(CloseCode.INVALID_PAYLOAD, "frame is not a single valid msgpack value") from None
    if not isinstance(message, dict):
        raise ProtocolError(CloseCode.PROTOCOL_ERROR, f"frame is a msgpack {type(message).__name__}; expected a map")
    kind = message.get("t")
    if not isinstance(kind, str):
        raise ProtocolError(CloseCode.PROTOCOL_ERROR, "frame has no string field 't' naming the message type")
    return message


def encode(message: dict) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def check_hello(message: dict) -> None:
    if message["t"] != "hello":
        raise ProtocolError(CloseCode.PROTOCOL_ERROR, f"first frame is '{message['t']}'; expected 'hello'")
    if message.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(CloseCode.PROTOCOL_ERROR, f"protocol version {message.get('v')!r} is not supported; use {PROTOCOL_VERSION}")


def measure_skew(sent_at: object, received_ms: int) -> int | None:
    """Return server clock minus client clock in ms, or None when ``sent_at`` is not a usable time.

    The estimate includes the one-way network delay, which on a live connection is small next to the clock
    errors it corrects (minutes or hours on misconfigured devices).
    """
    if isinstance(sent_at, bool) or not isinstance(sent_at, (int, float)) or sent_at != sent_at:
        return None
    if not 946_684_800_000 <= sent_at <= 32_503_680_000_000:  # 2000-01-01 .. 3000-01-01 in epoch ms
        return None
    return received_ms - int(sent_at)


def error_frame(code: str, message: str, seq: int | None = None) -> dict:
    frame = {"t": "error", "code": code, "message": message}
    if seq is not None:
        frame["seq"] = seq
    return frame

"""Property-based fuzzing of the frame decoder and the batch validator, then of a real server's socket.

Each property must hold for any input. The decoder returns a message map or raises ProtocolError with a close
code of the protocol. The validator returns one row or one reason per event, never an internal error. A bad
frame closes only its own connection. The Hypothesis profile sets the number of examples: ``ci`` by default,
``HYPOTHESIS_PROFILE=long`` for a long run (tests/conftest.py).
"""

from __future__ import annotations

import socket

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from eventlayer import schema
from eventlayer.protocol import CloseCode, ProtocolError, decode_frame
from eventlayer.validate import EVENT_FIELDS, Context, Limits, Rejected, normalize_batch
from tests.support.wsclient import Client, make_event

DECODE_CLOSE_CODES = {CloseCode.PROTOCOL_ERROR, CloseCode.INVALID_PAYLOAD}
INTERNAL_REASON = "the server failed to validate this event"
LIMITS = Limits()
CONTEXT = Context(project="default", received_at_ms=1_714_564_800_000, skew_ms=0, ip="203.0.113.0", user_agent="Mozilla/5.0", sdk="fuzz/1", source="ws")

# Values msgpack can carry, nested: what a hostile client can put in a frame.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=40)
    | st.binary(max_size=16)
    | st.sampled_from(["2024-05-01T12:00:00Z", "\x00", "x" * 300, "NaN", "-1", "1e308", "click", "*"])
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10) | st.integers(-(2**63), 2**63 - 1) | st.binary(max_size=4), children, max_size=5),
    max_leaves=30,
)
event_maps = st.dictionaries(st.sampled_from(sorted(EVENT_FIELDS)) | st.text(max_size=12), values, max_size=12)
messages = st.fixed_dictionaries(
    {"t": st.sampled_from(["hello", "events", "subscribe", "unsubscribe", "ack", "x"]) | st.text(max_size=8) | values},
    optional={"seq": values, "events": st.lists(event_maps, max_size=5) | values, "v": values, "key": values, "id": values, "filter": values, "backfill": values},
)


def check_decode(data: bytes) -> None:
    try:
        message = decode_frame(data)
    except ProtocolError as error:
        assert error.code in DECODE_CLOSE_CODES
        assert len(error.reason.encode("utf-8")) <= 123  # RFC 6455 limit on a close reason
        return
    assert isinstance(message, dict)
    assert isinstance(message["t"], str)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_decode_any_bytes(data):
    check_decode(data)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_decode_any_msgpack_value(value):
    check_decode(msgpack.packb(value, use_bin_type=True))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(messages, st.data())
def test_decode_damaged_frame(message, data):
    frame = bytearray(msgpack.packb(message, use_bin_type=True))
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        position = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
        frame[position] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(frame)))
    check_decode(bytes(frame[:cut]))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event_maps | values, max_size=20) | values)
def test_normalize_batch_any_input(raw_events):
    try:
        rows, rejected = normalize_batch(raw_events, CONTEXT, LIMITS)
    except Rejected as error:
        assert error.field == "events"
        return
    assert len(rows) + len(rejected) == len(raw_events)
    for row in rows:
        assert list(row) == schema.COLUMN_NAMES
    for item in rejected:
        assert item["reason"] != INTERNAL_REASON, item
        item["reason"].encode("utf-8")
    indexes = [item["i"] for item in rejected]
    assert indexes == sorted(set(indexes))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.support.server_process import ServerProcess

    process = ServerProcess(tmp_path_factory.mktemp("fuzz") / "data")
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def healthy(server):
    client = Client(server.ws_url, server.write_key)
    yield client
    client.close()


def exchange(server, frames: list[bytes]) -> None:
    """Send ``frames`` after a hello on a fresh connection; the server may reply or close, but must not hang."""
    client = Client(server.ws_url, server.write_key)
    try:
        for frame in frames:
            client.send_raw(frame)
        client.send_events([make_event("fuzz probe")])
        while True:
            message = client.receive(timeout=10)
            if message.get("t") == "ack" and message.get("seq") == client.seq:
                return
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code in {1002, 1003, 1007, 1008, 1009}, closed
    finally:
        client.close()


# One example opens a connection and waits for two acks (about 0.5 s), so it runs a fortieth of the profile's
# examples: 15 in CI, 500 with HYPOTHESIS_PROFILE=long.
@settings(max_examples=max(15, settings.default.max_examples // 40), suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# The websockets client draws its ping payloads from the random module, which Hypothesis reports as a deprecation.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@given(st.lists(st.binary(max_size=300) | messages.map(lambda message: msgpack.packb(message, use_bin_type=True)), min_size=1, max_size=4))
def test_server_survives_fuzzed_frames(server, healthy, frames):
    exchange(server, frames)

    ack = healthy.receive_ack(healthy.send_events([make_event("fuzz healthy")]))
    assert ack["accepted"] == 1


def test_server_survives_fuzz_with_bad_hello(server, healthy):
    # Frames before hello are rejected earlier in the session, so they are fuzzed too, with fixed cases.
    for frame in (b"\x80", msgpack.packb({"t": "hello", "v": 1, "key": ["x"]}), msgpack.packb({"t": "hello", "v": 1, "key": "k" * 10_000})):
        client = Client(server.ws_url, server.write_key, hello=False)
        client.send_raw(frame)
        assert client.close_code() in (1002, 1007, 1008)
    assert healthy.receive_ack(healthy.send_events([make_event("after bad hello")]))["accepted"] == 1
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 4")

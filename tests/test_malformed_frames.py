"""Bad frames close only their own connection, with the protocol's close code, while others keep ingesting."""

from __future__ import annotations

import os
import time

import msgpack
import pytest

from tests.support.wsclient import Client, make_event, now_ms

NESTED_10000 = b"\x81\xa1a" * 10_000 + b"\xc0"  # {"a": {"a": ... nil}} nested 10,000 deep


def hello(key: str) -> bytes:
    return msgpack.packb({"t": "hello", "v": 1, "key": key, "sdk": "tests/1", "sent_at": now_ms()})


CASES = [
    ("text frame", "not msgpack", 1003),
    ("empty binary frame", b"", 1007),
    ("byte 0xC1", b"\xc1", 1007),
    ("truncated map", b"\x81", 1007),
    ("bare integer", b"\x2a", 1002),
    ("map nested 10,000 deep", NESTED_10000, 1007),
    ("string with invalid byte 0xFF", b"\x81\xa1t\xa2h\xff", 1007),
    ("100 KB of random bytes", os.urandom(100_000), (1002, 1007)),
    ("frame of 1,048,577 bytes", b"\xc6\x00\x10\x00\x00" + b"x" * 1_048_572, 1009),
]


@pytest.mark.parametrize("after_hello", [False, True], ids=["before hello", "after hello"])
@pytest.mark.parametrize(("name", "frame", "expected_code"), CASES, ids=[case[0] for case in CASES])
def test_bad_frame_closes_only_its_connection(server, name, frame, expected_code, after_hello):
    healthy = Client(server.ws_url, server.write_key)
    bad = Client(server.ws_url, server.write_key, hello=after_hello)

    bad.send_raw(frame)
    code = bad.close_code()

    expected = expected_code if isinstance(expected_code, tuple) else (expected_code,)
    assert code in expected, f"{name}: closed with {code}"
    ack = healthy.receive_ack(healthy.send_events([make_event(f"after {name}")]))
    assert ack["accepted"] == 1


def test_wrong_key_closes_with_1008(server):
    client = Client(server.ws_url, server.write_key, hello=False)
    client.send_raw(hello("wk_not_a_key"))
    assert client.close_code() == 1008


def test_first_frame_not_hello_closes_with_1002(server):
    client = Client(server.ws_url, server.write_key, hello=False)
    client.send({"t": "events", "seq": 1, "events": []})
    assert client.close_code() == 1002


def test_no_hello_within_timeout_closes_with_1008(server_factory):
    server = server_factory(EVENTLAYER_HELLO_TIMEOUT="1")
    healthy = Client(server.ws_url, server.write_key)
    silent = Client(server.ws_url, server.write_key, hello=False)

    started = time.monotonic()
    assert silent.close_code(timeout=5) == 1008
    assert time.monotonic() - started < 4
    assert healthy.receive_ack(healthy.send_events([make_event()]))["accepted"] == 1


def test_unknown_message_type_gets_error_frame(server):
    client = Client(server.ws_url, server.write_key)
    client.send({"t": "dance"})
    message = client.receive()
    assert message["t"] == "error"
    assert message["code"] == "unknown_type"
    assert client.receive_ack(client.send_events([make_event()]))["accepted"] == 1


def test_batch_that_is_not_a_list_gets_error_frame(server):
    client = Client(server.ws_url, server.write_key)
    client.send({"t": "events", "seq": 7, "events": "nope", "sent_at": now_ms()})
    message = client.receive_ack(7)
    assert message["t"] == "error"
    assert message["seq"] == 7
    assert "events" in message["message"]

"""The ClickHouse-server path: runs only when EVENTLAYER_TEST_CLICKHOUSE_URL names a server to use.

    EVENTLAYER_TEST_CLICKHOUSE_URL=http://default:@127.0.0.1:8123 pytest tests/test_clickhouse_server.py

The server's database `eventlayer` is created when missing; the test adds rows to its `event_manager` table and
checks only rows it made, so it can share a server with other data.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.support.wsclient import Client, make_event

URL = os.environ.get("EVENTLAYER_TEST_CLICKHOUSE_URL")

pytestmark = [
    pytest.mark.clickhouse_server,
    pytest.mark.skipif(not URL, reason="set EVENTLAYER_TEST_CLICKHOUSE_URL to run against a ClickHouse server"),
]


def test_ingest_into_clickhouse_server(server_factory):
    server = server_factory(EVENTLAYER_CLICKHOUSE_URL=URL)
    name = f"server path {uuid.uuid4().hex[:8]}"
    events = [make_event(name) for _ in range(200)]
    client = Client(server.ws_url, server.write_key)

    ack = client.receive_ack(client.send_events(events))
    assert ack["accepted"] == 200

    assert server.count(f"event_name = '{name}'") == (200, 200)


def test_resend_after_restart_stored_once_on_server(server_factory):
    server = server_factory(EVENTLAYER_CLICKHOUSE_URL=URL)
    name = f"server resend {uuid.uuid4().hex[:8]}"
    events = [make_event(name) for _ in range(50)]
    client = Client(server.ws_url, server.write_key)
    assert client.receive_ack(client.send_events(events))["accepted"] == 50

    server.restart()
    client = Client(server.ws_url, server.write_key)

    assert client.receive_ack(client.send_events(events))["duplicates"] == 50
    assert server.count(f"event_name = '{name}'") == (50, 50)

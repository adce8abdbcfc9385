"""WebSocket ingest through a real server: welcome, acks that mean durable, and exact storage after resends."""

from __future__ import annotations

import signal

from tests.support.wsclient import Client, make_event


def test_welcome_lists_limits_and_capabilities(server):
    write = Client(server.ws_url, server.write_key)
    read = Client(server.ws_url, server.read_key)

    assert write.welcome["t"] == "welcome"
    assert write.welcome["v"] == 1
    assert write.welcome["limits"]["max_frame_bytes"] == 1_048_576
    assert write.welcome["can"] == ["ingest"]
    assert read.welcome["can"] == ["ingest", "live"]


def test_ack_waits_for_durable_write(server):
    client = Client(server.ws_url, server.write_key)
    events = [make_event(f"durable {i}") for i in range(100)]

    seq = client.send_events(events)
    ack = client.receive_ack(seq)

    assert ack == {"t": "ack", "seq": seq, "accepted": 100, "duplicates": 0, "rejected": []}
    ids = ", ".join(f"'{event['event_id']}'" for event in events)
    assert server.count(f"event_id IN ({ids})") == (100, 100)


def test_empty_batch_acks_at_once(server):
    client = Client(server.ws_url, server.write_key)
    seq = client.send_events([])
    assert client.receive_ack(seq, timeout=2)["accepted"] == 0


def test_resend_after_lost_ack_stored_once(server):
    events = [make_event(f"resent {i}") for i in range(50)]
    first = Client(server.ws_url, server.write_key)
    first.send_events(events)
    first.close()  # the ack is never read: to the client it is lost

    second = Client(server.ws_url, server.write_key)
    ack = second.receive_ack(second.send_events(events))

    assert ack["accepted"] + ack["duplicates"] == 50
    assert server.count("event_name LIKE 'resent %'") == (50, 50)


def test_resend_within_one_batch_counts_duplicates(server):
    event = make_event("twice")
    client = Client(server.ws_url, server.write_key)
    ack = client.receive_ack(client.send_events([event, dict(event)]))

    assert ack["accepted"] == 1
    assert ack["duplicates"] == 1
    assert server.count("event_name = 'twice'") == (1, 1)


def test_resend_after_restart_stored_once(server):
    events = [make_event(f"restart {i}") for i in range(30)]
    client = Client(server.ws_url, server.write_key)
    assert client.receive_ack(client.send_events(events))["accepted"] == 30

    server.restart()
    client = Client(server.ws_url, server.write_key)
    ack = client.receive_ack(client.send_events(events))

    assert ack["duplicates"] == 30
    assert server.count("event_name LIKE 'restart %'") == (30, 30)


def test_many_frames_all_acked_and_stored(server):
    client = Client(server.ws_url, server.write_key)
    seqs = [client.send_events([make_event(f"bulk {frame}-{i}") for i in range(100)]) for frame in range(50)]

    acked = set()
    while len(acked) < len(seqs):
        message = client.receive()
        assert message["t"] == "ack", message
        assert message["accepted"] == 100
        acked.add(message["seq"])

    assert acked == set(seqs)
    assert server.count("event_name LIKE 'bulk %'") == (5000, 5000)


def test_sigterm_flushes_and_closes_with_1012(server_factory):
    server = server_factory(EVENTLAYER_FLUSH_INTERVAL="5")
    client = Client(server.ws_url, server.write_key)
    events = [make_event(f"shutdown {i}") for i in range(20)]
    client.send_events(events)

    exit_code = server.stop(signal.SIGTERM)
    close_code = client.close_code(timeout=5)

    # uvicorn re-raises the SIGTERM after its graceful shutdown, so the exit status is the signal's.
    assert exit_code in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in server.log()
    assert close_code == 1012
    server.start()
    assert server.count("event_name LIKE 'shutdown %'") == (20, 20)


def test_server_fills_enrichment_fields(server):
    user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
    client = Client(server.ws_url, server.write_key, additional_headers={"User-Agent": user_agent})
    event = make_event("enriched")
    client.receive_ack(client.send_events([event]))

    row = server.query(f"SELECT user_browser, user_os, user_ip, is_bot, source, sdk FROM eventlayer.event_manager WHERE event_id = '{event['event_id']}'")[0]
    assert row["user_browser"].startswith("Chrome")
    assert row["user_os"].startswith("Windows")
    assert row["user_ip"] == "127.0.0.0"
    assert row["is_bot"] is False
    assert row["source"] == "ws"
    assert row["sdk"] == "tests/1"

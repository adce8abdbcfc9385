"""Hard values through a real socket: each gets its documented outcome and the rest of its batch is stored."""

from __future__ import annotations

import json

from tests.support.wsclient import Client, make_event

BASE_MS = 1714564800000  # 2024-05-01T12:00:00Z


def send_batch(server, events):
    client = Client(server.ws_url, server.write_key)
    return client.receive_ack(client.send_events(events))


def stored(server, event_id):
    rows = server.query(
        "SELECT event_name, properties, flags, toUnixTimestamp64Milli(event_starttime) AS start "
        f"FROM eventlayer.event_manager WHERE event_id = '{event_id}'"
    )
    return rows[0] if rows else None


def test_non_finite_numbers_become_null_and_flagged(server):
    event = make_event("non finite", properties={"ratio": float("nan"), "big": float("inf"), "neg": float("-inf"), "ok": 1.5})
    ack = send_batch(server, [event])

    assert ack["accepted"] == 1
    row = stored(server, event["event_id"])
    assert json.loads(row["properties"]) == {"ratio": None, "big": None, "neg": None, "ok": 1.5}
    assert {"non_finite:properties.ratio", "non_finite:properties.big", "non_finite:properties.neg"} <= set(row["flags"])


def test_nul_rejects_only_its_event(server):
    good = make_event("beside nul")
    bad_value = make_event("nul value", properties={"note": "a\x00b"})
    bad_name = make_event("nul\x00name")
    bad_key = make_event("nul key", properties={"k\x00": 1})
    ack = send_batch(server, [bad_value, good, bad_name, bad_key])

    assert ack["accepted"] == 1
    reasons = {item["i"]: item["reason"] for item in ack["rejected"]}
    assert reasons[0].startswith("properties.note")
    assert reasons[2].startswith("event_name")
    assert reasons[3].startswith("properties.")
    assert stored(server, good["event_id"]) is not None
    assert stored(server, bad_value["event_id"]) is None


def test_emoji_name_over_limit_is_rejected_whole(server):
    good = make_event("beside emoji")
    emoji = make_event("\U0001F600" * 10_000)
    ack = send_batch(server, [emoji, good])

    assert ack["accepted"] == 1
    assert ack["rejected"][0]["event_id"] == emoji["event_id"]
    assert "event_name is 10,000 characters" in ack["rejected"][0]["reason"]


def test_timestamp_forms(server):
    cases = {
        "z": ("2024-05-01T12:00:00.123Z", BASE_MS + 123, []),
        "offset": ("2024-05-01T14:00:00+02:00", BASE_MS, []),
        "no zone": ("2024-05-01T12:00:00", BASE_MS, []),
        "seconds": (BASE_MS // 1000, BASE_MS, ["starttime_seconds"]),
        "future": ("2099-01-01T00:00:00Z", 4070908800000, ["starttime_future"]),
    }
    events = {name: make_event(f"time {name}", event_starttime=value) for name, (value, _, _) in cases.items()}
    invalid = make_event("time invalid", event_starttime="2024-02-30T00:00:00Z")
    empty = make_event("time empty", event_starttime="")
    ack = send_batch(server, [*events.values(), invalid, empty])

    assert ack["accepted"] == len(cases) + 1
    assert len(ack["rejected"]) == 1
    assert ack["rejected"][0]["event_id"] == invalid["event_id"]
    assert "event_starttime" in ack["rejected"][0]["reason"]
    for name, (_, expected_ms, expected_flags) in cases.items():
        row = stored(server, events[name]["event_id"])
        # The test client's clock is the server's, so the skew correction is a few ms at most.
        assert abs(row["start"] - expected_ms) < 1000, name
        for flag in expected_flags:
            assert flag in row["flags"], name
    assert stored(server, empty["event_id"]) is not None

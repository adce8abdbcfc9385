"""normalize_event and normalize_batch: raw client events in, stored rows or reasons out."""

import json
import math
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventlayer.schema import COLUMN_NAMES
from eventlayer.validate import Context, Limits, Rejected, normalize_batch, normalize_event, parse_timestamp

RECEIVED_MS = 1_714_564_800_000  # 2024-05-01T12:00:00Z
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
LIMITS = Limits()


def make_context(**changes) -> Context:
    values = {
        "project": "default",
        "received_at_ms": RECEIVED_MS,
        "skew_ms": 0,
        "ip": "203.0.113.0",
        "user_agent": CHROME_WINDOWS,
        "sdk": "eventlayer-js/0.1.0",
        "source": "ws",
    }
    values.update(changes)
    return Context(**values)


def event(**fields) -> dict:
    return {"event_type": "click", "event_name": "Signup Button", **fields}


def normalize(raw, **context_changes) -> dict:
    return normalize_event(raw, make_context(**context_changes), LIMITS)


def rejection(raw, **context_changes) -> Rejected:
    with pytest.raises(Rejected) as raised:
        normalize(raw, **context_changes)
    return raised.value


def test_row_has_exactly_the_schema_columns():
    row = normalize(event())
    assert list(row) == COLUMN_NAMES


def test_row_values_for_a_full_event():
    raw = event(
        event_id="0B7E4C1E-5A1F-4C3E-9D2A-6F1B2C3D4E5F",
        event_value="pro",
        event_starttime=RECEIVED_MS - 5000,
        event_endtime=RECEIVED_MS - 1000,
        event_lat=48.137,
        event_lang=11.575,
        session_id="s-1",
        distinct_id="u-1",
        url="https://example.com/pricing",
        referrer="https://example.com/",
        title="Pricing",
        properties={"plan": "pro", "seats": 3},
        manual=True,
    )
    row = normalize(raw)

    assert row["project"] == "default"
    assert row["event_id"] == "0b7e4c1e-5a1f-4c3e-9d2a-6f1b2c3d4e5f"
    assert row["event_value"] == "pro"
    assert row["event_starttime"] == RECEIVED_MS - 5000
    assert row["event_endtime"] == RECEIVED_MS - 1000
    assert row["event_lat"] == 48.137
    assert row["event_lang"] == 11.575
    assert row["user_browser"] == "Chrome 120"
    assert row["user_os"] == "Windows 10"
    assert row["user_ip"] == "203.0.113.0"
    assert row["is_bot"] is False
    assert row["session_id"] == "s-1"
    assert row["distinct_id"] == "u-1"
    assert row["url"] == "https://example.com/pricing"
    assert row["referrer"] == "https://example.com/"
    assert row["title"] == "Pricing"
    assert json.loads(row["properties"]) == {"plan": "pro", "seats": 3}
    assert row["manual"] is True
    assert row["source"] == "ws"
    assert row["sdk"] == "eventlayer-js/0.1.0"
    assert row["flags"] == []
    assert row["clock_skew_ms"] == 0
    assert row["received_at"] == RECEIVED_MS
    assert row["event_createdtime"] == RECEIVED_MS


def test_defaults_for_a_minimal_event():
    row = normalize(event())
    assert uuid.UUID(row["event_id"]).version == 4
    assert row["event_value"] == ""
    assert row["event_starttime"] == RECEIVED_MS
    assert row["event_endtime"] is None
    assert row["event_lat"] is None
    assert row["event_lang"] is None
    assert row["properties"] == "{}"
    assert row["manual"] is False


def test_each_event_gets_its_own_id():
    assert normalize(event())["event_id"] != normalize(event())["event_id"]


@pytest.mark.parametrize(
    ("raw", "field", "reason"),
    [
        ({"event_name": "x"}, "event_type", "event_type is missing"),
        ({"event_type": "x"}, "event_name", "event_name is missing"),
        ({"event_type": "x", "event_name": ""}, "event_name", "event_name is missing"),
        ({"event_type": "x", "event_name": None}, "event_name", "event_name is missing"),
        ({"event_type": "x", "event_name": 5}, "event_name", "event_name must be a string; got an integer"),
        ({"event_type": "x", "event_name": b"x"}, "event_name", "event_name must be a string; got binary data"),
        (["click"], "event", "event must be a map; got a list"),
        (None, "event", "event must be a map; got null"),
    ],
)
def test_required_fields_and_types(raw, field, reason):
    error = rejection(raw)
    assert error.field == field
    assert error.reason == reason


def test_whitespace_name_is_kept_untrimmed():
    assert normalize(event(event_name=" ")).get("event_name") == " "


def test_event_name_of_10000_emoji_is_rejected():
    error = rejection(event(event_name="\U0001f600" * 10_000))
    assert error.field == "event_name"
    assert error.reason == "event_name is 10,000 characters (Unicode code points); the limit is 200"


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("event_type", 100),
        ("event_name", 200),
        ("event_value", 8192),
        ("url", 4096),
        ("referrer", 4096),
        ("title", 1000),
        ("session_id", 200),
        ("distinct_id", 200),
        ("user_browser", 200),
        ("user_os", 200),
    ],
)
def test_string_limits_count_code_points(field, limit):
    at_limit = normalize(event(**{field: "é" * limit}))
    assert at_limit[field] == "é" * limit
    error = rejection(event(**{field: "é" * (limit + 1)}))
    assert error.field == field
    assert f"{limit + 1:,} characters" in error.reason


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (event(event_name="Sign\x00up"), "event_name"),
        (event(event_value="a\x00"), "event_value"),
        (event(url="https://example.com/\x00"), "url"),
        (event(event_starttime="2024-05-01\x00"), "event_starttime"),
        (event(event_lat="\x0048"), "event_lat"),
        (event(properties={"note": "a\x00b"}), "properties.note"),
        (event(properties={"cart": {"items": ["ok", "b\x00d"]}}), "properties.cart.items[1]"),
        (event(properties={"a\x00b": 1}), "properties.a\\u0000b"),
        (event(extra="\x00"), "extra"),
        (event(user_ip="\x00"), "user_ip"),
    ],
)
def test_nul_anywhere_rejects_the_event(raw, field):
    error = rejection(raw)
    assert error.field == field
    assert "U+0000" in error.reason
    assert error.reason.startswith(field)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (event(event_name="bad \udc80"), "event_name"),
        (event(properties={"k": "\ud800"}), "properties.k"),
        (event(properties={"\udcff": 1}), "properties.\\udcff"),
    ],
)
def test_lone_surrogate_is_invalid_utf8(raw, field):
    error = rejection(raw)
    assert error.field == field
    assert "not valid UTF-8" in error.reason
    error.reason.encode("utf-8")  # the reason itself must be sendable


def test_non_finite_properties_become_null_and_flagged():
    raw = event(properties={"ratio": math.nan, "big": math.inf, "neg": -math.inf, "ok": 1.5})
    row = normalize(raw)
    assert json.loads(row["properties"]) == {"ratio": None, "big": None, "neg": None, "ok": 1.5}
    assert row["flags"] == ["non_finite:properties.ratio", "non_finite:properties.big", "non_finite:properties.neg"]


def test_non_finite_nested_paths():
    row = normalize(event(properties={"a": {"b": [1, math.nan]}}))
    assert json.loads(row["properties"]) == {"a": {"b": [1, None]}}
    assert row["flags"] == ["non_finite:properties.a.b[1]"]


def test_non_finite_does_not_change_the_input():
    properties = {"ratio": math.nan, "nested": {"x": math.inf}}
    normalize(event(properties=properties))
    assert math.isnan(properties["ratio"])
    assert properties["nested"]["x"] == math.inf


@pytest.mark.parametrize(
    ("field", "value", "flag"),
    [
        ("event_lat", math.nan, "non_finite:event_lat"),
        ("event_lang", math.inf, "non_finite:event_lang"),
        ("event_lon", -math.inf, "non_finite:event_lon"),
        ("event_lat", "NaN", "non_finite:event_lat"),
        ("event_lang", "-Infinity", "non_finite:event_lang"),
        ("event_value", math.nan, "non_finite:event_value"),
    ],
)
def test_non_finite_fields_become_null_and_flagged(field, value, flag):
    row = normalize(event(**{field: value}))
    column = "event_lang" if field == "event_lon" else field
    assert row[column] in (None, "")
    assert row["flags"] == [flag]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pro", "pro"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-7, "-7"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (1e20, "1e+20"),
        (None, ""),
        ("", ""),
    ],
)
def test_event_value_stored_as_text(value, expected):
    assert normalize(event(event_value=value))["event_value"] == expected


@pytest.mark.parametrize("value", [[1], {"a": 1}, b"x", 2**64])
def test_event_value_invalid(value):
    assert rejection(event(event_value=value)).field == "event_value"


@pytest.mark.parametrize(
    ("fields", "lat", "lang"),
    [
        ({"event_lat": 48.1, "event_lang": 11.5}, 48.1, 11.5),
        ({"event_lat": "48.1", "event_lon": "-11.5"}, 48.1, -11.5),
        ({"event_lat": 90, "event_lang": -180}, 90.0, -180.0),
        ({"event_lat": "", "event_lang": None}, None, None),
        ({"event_lang": 11.5, "event_lon": 11.5}, None, 11.5),
    ],
)
def test_coordinates(fields, lat, lang):
    row = normalize(event(**fields))
    assert row["event_lat"] == lat
    assert row["event_lang"] == lang


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event_lat": 90.0001}, "event_lat"),
        ({"event_lat": -91}, "event_lat"),
        ({"event_lang": 180.5}, "event_lang"),
        ({"event_lon": "-181"}, "event_lon"),
        ({"event_lat": 10**400}, "event_lat"),
        ({"event_lat": "north"}, "event_lat"),
        ({"event_lat": True}, "event_lat"),
        ({"event_lang": [1]}, "event_lang"),
        ({"event_lang": 11.5, "event_lon": 12.5}, "event_lon"),
    ],
)
def test_coordinates_invalid(fields, field):
    assert rejection(event(**fields)).field == field


@pytest.mark.parametrize(
    ("starttime", "expected_ms", "expected_flags"),
    [
        ("2024-05-01T12:00:00.123Z", RECEIVED_MS + 123, []),
        ("2024-05-01T14:00:00.123+02:00", RECEIVED_MS + 123, []),
        ("2024-05-01T12:00:00.123", RECEIVED_MS + 123, []),
        (1_714_564_800, RECEIVED_MS, ["starttime_seconds"]),
        ("", RECEIVED_MS, []),
        (None, RECEIVED_MS, []),
        ("2099-01-01T00:00:00Z", 4_070_908_800_000, ["starttime_future"]),
        ("1999-12-31T23:59:59Z", 946_684_799_000, ["starttime_past"]),
        (1_000, 1_000_000, ["starttime_seconds", "starttime_past"]),
    ],
)
def test_starttime_outcomes(starttime, expected_ms, expected_flags):
    row = normalize(event(event_starttime=starttime))
    assert row["event_starttime"] == expected_ms
    assert row["flags"] == expected_flags


@pytest.mark.parametrize("value", ["2024-02-30T00:00:00Z", "garbage", "2300-01-01T00:00:00Z", True])
def test_starttime_invalid(value):
    error = rejection(event(event_starttime=value))
    assert error.field == "event_starttime"
    assert error.reason.startswith("event_starttime ")


def test_endtime_invalid_names_endtime():
    assert rejection(event(event_endtime="2024-02-30T00:00:00Z")).field == "event_endtime"


def test_skew_corrects_client_times_only():
    row = normalize(event(event_starttime=RECEIVED_MS - 60_000, event_endtime=RECEIVED_MS - 30_000), skew_ms=2_500)
    assert row["event_starttime"] == RECEIVED_MS - 57_500
    assert row["event_endtime"] == RECEIVED_MS - 27_500
    assert row["clock_skew_ms"] == 2_500
    assert row["received_at"] == RECEIVED_MS
    assert normalize(event(), skew_ms=2_500)["event_starttime"] == RECEIVED_MS


def test_future_flag_uses_corrected_time():
    ahead = RECEIVED_MS + 86_400_000 + 10_000  # a client clock 1 day and 10 s fast
    assert normalize(event(event_starttime=ahead))["flags"] == ["starttime_future"]
    assert normalize(event(event_starttime=ahead), skew_ms=-10_000)["flags"] == []


def test_skew_past_the_storable_range_is_rejected():
    error = rejection(event(event_starttime="2299-12-31T23:00:00Z"), skew_ms=86_400_000)
    assert error.field == "event_starttime"
    assert "out of range" in error.reason


def test_endtime_before_start_is_kept_and_flagged():
    row = normalize(event(event_starttime=RECEIVED_MS - 1000, event_endtime=RECEIVED_MS - 2000))
    assert row["event_endtime"] == RECEIVED_MS - 2000
    assert row["flags"] == ["endtime_before_start"]


def test_endtime_flags():
    row = normalize(event(event_endtime=1_714_564_900))
    assert row["event_endtime"] == 1_714_564_900_000
    assert row["flags"] == ["endtime_seconds"]


def test_parse_timestamp_is_exported():
    assert parse_timestamp("2024-05-01T12:00:00Z") == (RECEIVED_MS, [])


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("not-a-uuid", "event_id"),
        ("0b7e4c1e5a1f4c3e9d2a6f1b2c3d4e5f", "event_id"),
        ("{0b7e4c1e-5a1f-4c3e-9d2a-6f1b2c3d4e5f}", "event_id"),
        (uuid.uuid4().bytes, "event_id"),
        (12, "event_id"),
    ],
)
def test_event_id_invalid(value, field):
    assert rejection(event(event_id=value)).field == field


def test_client_browser_and_os_win_over_user_agent():
    row = normalize(event(user_browser="Firefox 121", user_os="Ubuntu"))
    assert row["user_browser"] == "Firefox 121"
    assert row["user_os"] == "Ubuntu"


def test_user_agent_fills_browser_and_bot_flag():
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    row = normalize(event(user_browser="Chrome 120"), user_agent=googlebot)
    assert row["user_browser"] == "Chrome 120"
    assert row["is_bot"] is True


def test_missing_user_agent_leaves_fields_empty():
    row = normalize(event(), user_agent=None)
    assert (row["user_browser"], row["user_os"], row["is_bot"]) == ("", "", False)


def test_client_user_ip_is_ignored():
    row = normalize(event(user_ip="198.51.100.99"))
    assert row["user_ip"] == "203.0.113.0"
    assert "user_ip" not in json.loads(row["properties"])
    assert normalize(event(), ip=None)["user_ip"] == ""


def test_server_fields_cannot_be_set_by_client():
    raw = event(project="other", received_at=1, sdk="fake", source="fake", flags=["x"], is_bot=True, clock_skew_ms=9)
    row = normalize(raw)

    assert row["project"] == "default"
    assert row["received_at"] == RECEIVED_MS
    assert row["sdk"] == "eventlayer-js/0.1.0"
    assert row["source"] == "ws"
    assert row["flags"] == []
    assert row["is_bot"] is False
    assert row["clock_skew_ms"] == 0
    assert row["properties"] == "{}"


def test_unknown_top_level_keys_move_into_properties():
    row = normalize(event(plan="pro", cart={"items": 2}, properties={"source_page": "home"}))
    assert json.loads(row["properties"]) == {"source_page": "home", "plan": "pro", "cart": {"items": 2}}
    assert row["flags"] == []


def test_unknown_key_does_not_replace_property():
    row = normalize(event(plan="free", properties={"plan": "pro"}))
    assert json.loads(row["properties"]) == {"plan": "pro"}
    assert row["flags"] == ["dropped_field:plan"]


def test_session_and_distinct_id_accept_integers():
    row = normalize(event(session_id=17, distinct_id=12345678901))
    assert row["session_id"] == "17"
    assert row["distinct_id"] == "12345678901"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": 5}, "url"),
        ({"title": ["x"]}, "title"),
        ({"distinct_id": 1.5}, "distinct_id"),
        ({"manual": "yes"}, "manual"),
        ({"manual": 1}, "manual"),
        ({"properties": []}, "properties"),
        ({"properties": "{}"}, "properties"),
        ({"properties": {1: "x"}}, "properties"),
        ({"properties": {"blob": b"\x00\x01"}}, "properties.blob"),
        ({"properties": {"huge": 2**64}}, "properties.huge"),
        ({"properties": {"k" * 201: 1}}, "properties." + "k" * 201),
        ({"properties": {"t": {1, 2}}}, "properties.t"),
        ({"k" * 201: 1}, "k" * 201),
    ],
)
def test_invalid_field_types(fields, field):
    assert rejection(event(**fields)).field == field


def test_property_key_limit_reason():
    error = rejection(event(properties={"k" * 201: 1}))
    assert error.reason == f"properties.{'k' * 201}: the key is 201 characters (Unicode code points); the limit is 200"


def test_property_values_of_every_json_type():
    properties = {"s": "x", "i": -3, "f": 0.25, "b": False, "n": None, "l": [1, "a", [2]], "m": {"k": {}}}
    row = normalize(event(properties=properties))
    assert json.loads(row["properties"]) == properties


def test_properties_json_is_compact_and_not_ascii_escaped():
    row = normalize(event(properties={"city": "München", "emoji": "\U0001f600"}))
    assert row["properties"] == '{"city":"München","emoji":"\U0001f600"}'


def test_properties_tuples_from_msgpack_are_lists():
    row = normalize(event(properties={"pair": (1, 2)}))
    assert json.loads(row["properties"]) == {"pair": [1, 2]}


def nested_map(levels: int) -> dict:
    root: dict = {}
    node = root
    for _ in range(levels - 1):
        node["a"] = {}
        node = node["a"]
    return root


def test_properties_depth_limit():
    assert normalize(event(properties=nested_map(10)))["properties"].count("{") == 10
    error = rejection(event(properties=nested_map(11)))
    assert error.field == "properties" + ".a" * 10
    assert "nested 11 levels deep; the limit is 10" in error.reason


def test_map_nested_10000_deep_is_rejected_cleanly():
    error = rejection(event(properties=nested_map(10_000)))
    assert error.field.startswith("properties.a.a")
    deep_list: list = []
    node = deep_list
    for _ in range(10_000):
        node.append([])
        node = node[0]
    assert rejection(event(extra=deep_list)).field.startswith("extra[0]")
    assert rejection(event(user_ip=nested_map(10_000))).field.startswith("user_ip.a")


def test_event_size_limit():
    # 4 bytes per emoji in UTF-8: about 40 kB in properties, well within each field limit.
    raw = event(properties={"text": "\U0001f600" * 10_000})
    error = rejection(raw)
    size = len(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert error.field == "event"
    assert error.reason == f"event is {size:,} bytes; the limit is 32,768"


def test_event_at_size_limit_is_accepted():
    raw = event(properties={"text": ""})
    base = len(json.dumps(raw, separators=(",", ":")).encode("utf-8"))
    raw["properties"]["text"] = "x" * (LIMITS.max_event_bytes - base)
    assert normalize(raw)["properties"].startswith('{"text":"xxx')
    raw["properties"]["text"] += "x"
    assert rejection(raw).field == "event"


def test_custom_limits_apply():
    limits = Limits(max_event_name_chars=5, max_property_depth=2)
    with pytest.raises(Rejected, match="event_name is 6 characters"):
        normalize_event(event(event_name="abcdef"), make_context(), limits)
    with pytest.raises(Rejected, match="limit is 2 levels"):
        normalize_event(event(event_name="ok", properties={"a": {"b": {"c": 1}}}), make_context(), limits)


@pytest.mark.parametrize("value", [0, -1, 1.5, "10", True])
def test_limits_must_be_positive_integers(value):
    with pytest.raises(ValueError, match="limit max_batch must be a positive integer"):
        Limits(max_batch=value)


def test_to_welcome():
    assert Limits().to_welcome() == {"max_frame_bytes": 1_048_576, "max_batch": 1000, "max_event_bytes": 32_768}


def test_batch_keeps_good_events_and_names_bad_ones():
    good_id = "0b7e4c1e-5a1f-4c3e-9d2a-6f1b2c3d4e5f"
    bad_id = "1b7e4c1e-5a1f-4c3e-9d2a-6f1b2c3d4e5f"
    raw_events = [
        event(event_id=good_id, properties={"ratio": math.nan}),
        event(event_id=bad_id.upper(), event_name="\x00"),
        "not a map",
        event(event_starttime="2024-02-30T00:00:00Z"),
        event(event_id="broken", event_name="x"),
        event(event_name="Checkout"),
    ]
    rows, rejected = normalize_batch(raw_events, make_context(), LIMITS)
    assert [row["event_name"] for row in rows] == ["Signup Button", "Checkout"]
    assert rows[0]["event_id"] == good_id
    assert rows[0]["flags"] == ["non_finite:properties.ratio"]
    assert [entry["i"] for entry in rejected] == [1, 2, 3, 4]
    assert [entry["event_id"] for entry in rejected] == [bad_id, None, None, None]
    assert rejected[0]["reason"].startswith("event_name contains U+0000")
    assert rejected[1]["reason"] == "event must be a map; got a string"
    assert rejected[2]["reason"].startswith("event_starttime is not a valid date")
    assert rejected[3]["reason"].startswith("event_id is not a valid UUID")


def test_batch_empty():
    assert normalize_batch([], make_context(), LIMITS) == ([], [])


@pytest.mark.parametrize(
    ("raw_events", "reason"),
    [
        ({"event_type": "click"}, "events must be a list; got a map"),
        (None, "events must be a list; got null"),
        ([event()] * 1001, "the batch has 1,001 events; the limit is 1,000"),
    ],
)
def test_batch_rejected_whole(raw_events, reason):
    with pytest.raises(Rejected) as raised:
        normalize_batch(raw_events, make_context(), LIMITS)
    assert raised.value.field == "events"
    assert raised.value.reason == reason


def test_batch_at_max_size_is_accepted():
    rows, rejected = normalize_batch([event()] * 1000, make_context(), LIMITS)
    assert len(rows) == 1000
    assert rejected == []
    assert len({row["event_id"] for row in rows}) == 1000


def test_batch_survives_unexpected_error(caplog, monkeypatch):
    def failing_parser(ua):
        raise RuntimeError("parser bug")

    monkeypatch.setattr("eventlayer.validate.parse_user_agent", failing_parser)
    good_id = "0b7e4c1e-5a1f-4c3e-9d2a-6f1b2c3d4e5f"
    rows, rejected = normalize_batch([event(event_id=good_id), event()], make_context(), LIMITS)
    assert rows == []
    assert rejected[0] == {"i": 0, "event_id": good_id, "reason": "the server failed to validate this event"}
    assert rejected[1]["i"] == 1
    assert "parser bug" not in rejected[0]["reason"]
    assert "validation failed unexpectedly" in caplog.text


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(max_size=4),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8) | st.just("k" * 201) | st.integers(), children, max_size=4),
    max_leaves=20,
)
field_values = st.one_of(json_like, st.sampled_from(["2024-05-01T12:00:00Z", "1714564800123", "48.1", "NaN", "a\x00", "\udc80", "x" * 201]))


@settings(max_examples=300, deadline=None)
@given(
    raw=st.dictionaries(
        st.sampled_from(
            ["event_type", "event_name", "event_value", "event_starttime", "event_endtime", "event_lat", "event_lang",
             "event_lon", "properties", "manual", "session_id", "user_ip", "extra", "event_id"]
        ),
        field_values,
    )
)
def test_any_input_is_a_row_or_rejected(raw):
    try:
        row = normalize(raw)
    except Rejected as error:
        assert error.reason.startswith(error.field)
        error.reason.encode("utf-8")
        return
    assert list(row) == COLUMN_NAMES
    assert isinstance(json.loads(row["properties"]), dict)
    assert all(isinstance(flag, str) for flag in row["flags"])

"""Live filter semantics as pure functions: one table of filters and events, plus the checks on bad filters."""

from __future__ import annotations

import json

import pytest

from eventlayer.live_filter import FilterError, compile_filter, parse_properties


def event(**fields) -> dict:
    row = {
        "project": "default",
        "event_id": "00000000-0000-4000-8000-000000000000",
        "event_type": "click",
        "event_name": "Signup Button",
        "session_id": "s-1",
        "distinct_id": "user-1",
        "url": "https://shop.example/pricing?plan=pro",
        "status": "accepted",
        "properties": json.dumps({"plan": "pro", "seats": 5, "ratio": 0.5, "beta": True, "note": None, "tags": ["a"]}),
    }
    row.update(fields)
    return row


REJECTED = {"event_id": None, "status": "rejected", "reason": "event_type is missing", "project": "default"}

# (filter, event, expected match)
CASES = [
    ({}, event(), True),
    (None, event(), True),
    ({}, REJECTED, True),
    ({"event_type": "click"}, event(), True),
    ({"event_type": "cli"}, event(), False),
    ({"event_type": "cli*"}, event(), True),
    ({"event_type": "*"}, event(), True),
    ({"event_type": "*"}, REJECTED, False),
    ({"event_name": "Signup Button"}, event(), True),
    ({"event_name": "signup button"}, event(), False),
    ({"event_name": "Signup*"}, event(), True),
    ({"event_name": "signup*"}, event(), False),
    ({"event_name": "Signup Button*"}, event(), True),
    ({"event_name": "Signup Button2*"}, event(), False),
    ({"event_name": "Sign*up"}, event(), False),
    ({"event_name": "Sign*up"}, event(event_name="Sign*up"), True),
    ({"session_id": "s-1"}, event(), True),
    ({"session_id": "s-2"}, event(), False),
    ({"distinct_id": "user-*"}, event(), True),
    ({"distinct_id": "user-2"}, event(), False),
    ({"url": "https://shop.example/pricing"}, event(), False),
    ({"url": "https://shop.example/pricing*"}, event(), True),
    ({"url": ""}, event(url=""), True),
    ({"url": ""}, event(), False),
    ({"status": "accepted"}, event(), True),
    ({"status": "duplicate"}, event(), False),
    ({"status": "duplicate"}, event(status="duplicate"), True),
    ({"status": "rejected"}, REJECTED, True),
    ({"status": "rej*"}, REJECTED, True),
    ({"event_name": "Signup*"}, REJECTED, False),
    ({"event_type": "click", "event_name": "Signup*", "distinct_id": "user-1"}, event(), True),
    ({"event_type": "click", "event_name": "Signup*", "distinct_id": "user-2"}, event(), False),
    ({"properties": {"plan": "pro"}}, event(), True),
    ({"properties": {"plan": "free"}}, event(), False),
    ({"properties": {"plan": "p*"}}, event(), True),
    ({"properties": {"plan": "PRO"}}, event(), False),
    ({"properties": {"seats": 5}}, event(), True),
    ({"properties": {"seats": "5"}}, event(), True),
    ({"properties": {"seats": 6}}, event(), False),
    ({"properties": {"ratio": 0.5}}, event(), True),
    ({"properties": {"ratio": "0.*"}}, event(), False),
    ({"properties": {"ratio": "5e-1"}}, event(), True),
    ({"properties": {"seats": "5.0"}}, event(), True),
    ({"properties": {"seats": "05"}}, event(), False),
    ({"properties": {"seats": "5*"}}, event(), False),
    ({"properties": {"plan": "5"}}, event(properties='{"plan":"5"}'), True),
    ({"properties": {"plan": "5.0"}}, event(properties='{"plan":"5"}'), False),
    ({"properties": {"big": "1e400"}}, event(properties='{"big":1e400}'), False),
    ({"properties": {"big": "1"}}, event(properties='{"big":' + "9" * 400 + "}"), False),
    ({"properties": {"beta": True}}, event(), True),
    ({"properties": {"beta": "true"}}, event(), True),
    ({"properties": {"beta": False}}, event(), False),
    ({"properties": {"beta": "t*"}}, event(), False),
    ({"properties": {"note": None}}, event(), True),
    ({"properties": {"tags": "*"}}, event(), False),
    ({"properties": {"missing": "*"}}, event(), False),
    ({"properties": {"plan": "pro", "seats": 5}}, event(), True),
    ({"properties": {"plan": "pro", "seats": 4}}, event(), False),
    ({"properties": {"plan": "pro"}}, event(properties="not json"), False),
    ({"properties": {"plan": "pro"}}, event(properties="[1, 2]"), False),
    ({"properties": {"plan": "pro"}}, REJECTED, False),
    ({"properties": {}}, event(), True),
]


@pytest.mark.parametrize(("raw_filter", "row", "expected"), CASES)
def test_filter_table(raw_filter, row, expected):
    assert compile_filter(raw_filter).matches(row) is expected


def test_preparsed_properties_give_same_result():
    for raw_filter, row, expected in CASES:
        assert compile_filter(raw_filter).matches(row, parse_properties(row)) is expected, raw_filter


@pytest.mark.parametrize(
    ("raw_filter", "message_part"),
    [
        ("click", "filter must be a map"),
        ({"name": "x"}, "'name' is not known"),
        ({"event_name": ["a"]}, "event_name must be a string"),
        ({"event_name": "x" * 5000}, "the limit is 4,096"),
        ({"status": "stored"}, "matches no status"),
        ({"properties": ["plan"]}, "properties must be a map"),
        ({"properties": {"": "x"}}, "non-empty strings"),
        ({"properties": {"plan": {"nested": 1}}}, "properties.plan must be a string"),
        ({"properties": {f"k{i}": "v" for i in range(21)}}, "the limit is 20"),
        ({"properties": {"ratio": float("nan")}}, "finite number"),
    ],
)
def test_invalid_filter_raises(raw_filter, message_part):
    with pytest.raises(FilterError) as raised:
        compile_filter(raw_filter)
    assert message_part in str(raised.value)


def test_to_dict_round_trips():
    raw = {"event_name": "signup*", "status": "accepted", "properties": {"plan": "pro", "seats": 5}}
    compiled = compile_filter(raw)
    assert compiled.to_dict() == {"event_name": "signup*", "status": "accepted", "properties": {"plan": "pro", "seats": "5"}}
    assert compile_filter(compiled.to_dict()) == compiled

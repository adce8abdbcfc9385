"""Query safety: injection payloads in every query parameter change nothing and return no other project's
rows, and the operator's SQL endpoint runs read-only with a time limit that the SQL text cannot lift.

``GET /api/events`` and live backfill bind every value as a query parameter and take column names from an
allow-list (events_query.py); ``POST /api/sql`` runs on a session with readonly=1 (storage.query_untrusted).
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.configured import DEFAULT_READ, DEFAULT_WRITE, SHOP_READ, SHOP_WRITE, start_configured
from tests.support.wsclient import Client, make_event

BASE_PAYLOADS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "'; DROP TABLE eventlayer.event_manager; --",
    "x' UNION ALL SELECT * FROM eventlayer.event_manager --",
    "' OR project = 'default",
    "') OR ('a'='a",
    "\\' OR 1=1 --",
    '" OR ""="',
    "1) OR (1=1",
    "{project:String}",
    "{f0:String}",
    "{pk0:String}') OR 1=1 --",
    "' SETTINGS readonly=0 --",
    "' FORMAT JSON --",
    "'; INSERT INTO eventlayer.event_manager (event_name) VALUES ('injected'); --",
    "' || (SELECT event_name FROM eventlayer.event_manager LIMIT 1) || '",
    "default",
    "%' OR 1=1 --",
    "` OR 1=1 --",
    "\x00' OR 1=1 --",
    "ʼ OR 1=1 --",
    "' OR sleep(3) --",
    "'/**/OR/**/1=1/**/--",
    "\n' OR 1=1 #",
    "$$ OR 1=1 $$",
]
# 25 payloads in 4 forms: as written, as a prefix pattern, doubled up, and wrapped in a property-like value.
PAYLOADS = [form for payload in BASE_PAYLOADS for form in (payload, payload + "*", payload + payload, '{"plan": "' + payload + '"}')]
FILTER_PARAMETERS = ["event_type", "event_name", "session_id", "distinct_id", "url", "status", "prop.plan"]
OTHER_PARAMETERS = ["since", "until", "limit", "cursor"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = start_configured(tmp_path_factory.mktemp("query-safety") / "data")
    secret = [make_event("secret default", session_id="s", distinct_id="u", url="https://a.example/", properties={"plan": "pro"}) for _ in range(5)]
    visible = [make_event("shop visible", session_id="s", distinct_id="u", url="https://a.example/", properties={"plan": "pro"}) for _ in range(5)]
    for key, events in ((DEFAULT_WRITE, secret), (SHOP_WRITE, visible)):
        assert httpx.post(f"{process.url}/api/batch", json={"key": key, "events": events}).status_code == 200
    yield process
    process.stop()


def snapshot(server) -> tuple:
    """Return what an injection could change: the tables, the row count, and the distinct event names."""
    tables = server.query("SELECT database, name FROM system.tables WHERE database = 'eventlayer' ORDER BY name")
    count = server.query("SELECT count() AS n FROM eventlayer.event_manager")[0]["n"]
    names = server.query("SELECT groupUniqArray(event_name) AS names FROM eventlayer.event_manager")[0]["names"]
    return tuple((row["database"], row["name"]) for row in tables), count, tuple(sorted(names))


def test_payloads_assumed_count():
    assert len(set(PAYLOADS)) == 100


def test_injection_in_every_parameter(server):
    before = snapshot(server)
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=server.url, headers={"X-EventLayer-Key": SHOP_READ}, timeout=30) as http:
        for name in [*FILTER_PARAMETERS, *OTHER_PARAMETERS, "prop.<payload>"]:
            for payload in PAYLOADS:
                params = {f"prop.{payload}": "pro"} if name == "prop.<payload>" else {name: payload}
                response = http.get("/api/events", params=params)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

                assert response.status_code in (200, 400), (name, payload, response.text)
                if response.status_code == 200:
                    events = response.json()["events"]
                    assert all(event["project"] == "shop" for event in events), (name, payload)
                    assert all(event["event_name"] == "shop visible" for event in events), (name, payload)

    assert snapshot(server) == before
    # Both paths were exercised: payloads taken as plain filter values, and payloads rejected as invalid.
    assert statuses.get(200, 0) > 0, statuses
    assert statuses.get(400, 0) > 0, statuses


def test_injection_in_backfill_filters(server):
    before = snapshot(server)
    client = Client(server.ws_url, SHOP_READ)
    for payload in PAYLOADS:
        client.send({"t": "subscribe", "id": "probe", "filter": {"event_name": payload, "properties": {"plan": payload}}, "backfill": 100})
        client.send({"t": "subscribe", "id": "probe", "filter": {"url": payload, "properties": {payload[:200] or "k": "pro"}}, "backfill": 100})

    received: list[dict] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            frame = client.receive(timeout=0.5)
        except TimeoutError:
            continue
        if frame["t"] == "live":
            received.extend(frame["events"])
    client.close()

    assert all(event["project"] == "shop" for event in received)
    assert snapshot(server) == before


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO eventlayer.event_manager (event_name) VALUES ('x')",
        "INSERT INTO FUNCTION file('eventlayer-injected.csv', 'CSV') SELECT 1",
        "ALTER TABLE eventlayer.event_manager DELETE WHERE 1",
        "DROP TABLE eventlayer.event_manager",
        "TRUNCATE TABLE eventlayer.event_manager",
        "CREATE TABLE eventlayer.injected (x UInt8) ENGINE = Memory",
        "CREATE TEMPORARY TABLE injected (x UInt8)",
        "RENAME TABLE eventlayer.event_manager TO eventlayer.gone",
        "OPTIMIZE TABLE eventlayer.event_manager FINAL",
        "SET readonly = 0",
        "SELECT 1 SETTINGS readonly = 0",
        "SELECT 1 SETTINGS max_execution_time = 0",
        "SELECT 1; DROP TABLE eventlayer.event_manager",
        "SELECT * FROM file('/etc/hostname', 'LineAsString')",
        "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
        "SELECT * FROM executable('id', 'TSV', 'x String')",
    ],
)
def test_sql_endpoint_refuses_writes(server, sql):
    before = snapshot(server)

    response = httpx.post(server.url + "/api/sql", content=sql.encode(), headers={"X-EventLayer-Key": DEFAULT_READ}, timeout=30)

    assert response.status_code == 400, response.text
    assert snapshot(server) == before
    # The storage process survived and the session is clean: a plain query returns exactly its own row.
    assert server.query("SELECT 42 AS answer") == [{"answer": 42}]


def test_sql_endpoint_settings_in_force(server):
    rows = server.query("SELECT getSetting('readonly') AS readonly, getSetting('max_execution_time') AS limit")
    assert rows == [{"readonly": 1, "limit": 10.0}]


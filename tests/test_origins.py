"""Origins: per-project write-key Origins on the WebSocket and HTTP ingest, and CORS on ingest endpoints only.

The server here has three projects, each accepting write keys from one Origin only, so an Origin that none
lists is refused at the WebSocket handshake.
"""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from eventlayer.origins import is_same_origin
from tests.support.configured import (
    BLOG_READ,
    BLOG_WRITE,
    DEFAULT_READ,
    DEFAULT_WRITE,
    FOREIGN_ORIGIN,
    SHOP_ORIGIN,
    SHOP_READ,
    SHOP_WRITE,
    start_configured,
)
from tests.support.wsclient import Client, make_event, now_ms

DEFAULT_ORIGIN = "https://www.example.com"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = start_configured(tmp_path_factory.mktemp("origins") / "data", default_origins=[DEFAULT_ORIGIN])
    yield process
    process.stop()


@pytest.mark.parametrize(
    ("origin", "host", "expected"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("https://events.example.com", "events.example.com", True),  # TLS ends at a proxy: scheme differs
        ("http://events.example.com", "events.example.com:80", True),
        ("https://events.example.com", "events.example.com:8443", False),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
        ("https://events.example.com.attacker.net", "events.example.com", False),
        ("null", "127.0.0.1:8000", False),
        ("http://127.0.0.1:8000", None, False),
        ("http://[::1]:8000", "[::1]:8000", True),
        ("http://127.0.0.1:99999", "127.0.0.1:8000", False),
    ],
)
def test_is_same_origin(origin, host, expected):
    assert is_same_origin(origin, host) is expected


def ws_with_origin(server, origin: str | None, key: str) -> Client:
    return Client(server.ws_url, key, origin=origin)


def metric(server, name: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_handshake_from_foreign_origin_gets_403(server):
    refused_before = metric(server, 'eventlayer_handshakes_refused_total{reason="origin"}')

    with pytest.raises(InvalidStatus) as refused:
        ws_with_origin(server, FOREIGN_ORIGIN, SHOP_WRITE)

    assert refused.value.response.status_code == 403
    assert metric(server, 'eventlayer_handshakes_refused_total{reason="origin"}') == refused_before + 1


def test_handshake_with_null_origin_gets_403(server):
    with pytest.raises(InvalidStatus) as refused:
        ws_with_origin(server, "null", SHOP_READ)
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    ("origin", "key"),
    [(SHOP_ORIGIN, BLOG_WRITE), (SHOP_ORIGIN, DEFAULT_WRITE), (DEFAULT_ORIGIN, SHOP_WRITE)],
)
def test_write_key_from_other_project_origin_closes_1008(server, origin, key):
    client = Client(server.ws_url, key, hello=False, origin=origin)
    client.send({"t": "hello", "v": 1, "key": key, "sdk": "tests/1", "sent_at": now_ms()})
    assert client.close_code() == 1008


@pytest.mark.parametrize(
    ("origin", "key"),
    [
        (SHOP_ORIGIN, SHOP_WRITE),
        (DEFAULT_ORIGIN, DEFAULT_WRITE),
        (SHOP_ORIGIN, BLOG_READ),  # read keys are secret and not bound to Origins
        (None, BLOG_WRITE),  # no Origin: a program, not a page
    ],
)
def test_accepted_origin_ingests(server, origin, key):
    client = ws_with_origin(server, origin, key)
    assert client.welcome["t"] == "welcome"
    assert client.receive_ack(client.send_events([make_event("origin ok")]))["accepted"] == 1
    client.close()


def test_same_origin_page_uses_restricted_write_key(server):
    # The demo and overlay pages are served by the server itself, with the default project's write key.
    client = ws_with_origin(server, server.url, DEFAULT_WRITE)
    assert client.receive_ack(client.send_events([make_event("same origin")]))["accepted"] == 1
    response = httpx.post(f"{server.url}/api/batch", json={"key": DEFAULT_WRITE, "events": [make_event("same origin")]}, headers={"Origin": server.url})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/batch", "/api/events/log"])
@pytest.mark.parametrize(
    ("origin", "key", "status", "cors"),
    [
        (SHOP_ORIGIN, SHOP_WRITE, 200, True),
        (SHOP_ORIGIN, BLOG_WRITE, 403, True),  # the Origin is some project's, so the page may read the refusal
        (FOREIGN_ORIGIN, SHOP_WRITE, 403, False),
        (FOREIGN_ORIGIN, SHOP_READ, 200, False),
    ],
)
def test_http_ingest_origin(server, path, origin, key, status, cors):
    event = make_event("http origin")
    body = {"key": key, "events": [event]} if path == "/api/batch" else event
    response = httpx.post(f"{server.url}{path}?key={key}", json=body, headers={"Origin": origin})

    assert response.status_code == status, response.text
    if cors:
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in response.headers["Vary"]
    else:
        assert "Access-Control-Allow-Origin" not in response.headers


def test_beacon_text_plain_gets_allow_origin(server):
    body = '{"key": "%s", "events": [{"event_type": "click", "event_name": "beacon"}]}' % SHOP_WRITE
    response = httpx.post(f"{server.url}/api/batch", content=body, headers={"Origin": SHOP_ORIGIN, "Content-Type": "text/plain;charset=UTF-8"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN


@pytest.mark.parametrize("path", ["/api/batch", "/api/events/log"])
def test_preflight_for_accepted_origin(server, path):
    response = httpx.options(
        server.url + path,
        headers={"Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-eventlayer-key"},
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    allowed_headers = {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-eventlayer-key"} <= allowed_headers
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize(("origin", "method"), [(FOREIGN_ORIGIN, "POST"), (SHOP_ORIGIN, "DELETE")])
def test_preflight_refused(server, origin, method):
    response = httpx.options(server.url + "/api/batch", headers={"Origin": origin, "Access-Control-Request-Method": method})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("origin", [FOREIGN_ORIGIN, SHOP_ORIGIN])
@pytest.mark.parametrize(
    ("method", "path", "key"),
    [
        ("GET", "/api/events", SHOP_READ),
        ("POST", "/api/sql", DEFAULT_READ),
        ("GET", "/metrics", None),
        ("GET", "/healthz", None),
        ("OPTIONS", "/api/events", SHOP_READ),
        ("OPTIONS", "/api/sql", DEFAULT_READ),
    ],
)
def test_read_endpoints_send_no_cors_headers(server, origin, method, path, key):
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    if key:
        headers["X-EventLayer-Key"] = key
    content = b"SELECT 1 AS one" if path == "/api/sql" else None
    response = httpx.request(method, server.url + path, headers=headers, content=content)

    assert not any(name.lower().startswith("access-control-") for name in response.headers), dict(response.headers)
    if method != "OPTIONS":
        assert response.status_code == 200

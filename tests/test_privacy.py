"""IP anonymisation: with it on, no full client IP reaches ClickHouse or the server log.

Events arrive through a trusted proxy (127.0.0.1) whose X-Forwarded-For carries distinctive addresses from the
documentation ranges; afterwards every stored column, as text, and the whole server log are searched for them.
A server with anonymisation off is the control: there the same search finds the addresses.
"""

from __future__ import annotations

import httpx
import msgpack

from tests.support.wsclient import Client, make_event

IPV4 = "203.0.113.77"
IPV4_ANONYMISED = "203.0.113.0"
IPV6 = "2001:db8:feed:beef::77"
IPV6_ANONYMISED = "2001:db8:feed::"
IPV6_HOST_PART = "beef"


def send_everywhere(server) -> None:
    """Send events from both addresses over every ingest path, and make the server log about them."""
    for address in (IPV4, IPV6):
        headers = {"X-Forwarded-For": f"{address}, 127.0.0.1"}
        client = Client(server.ws_url, server.write_key, additional_headers=headers)
        ack = client.receive_ack(client.send_events([make_event("privacy ws", user_ip=address)]))
        assert ack["accepted"] == 1
        client.send_raw(b"\xc1")  # an invalid frame: the server logs the close with the client's address
        assert client.close_code() == 1007

        for path, body in (("/api/batch", [make_event("privacy batch")]), ("/api/events/log", make_event("privacy log", user_ip=address))):
            response = httpx.post(f"{server.url}{path}", json=body, headers={**headers, "X-EventLayer-Key": server.write_key})
            assert response.status_code == 200, response.text

        # A 401 and a refused frame before hello leave log lines too.
        assert httpx.post(f"{server.url}/api/batch", json=[make_event()], headers=headers).status_code == 401
        silent = Client(server.ws_url, server.write_key, hello=False, additional_headers=headers)
        silent.send_raw(msgpack.packb({"t": "hello", "v": 1, "key": "wrong"}))
        assert silent.close_code() == 1008


def stored_text(server) -> str:
    """Return every stored privacy event, all columns, as one JSON text."""
    response = httpx.post(
        server.url + "/api/sql",
        content=b"SELECT * FROM eventlayer.event_manager WHERE event_name LIKE 'privacy %'",
        headers={"X-EventLayer-Key": server.read_key},
    )
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 6
    return response.text


def test_no_full_ip_in_storage_or_log(server_factory):
    server = server_factory(EVENTLAYER_TRUSTED_PROXIES="127.0.0.1")

    send_everywhere(server)

    stored = stored_text(server)
    assert IPV4 not in stored
    assert IPV6_HOST_PART not in stored
    assert IPV4_ANONYMISED in stored  # the forwarded address was used, anonymised
    assert IPV6_ANONYMISED in stored
    log = server.log()
    assert IPV4 not in log
    assert IPV6_HOST_PART not in log
    # uvicorn's handshake lines name the proxy, anonymised, without its port.
    assert '127.0.0.0 - "WebSocket /ws" [accepted]' in log
    # The startup lines name the server's own listening address; the startup banner ends with the keys file.
    after_startup = log.split("  keys file", 1)[-1].split("\n", 1)[-1]
    assert "127.0.0.1:" not in after_startup


def test_full_ip_found_when_anonymisation_off(server_factory):
    server = server_factory(EVENTLAYER_TRUSTED_PROXIES="127.0.0.1", EVENTLAYER_ANONYMIZE_IP="0")

    send_everywhere(server)

    stored = stored_text(server)
    assert IPV4 in stored
    assert IPV6 in stored

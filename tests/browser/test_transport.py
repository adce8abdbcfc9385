"""The SDK's connection handling through a misbehaving proxy: dead sockets, idle cuts, refused upgrades."""

from __future__ import annotations

import time

import pytest

from tests.browser.helpers import stored, wait_for
from tests.browser.proxy import Proxy
from tests.browser.site import sdk_page


@pytest.fixture
def proxies():
    started: list[Proxy] = []

    def make(server, **options) -> Proxy:
        proxy = Proxy(server.port, **options)
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.close()


def is_ready(page) -> bool:
    return page.evaluate("() => eventlayer.status().connection === 'ready'")


def test_dead_socket_noticed_and_events_resent(server, site, open_page, proxies, page_errors):
    proxy = proxies(server)
    site.pages["/"] = sdk_page(server, server_url=proxy.url, options="heartbeatIntervalMs: 1000, ackTimeoutMs: 1500")
    page = open_page(site.url + "/")
    page.wait_for_function("() => eventlayer.status().connection === 'ready'")
    assert len(proxy.websocket_connections()) == 1

    # Idle: only the heartbeat can reveal that the path is dead.
    proxy.freeze()
    started = time.monotonic()
    assert wait_for(lambda: len(proxy.websocket_connections()) == 2, timeout=10, interval=0.1)
    assert time.monotonic() - started < 6
    page.wait_for_function("() => eventlayer.status().connection === 'ready'")

    # Busy: the event goes into a dead socket, its ack never comes, and it is sent again on a new one.
    proxy.freeze()
    page.evaluate("() => eventlayer.track('into the void')")
    assert wait_for(lambda: server.count("event_name = 'into the void'")[0] == 1, timeout=15)
    assert len(proxy.websocket_connections()) == 3
    page.wait_for_function("() => eventlayer.status().queued === 0")
    assert server.count("event_name = 'into the void'") == (1, 1)
    assert page_errors == []


def test_heartbeat_keeps_idle_connection_open(server, site, open_page, proxies, page_errors):
    # Both proxies cut connections idle for 2.5 s; only the first page sends heartbeats often enough.
    with_heartbeat = proxies(server, idle_timeout=2.5)
    without_heartbeat = proxies(server, idle_timeout=2.5)
    site.pages["/fast"] = sdk_page(server, server_url=with_heartbeat.url, options="heartbeatIntervalMs: 1000")
    site.pages["/slow"] = sdk_page(server, server_url=without_heartbeat.url, options="heartbeatIntervalMs: 60000")
    fast = open_page(site.url + "/fast")
    slow = open_page(site.url + "/slow")
    fast.wait_for_function("() => eventlayer.status().connection === 'ready'")
    slow.wait_for_function("() => eventlayer.status().connection === 'ready'")

    time.sleep(7)
    assert len(with_heartbeat.websocket_connections()) == 1
    assert len(without_heartbeat.websocket_connections()) >= 2
    assert is_ready(fast)
    assert page_errors == []


def test_http_fallback_when_websocket_refused(server, open_page, proxies, page_errors):
    # The demo page, reached through the proxy, talks to its own origin: the proxy.
    proxy = proxies(server, reject_websocket=True)
    page = open_page(proxy.url + "/")
    page.wait_for_selector("#add-to-cart")
    page.evaluate("() => { window.acks = []; eventlayer.on('ack', (ack) => window.acks.push(ack)); }")
    page.wait_for_function("() => eventlayer.status().transport === 'http'", timeout=20000)

    page.click("#add-to-cart")
    assert wait_for(lambda: server.count("event_type = 'track' AND event_name = 'Add to cart'")[0] == 1)
    assert proxy.rejected_upgrades >= 3
    page.wait_for_function("() => window.acks.some((ack) => ack.transport === 'http' && ack.accepted > 0)")
    assert [row["event_name"] for row in stored(server, "event_type = 'pageview'")] == ["/"]

    # Once upgrades work again, the SDK goes back to the WebSocket.
    proxy.reject_websocket = False
    page.wait_for_function("() => eventlayer.status().connection === 'ready'", timeout=40000)
    assert page.evaluate("() => eventlayer.status().transport") == "websocket"
    page.click("#track-custom")
    assert wait_for(lambda: server.count("event_type = 'custom'")[0] == 1)
    assert page_errors == []

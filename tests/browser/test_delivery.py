"""Delivery in a real browser: resends across a server restart, beacons when the tab goes, the localStorage mirror."""

from __future__ import annotations

import json

from tests.browser.helpers import stored, wait_for
from tests.browser.site import sdk_page

# Records every sendBeacon call (body size and return value) in localStorage, which outlives the page.
RECORD_BEACONS = """
(() => {
  const original = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, body) => {
    const result = original(url, body);
    const log = JSON.parse(localStorage.getItem("test:beacons") || "[]");
    log.push({ url: String(url), bytes: new TextEncoder().encode(String(body)).length, result });
    localStorage.setItem("test:beacons", JSON.stringify(log));
    return result;
  };
})();
"""


def wait_until_connected(page) -> None:
    page.wait_for_function("() => eventlayer.status() && eventlayer.status().connection === 'ready'", timeout=15000)


def test_restart_stores_each_event_once(server, site, open_page, page_errors):
    site.pages["/"] = sdk_page(server)
    page = open_page(site.url + "/")
    wait_until_connected(page)

    page.evaluate("() => { for (let i = 0; i < 20; i++) eventlayer.track(`restart ${i}`, {i}); }")
    # Stop while those 20 are queued or in flight, then track 30 more while the server is down.
    server.stop()
    for start in range(20, 50, 10):
        page.evaluate("(start) => { for (let i = start; i < start + 10; i++) eventlayer.track(`restart ${i}`, {i}); }", start)
        page.wait_for_timeout(300)
    assert page.evaluate("() => eventlayer.status().connection") != "ready"
    server.start()

    assert wait_for(lambda: server.count("event_name LIKE 'restart %'")[0] >= 50, timeout=60), server.count("event_name LIKE 'restart %'")
    page.wait_for_function("() => eventlayer.status().queued === 0", timeout=30000)
    # Anything still on its way (a late resend) would show up now.
    page.wait_for_timeout(2000)
    assert server.count("event_name LIKE 'restart %'") == (50, 50)
    names = {row["event_name"] for row in stored(server, "event_name LIKE 'restart %'")}
    assert names == {f"restart {i}" for i in range(50)}
    assert page_errors == []


def test_tab_closed_after_track_uses_beacon(server, site, context, page_errors):
    site.pages["/"] = sdk_page(server)
    site.pages["/opener"] = "<!doctype html><title>opener</title>"
    opener = context.new_page()
    opener.goto(site.url + "/opener")
    with context.expect_page() as popup_info:
        opener.evaluate("(url) => { window.open(url); }", site.url + "/")
    popup = popup_info.value
    popup.on("pageerror", lambda error: page_errors.append(str(error)))
    popup.wait_for_load_state()
    wait_until_connected(popup)

    # window.close() in the same task as track(): the page is gone before the SDK's 100 ms send timer fires.
    with popup.expect_event("close"):
        popup.evaluate("() => { eventlayer.track('closing tab', {ok: true}); window.close(); }")

    rows = wait_for(lambda: stored(server, "event_name = 'closing tab'"))
    assert rows is not None, "the event tracked before closing was not stored"
    assert len(rows) == 1
    assert rows[0]["source"] == "beacon"
    assert rows[0]["properties"] == {"ok": True}
    assert page_errors == []


def test_pagehide_flushes_200_events_in_small_beacons(server, site, context, page_errors):
    # A long send interval keeps the 200 events queued until the page goes.
    site.pages["/"] = sdk_page(server, options="flushIntervalMs: 60000")
    context.add_init_script(RECORD_BEACONS)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(site.url + "/")
    wait_until_connected(page)

    page.evaluate("() => { for (let i = 0; i < 200; i++) eventlayer.track(`bulk ${i}`, {i, payload: 'x'.repeat(400)}); }")
    assert page.evaluate("() => eventlayer.status().queued") >= 200
    page.close()

    assert wait_for(lambda: server.count("event_name LIKE 'bulk %'")[0] >= 200, timeout=30), server.count("event_name LIKE 'bulk %'")
    assert server.count("event_name LIKE 'bulk %'") == (200, 200)

    reader = context.new_page()
    reader.goto(site.url + "/blank")
    beacons = json.loads(reader.evaluate("() => localStorage.getItem('test:beacons')") or "[]")
    accepted = [beacon for beacon in beacons if beacon["result"]]
    assert accepted, f"no beacon was accepted: {beacons}"
    assert max(beacon["bytes"] for beacon in beacons) <= 60000
    assert all(beacon["url"] == server.url + "/api/batch" for beacon in beacons)
    by_beacon = server.count("event_name LIKE 'bulk %' AND source = 'beacon'")[0]
    assert by_beacon > 0
    assert page_errors == []


def test_next_page_sends_events_left_in_storage(server, site, context, page_errors):
    site.pages["/"] = sdk_page(server)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(site.url + "/")
    wait_until_connected(page)
    server.stop()
    page.evaluate("() => { for (let i = 0; i < 5; i++) eventlayer.track(`left ${i}`); }")
    # With the server down, the beacons on pagehide are lost; the localStorage mirror keeps the events.
    page.close()

    server.start()
    next_page = context.new_page()
    next_page.on("pageerror", lambda error: page_errors.append(str(error)))
    next_page.goto(site.url + "/next")

    assert wait_for(lambda: server.count("event_name LIKE 'left %'")[0] >= 5, timeout=30)
    next_page.wait_for_function("() => eventlayer.status().queued === 0", timeout=30000)
    assert server.count("event_name LIKE 'left %'") == (5, 5)
    assert {row["url"] for row in stored(server, "event_name LIKE 'left %'")} == {site.url + "/"}
    assert page_errors == []

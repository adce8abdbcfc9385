"""The overlay panel in Chromium against a real server: logging by hand, Live, Status, the read key, the panel."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from tests.browser.helpers import wait_for
from tests.browser.overlay_page import PANEL, enter_read_key, live_row, log_event, overlay_page, wait_for_log_status, wait_until_ready

pytestmark = pytest.mark.browser


def stored_row(server, event_id: str) -> dict | None:
    rows = server.query(f"SELECT manual, event_type, event_name, event_value, properties, session_id FROM eventlayer.event_manager WHERE event_id = '{event_id}'")
    return rows[0] if rows else None


def test_manual_event_live_and_stored(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    enter_read_key(page, server.read_key)
    page.locator(f"{PANEL} .switch").wait_for()

    event_id = log_event(page, "click", "Hand-made", "42", '{"plan": "pro"}')

    assert wait_for_log_status(page, event_id) == "accepted"
    live_tab = page.locator(f"{PANEL} [data-tab=live]")
    live_tab.filter(has_text="Live (1)").wait_for(timeout=5000)
    live_tab.click()
    assert live_tab.inner_text() == "Live"
    row = live_row(page, event_id)
    row.wait_for(timeout=5000)
    assert row.get_attribute("data-status") == "accepted"
    assert row.locator(".badge.manual").inner_text() == "manual"
    assert row.locator(".badge.accepted").inner_text() == "accepted"
    stored = wait_for(lambda: stored_row(server, event_id), timeout=10)
    assert stored is not None, "the event logged by hand was not stored"
    assert stored["manual"] is True
    assert (stored["event_type"], stored["event_name"], stored["event_value"]) == ("click", "Hand-made", "42")
    assert json.loads(stored["properties"]) == {"plan": "pro"}
    assert page_errors == []


def test_rejected_event_shows_reason(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    enter_read_key(page, server.read_key)
    page.click(f"{PANEL} button:has-text('All sessions')")

    # JSON may carry a NUL, which the server rejects anywhere in an event.
    event_id = log_event(page, "click", "With NUL", "", '{"note": "a\\u0000b"}')

    assert wait_for_log_status(page, event_id) == "rejected"
    reason = page.locator(f"{PANEL} .results li[data-event-id='{event_id}'] .reason").inner_text()
    assert "properties.note contains U+0000" in reason
    assert stored_row(server, event_id) is None
    page.click(f"{PANEL} [data-tab=live]")
    row = live_row(page, event_id)
    row.wait_for(timeout=5000)
    assert row.get_attribute("data-status") == "rejected"
    assert "properties.note contains U+0000" in row.locator(".event-value").inner_text()
    assert page_errors == []


def test_empty_fields_show_inline_errors(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.click(f"{PANEL} button:has-text('Log Event')")
    page.fill(f"{PANEL} textarea[name=properties]", "[1, 2]")
    page.click(f"{PANEL} button:has-text('Log Event')")

    assert page.locator(f"{PANEL} #error-event_type").inner_text() == "Event type is required"
    assert page.locator(f"{PANEL} #error-event_name").inner_text() == "Event name is required"
    assert page.locator(f"{PANEL} #error-properties").inner_text().startswith("Properties must be a JSON object")
    assert page.locator(f"{PANEL} input[name=event_type]").get_attribute("aria-invalid") == "true"
    assert page.locator(f"{PANEL} .results li").count() == 0
    assert page.evaluate("() => EventLayerOverlay.status().sent") == 0
    assert dialogs == []
    assert page_errors == []


def test_sdk_click_in_live_within_one_second(server, site, open_page, page_errors):
    body = '<button id="buy">Buy now</button><button id="other">Other</button>'
    site.pages["/"] = overlay_page(server, body=body, sdk=True)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    page.wait_for_function("() => eventlayer.status() && eventlayer.status().connection === 'ready'", timeout=15000)
    enter_read_key(page, server.read_key)
    # The default scope is this page's SDK session, whose page view arrives by backfill.
    page.locator(f"{PANEL} .events li[data-status=accepted]").first.wait_for(timeout=10000)
    assert "Session " in page.locator(f"{PANEL} .live-note").inner_text()

    # Record, inside the page, when the click happens and when its row appears in the panel.
    page.evaluate(
        """() => {
        const list = document.querySelector('eventlayer-overlay').shadowRoot.querySelector('.events');
        new MutationObserver(() => {
          if (window.__rowAt) return;
          const row = Array.from(list.children).find((li) => li.textContent.includes('Buy now'));
          if (row) window.__rowAt = performance.now();
        }).observe(list, { childList: true });
        document.getElementById('buy').addEventListener('click', () => { window.__clickAt = performance.now(); }, true);
    }"""
    )
    page.click("#buy")
    page.wait_for_function("() => window.__rowAt", timeout=5000)
    elapsed = page.evaluate("() => window.__rowAt - window.__clickAt")
    assert 0 < elapsed < 1000, f"the click took {elapsed:.0f} ms to appear in Live"
    row = page.locator(f"{PANEL} .events li", has_text="Buy now").first
    assert row.get_attribute("data-status") == "accepted"
    assert row.locator(".badge.manual").count() == 0
    assert page_errors == []


def test_live_filter_pause_and_clear(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server, body='<button id="a">Alpha</button><button id="b">Beta</button>', sdk=True)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    enter_read_key(page, server.read_key)
    page.locator(f"{PANEL} .events li").first.wait_for(timeout=10000)
    events = page.locator(f"{PANEL} .events li")

    page.click("#a")
    page.locator(f"{PANEL} .events li", has_text="Alpha").wait_for(timeout=5000)
    page.click(f"{PANEL} button:has-text('Pause')")
    page.click("#b")
    page.locator(f"{PANEL} .live-note", has_text="Paused: 1 new event held").wait_for(timeout=5000)
    assert page.locator(f"{PANEL} .events li", has_text="Beta").count() == 0
    page.click(f"{PANEL} button:has-text('Resume')")
    page.locator(f"{PANEL} .events li", has_text="Beta").wait_for(timeout=2000)

    page.fill(f"{PANEL} input[type=search]", "alpha")
    assert page.locator(f"{PANEL} .events li:visible").count() == 1
    assert "1 shown by the filter" in page.locator(f"{PANEL} .counts").inner_text()
    assert page.locator(f"{PANEL} .events li:visible").inner_text().count("Alpha") >= 1
    page.fill(f"{PANEL} input[type=search]", "")
    assert page.locator(f"{PANEL} .events li:visible").count() == events.count()

    page.locator(f"{PANEL} .events li", has_text="Alpha").locator(".event-line").click()
    details = page.locator(f"{PANEL} .events li", has_text="Alpha").locator("dl.details")
    assert "received_at" in details.inner_text()
    assert "user_browser" in details.inner_text()

    page.click(f"{PANEL} button:has-text('Clear')")
    assert events.count() == 0
    assert page.locator(f"{PANEL} .counts").inner_text() == "0 events"
    assert page_errors == []


def test_all_sessions_switch(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server, sdk=True)
    site.pages["/other"] = overlay_page(server, sdk=True)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    enter_read_key(page, server.read_key)
    page.locator(f"{PANEL} .events li").first.wait_for(timeout=10000)

    # A second tab has a session of its own; its manual event shows only under "All sessions".
    other = open_page(site.url + "/other")
    wait_until_ready(other)
    other_id = log_event(other, "note", "From the other tab")
    assert wait_for_log_status(other, other_id) == "accepted"
    page.wait_for_timeout(500)
    assert live_row(page, other_id).count() == 0

    page.click(f"{PANEL} [data-tab=live]")
    page.click(f"{PANEL} button:has-text('All sessions')")
    live_row(page, other_id).wait_for(timeout=5000)
    assert page_errors == []


def test_read_key_kept_out_of_dom(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    assert "read key" in page.locator(f"{PANEL} [data-view=live]").inner_text()

    enter_read_key(page, server.read_key)
    page.locator(f"{PANEL} .switch").wait_for(timeout=10000)

    everything = page.evaluate(
        """() => {
        const parts = [document.documentElement.outerHTML];
        const visit = (root) => {
          for (const element of root.querySelectorAll('*')) {
            for (const attribute of element.attributes) parts.push(attribute.value);
            if ('value' in element) parts.push(String(element.value));
            if (element.shadowRoot) { parts.push(element.shadowRoot.innerHTML); visit(element.shadowRoot); }
          }
        };
        visit(document);
        return parts.join('\\n');
    }"""
    )
    assert server.read_key not in everything
    assert page.evaluate("(key) => Object.values(sessionStorage).includes(key)", server.read_key)

    # A reload takes the key from sessionStorage, so Live works at once.
    page.reload()
    wait_until_ready(page)
    page.click(f"{PANEL} [data-tab=live]")
    page.locator(f"{PANEL} .switch").wait_for(timeout=10000)
    page.click(f"{PANEL} [data-tab=status]")
    page.click(f"{PANEL} button:has-text('Forget read key')")
    page.click(f"{PANEL} [data-tab=live]")
    page.locator(f"{PANEL} input[name=read_key]").wait_for(timeout=10000)
    assert not page.evaluate("(key) => Object.values(sessionStorage).includes(key)", server.read_key)
    assert page_errors == []


def test_wrong_read_key_falls_back(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)

    enter_read_key(page, "rk_not_a_key")

    page.locator(f"{PANEL} [data-view=live] .note.warn", has_text="The server rejected the read key").wait_for(timeout=10000)
    wait_until_ready(page)
    event_id = log_event(page, "click", "After a wrong key")
    assert wait_for_log_status(page, event_id) == "accepted"
    assert page_errors == []


def test_status_view_numbers(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    event_id = log_event(page, "click", "Counted")
    wait_for_log_status(page, event_id)

    page.click(f"{PANEL} [data-tab=status]")
    field = lambda name: page.locator(f"{PANEL} [data-status-field={name}]").inner_text()  # noqa: E731
    assert field("state") == "connected"
    assert field("server") == server.url
    assert field("key").startswith("write key")
    page.locator(f"{PANEL} [data-status-field=rtt]", has_text=" ms").wait_for(timeout=10000)
    assert "ms" in field("skew")
    assert field("sent") == "1"
    assert field("acked") == "1 accepted · 0 duplicate · 0 rejected"

    # A server that goes away shows as reconnecting; the overlay is back once it returns.
    server.stop()
    page.locator(f"{PANEL} [data-status-field=state]", has_text="connecting").wait_for(timeout=10000)
    server.start()
    page.locator(f"{PANEL} [data-status-field=state]", has_text="connected").wait_for(timeout=30000)
    assert page_errors == []


def test_event_logged_offline_sent_on_reconnect(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    server.stop()
    page.wait_for_function("() => EventLayerOverlay.status().state !== 'ready'", timeout=10000)

    event_id = log_event(page, "click", "While offline")
    assert page.locator(f"{PANEL} .results li[data-event-id='{event_id}'] .badge").first.inner_text() == "waiting for the connection"
    server.start()

    assert wait_for_log_status(page, event_id, timeout=30000) == "accepted"
    assert wait_for(lambda: stored_row(server, event_id), timeout=10) is not None
    assert page_errors == []


def test_collapse_drag_and_remembered_place(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    host = page.locator(PANEL)
    viewport = page.viewport_size
    box = host.bounding_box()
    assert box["width"] == pytest.approx(300, abs=1)
    assert viewport["width"] - (box["x"] + box["width"]) == pytest.approx(16, abs=1)
    assert viewport["height"] - (box["y"] + box["height"]) == pytest.approx(16, abs=1)

    header = page.locator(f"{PANEL} .header")
    start = header.bounding_box()
    page.mouse.move(start["x"] + 60, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] - 200, start["y"] - 100, steps=8)
    page.mouse.up()
    moved = host.bounding_box()
    assert moved["x"] == pytest.approx(box["x"] - 260, abs=2)
    assert moved["y"] == pytest.approx(box["y"] - 110, abs=2)

    page.click(f"{PANEL} button[aria-label='Collapse the overlay']")
    launcher = page.locator(f"{PANEL} .launcher")
    assert launcher.is_visible()
    assert not page.locator(f"{PANEL} .panel").is_visible()

    page.reload()
    wait_until_ready(page)
    assert page.locator(f"{PANEL} .launcher").is_visible()
    page.click(f"{PANEL} .launcher")
    again = host.bounding_box()
    assert again["x"] == pytest.approx(moved["x"], abs=2)
    assert again["y"] == pytest.approx(moved["y"], abs=2)
    assert page_errors == []


def test_bookmarklet_injects_panel(server, site, open_page, page_errors):
    overlay_info = open_page(server.url + "/overlay")
    overlay_info.locator(PANEL).wait_for(state="attached")
    href = overlay_info.locator("#bookmarklet").get_attribute("href")
    assert href.startswith("javascript:")
    assert server.write_key in unquote(href)
    assert server.read_key not in overlay_info.content()
    site.pages["/"] = "<!doctype html><title>Any page</title><h1>Some site</h1>"
    page = open_page(site.url + "/")

    # Clicking a bookmark runs its javascript: URL in the page, which is what this evaluate does.
    page.evaluate(unquote(href[len("javascript:"):]))
    wait_until_ready(page)
    page.evaluate(unquote(href[len("javascript:"):]))

    assert page.locator(PANEL).count() == 1
    event_id = log_event(page, "click", "From the bookmarklet")
    assert wait_for_log_status(page, event_id) == "accepted"
    assert page_errors == []


def test_panel_clicks_not_autocaptured(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server, body='<button id="page-button">Page button</button>', sdk=True)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    page.wait_for_function("() => eventlayer.status() && eventlayer.status().connection === 'ready'", timeout=15000)

    page.click(f"{PANEL} [data-tab=status]")
    page.click(f"{PANEL} [data-tab=log]")
    page.click(f"{PANEL} button:has-text('Log Event')")
    page.click("#page-button")

    clicks = wait_for(lambda: server.query("SELECT event_name FROM eventlayer.event_manager WHERE event_type = 'click'"), timeout=10)
    assert clicks is not None, "the click on the page's own button was not stored"
    page.evaluate("() => eventlayer.flush()")
    clicks = server.query("SELECT event_name FROM eventlayer.event_manager WHERE event_type = 'click'")
    assert [row["event_name"] for row in clicks] == ["Page button"]
    assert page_errors == []

"""The /live page in Chromium against a real server: streaming rows, filters, pause, details, presence, the key."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.wsclient import Client, make_event, now_ms

pytestmark = pytest.mark.browser


def send(server, events: list[dict]) -> None:
    writer = Client(server.ws_url, server.write_key)
    writer.receive_ack(writer.send_events(events))
    writer.close()


def open_live(open_page, server):
    page = open_page(f"{server.url}/live#key={server.read_key}")
    page.wait_for_function("window.eventlayerLive.state.confirmed !== null", timeout=10_000)
    return page


def row(page, name: str):
    return page.locator("tr.event", has=page.locator("td.name", has_text=name))


def names_shown(page) -> list[str]:
    return page.locator("tr.event td.name").all_inner_texts()


def wait_for_subscription_after(page, previous: str) -> None:
    """Wait until the server confirmed a subscription newer than ``previous``."""
    page.wait_for_function(
        "previous => { const s = window.eventlayerLive.state; return s.confirmed === s.subscription && s.confirmed !== previous; }",
        arg=previous,
        timeout=10_000,
    )


def test_new_event_shown_within_one_second(server, open_page, page_errors):
    page = open_live(open_page, server)
    assert "key=" not in page.url
    assert page.locator("#connection").inner_text() == "Live"

    sender = threading.Thread(target=send, args=(server, [make_event("fresh-event")]))
    started = time.monotonic()
    sender.start()
    row(page, "fresh-event").wait_for(timeout=1000)
    elapsed = time.monotonic() - started
    sender.join()

    assert elapsed < 1.0
    assert row(page, "fresh-event").locator("td.status").inner_text() == "accepted"
    assert page_errors == []


def test_typed_filter_narrows_feed(server, open_page, page_errors):
    send(server, [make_event("signup_old"), make_event("login_old")])
    page = open_live(open_page, server)
    row(page, "login_old").wait_for(timeout=5000)
    previous = page.evaluate("window.eventlayerLive.state.confirmed")

    page.fill("#filters input[name=event_name]", "signup*")
    wait_for_subscription_after(page, previous)
    row(page, "signup_old").wait_for(timeout=5000)
    assert names_shown(page) == ["signup_old"]

    send(server, [make_event("login_new"), make_event("signup_new")])
    row(page, "signup_new").wait_for(timeout=2000)
    time.sleep(0.5)
    assert names_shown(page) == ["signup_new", "signup_old"]
    assert page_errors == []


def test_property_and_status_filters(server, open_page, page_errors):
    page = open_live(open_page, server)
    previous = page.evaluate("window.eventlayerLive.state.confirmed")
    page.fill("#filters input[name=properties]", "plan=pro")
    wait_for_subscription_after(page, previous)

    send(server, [make_event("free plan", properties={"plan": "free"}), make_event("pro plan", properties={"plan": "pro"})])
    row(page, "pro plan").wait_for(timeout=2000)
    time.sleep(0.3)
    assert names_shown(page) == ["pro plan"]

    previous = page.evaluate("window.eventlayerLive.state.confirmed")
    page.fill("#filters input[name=properties]", "")
    page.select_option("#filters select[name=status]", "rejected")
    wait_for_subscription_after(page, previous)
    send(server, [make_event("good one"), {"event_type": "click"}])
    page.locator("tr.event.rejected").wait_for(timeout=2000)
    assert page.locator("tr.event").count() == 1
    assert page.locator("tr.event td.status").inner_text() == "rejected"
    assert page.locator("tr.event td.reason").inner_text() == "event_name is missing"
    assert page.locator("tr.event td.time").inner_text() != ""
    assert page_errors == []


def test_row_expands_to_every_field_as_text(server, open_page, page_errors):
    page = open_live(open_page, server)
    hostile = '<img src=x onerror="window.injected=1">'
    send(server, [make_event(hostile, event_value="<b>bold</b>", properties={"html": "<script>window.injected=2</script>", "n": 1})])
    target = row(page, "<img")
    target.wait_for(timeout=5000)
    assert target.locator("td.name").inner_text() == hostile

    target.click()
    details = page.locator("tr.details")
    details.wait_for()
    terms = details.locator("dt").all_inner_texts()
    for field in ("event_id", "event_type", "event_name", "event_value", "received_at", "properties", "status", "user_browser", "flags"):
        assert field in terms
    text = details.inner_text()
    assert '"html": "<script>window.injected=2</script>"' in text
    assert page.locator("tbody img, tbody script, tbody b").count() == 0
    assert page.evaluate("window.injected") is None

    target.click()
    assert page.locator("tr.details").count() == 0
    assert page_errors == []


def test_pause_holds_rows_until_resumed(server, open_page, page_errors):
    page = open_live(open_page, server)
    page.click("#pause")
    send(server, [make_event("while paused")])
    page.wait_for_function("document.getElementById('pause').textContent === 'Resume (1 new)'", timeout=3000)
    assert row(page, "while paused").count() == 0

    page.click("#pause")
    row(page, "while paused").wait_for(timeout=2000)
    assert page.locator("#pause").inner_text() == "Pause"
    assert page_errors == []


def test_rate_counts_live_events(server, open_page, page_errors):
    page = open_live(open_page, server)
    send(server, [make_event(f"rate {index}") for index in range(25)])
    row(page, "rate 24").wait_for(timeout=3000)
    assert page.evaluate("window.eventlayerLive.state.counts.reduce((a, b) => a + b, 0)") == 25
    page.wait_for_function("Number(document.getElementById('rate').textContent) === 25", timeout=3000)
    assert page_errors == []


def test_presence_lists_open_pages(server, open_page, page_errors):
    page = open_live(open_page, server)
    visitor = Client(server.ws_url, server.write_key, hello=False)
    visitor.send({"t": "hello", "v": 1, "key": server.write_key, "sdk": "tests/1", "sent_at": now_ms(), "url": "https://shop.example/pricing?utm_source=x"})
    assert visitor.receive()["t"] == "welcome"

    page.locator("#pages li", has_text="https://shop.example/pricing").wait_for(timeout=3000)
    assert page.locator("#presence-total").inner_text() == "1"
    assert page.locator("#pages li .count").inner_text() == "1"

    visitor.close()
    page.wait_for_function("document.getElementById('presence-total').textContent === '0'", timeout=3000)
    assert page.locator("#pages li").count() == 0
    assert page_errors == []


def test_key_form_rejects_wrong_key(server, open_page, page_errors):
    page = open_page(f"{server.url}/live")
    page.locator("#key-form").wait_for()
    assert page.locator("#connection").inner_text() == "Read key needed"

    page.fill("#key", "rk_wrong")
    page.click("#key-form button[type=submit]")
    page.locator("#key-error", has_text="rejected the key").wait_for(timeout=5000)

    page.fill("#key", server.write_key)
    page.click("#key-form button[type=submit]")
    page.locator("#key-error", has_text="write key").wait_for(timeout=5000)

    page.fill("#key", server.read_key)
    page.click("#key-form button[type=submit]")
    page.wait_for_function("window.eventlayerLive.state.confirmed !== null", timeout=5000)
    assert page.locator("#key-form").is_hidden()

    # Remembered in this browser: a reload connects without asking.
    page.reload()
    page.wait_for_function("window.eventlayerLive.state.confirmed !== null", timeout=5000)
    assert page.locator("#key-form").is_hidden()
    assert page_errors == []


def test_reconnects_after_server_restart(server, open_page, page_errors):
    page = open_live(open_page, server)
    previous = page.evaluate("window.eventlayerLive.state.confirmed")
    server.restart()
    wait_for_subscription_after(page, previous)
    send(server, [make_event("after restart")])
    row(page, "after restart").wait_for(timeout=3000)
    assert page_errors == []


def test_msgpack_codec_round_trips(server, open_page):
    page = open_page(f"{server.url}/live")
    value = {"s": "héllo ✓" * 10, "n": [0, 1, 127, 128, 65535, 2**32, now_ms(), -1, -33, -40000], "f": 1.5, "b": True, "z": None, "m": {"k": []}}
    assert page.evaluate("value => window.eventlayerLive.decode(window.eventlayerLive.encode(value))", value) == value

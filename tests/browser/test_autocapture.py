"""Autocapture in a real browser: page views, clicks, scroll depth and form submissions, read back from storage."""

from __future__ import annotations

import time

from tests.browser.helpers import stored, wait_for
from tests.browser.site import sdk_page

SHOP_BODY = """
<nav><a id="to-c" href="/c">Go to C</a></nav>
<button id="buy" class="btn primary">Buy <span>now</span></button>
<div data-eventlayer-ignore><button id="ignored">Not captured</button></div>
<form id="checkout" name="checkout" action="/pay" method="post">
  <input name="email" type="email">
  <input name="password" type="password">
  <input name="card" autocomplete="cc-number">
  <button type="submit" id="pay">Pay</button>
</form>
<div style="height: 4000px">tall content</div>
<script>
  document.getElementById("to-c").addEventListener("click", (event) => {
    event.preventDefault();
    history.pushState({}, "", "/c");
  });
  document.getElementById("checkout").addEventListener("submit", (event) => event.preventDefault());
</script>
"""

PASSWORD = "hunter2-Secret-9137"
CARD_NUMBER = "4111111111111111"
EMAIL = "secret.person@example.test"


def scroll_to(page, fraction: float) -> None:
    page.evaluate("(f) => window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * f)", fraction)
    # The SDK checks scroll depth at most every 200 ms.
    page.wait_for_timeout(400)


def test_autocapture_stores_expected_events(server, site, open_page, page_errors):
    site.pages["/"] = sdk_page(server, SHOP_BODY)
    page = open_page(site.url + "/")

    page.click("#buy span")
    page.click("#ignored")
    # Navigation 1: a router's pushState followed by replaceState to the same URL is one page view.
    page.evaluate("""() => { history.pushState({}, "", "/a"); history.replaceState({step: 1}, "", "/a"); }""")
    page.wait_for_timeout(100)
    # A later replaceState that keeps the URL is no page view at all.
    page.evaluate("""() => history.replaceState({step: 2}, "", "/a")""")
    page.wait_for_timeout(100)
    # Navigation 2, then navigation 3 through a link that the page routes itself.
    page.evaluate("""() => history.pushState({}, "", "/b")""")
    page.wait_for_timeout(100)
    page.click("#to-c")
    for fraction in (0.3, 0.6, 0.8, 1.0, 0.0, 1.0):
        scroll_to(page, fraction)
    page.click("input[name=password]")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=card]", CARD_NUMBER)
    page.click("#pay")

    def all_stored():
        rows = stored(server)
        return rows if any(row["event_type"] == "submit" for row in rows) else None

    rows = wait_for(all_stored)
    assert rows is not None, f"no submit event stored; stored: {stored(server)}"
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        by_type.setdefault(row["event_type"], []).append(row)

    assert [row["event_name"] for row in by_type["pageview"]] == ["/", "/a", "/b", "/c"]
    assert [row["url"] for row in by_type["pageview"]] == [site.url + path for path in ("/", "/a", "/b", "/c")]

    clicks = by_type["click"]
    assert [row["event_name"] for row in clicks] == ["Buy now", "Go to C", "password", "Pay"]
    buy = clicks[0]["properties"]
    assert buy["tag"] == "button"
    assert buy["id"] == "buy"
    assert buy["classes"] == ["btn", "primary"]
    assert buy["selector"] == "button#buy"
    assert clicks[1]["properties"]["href"] == site.url + "/c"
    assert clicks[1]["event_value"] == site.url + "/c"
    assert clicks[2]["properties"]["type"] == "password"
    assert all(row["properties"].get("id") != "ignored" for row in clicks)

    scrolls = by_type["scroll"]
    assert [row["event_value"] for row in scrolls] == ["25", "50", "75", "100"]
    assert all(row["url"] == site.url + "/c" for row in scrolls)

    [submit] = by_type["submit"]
    assert submit["event_name"] == "checkout"
    assert submit["properties"]["form_id"] == "checkout"
    assert submit["properties"]["fields"] == ["email", "password", "card"]
    assert submit["properties"]["action"] == site.url + "/pay"
    assert submit["properties"]["method"] == "post"

    assert set(by_type) == {"pageview", "click", "scroll", "submit"}
    assert page_errors == []


def test_sensitive_values_never_sent(server, site, open_page, page_errors):
    site.pages["/"] = sdk_page(server, SHOP_BODY)
    page = open_page(site.url + "/")
    for selector, value in (("input[name=email]", EMAIL), ("input[name=password]", PASSWORD), ("input[name=card]", CARD_NUMBER)):
        page.click(selector)
        page.type(selector, value)
        page.press(selector, "Tab")
    page.click("#pay")
    # Elements handed to track() directly are described, never read.
    page.evaluate(
        """() => eventlayer.track("fields", {
            password: document.querySelector("input[name=password]"),
            card: document.querySelector("input[name=card]"),
            form: document.getElementById("checkout"),
        })"""
    )

    assert wait_for(lambda: any(row["event_name"] == "fields" for row in stored(server)))
    rows = server.query("SELECT * FROM eventlayer.event_manager")
    text = repr(rows)
    assert len(rows) >= 5
    for secret in (PASSWORD, CARD_NUMBER, EMAIL, "hunter2", "41111111"):
        assert secret not in text
    [fields_event] = [row for row in stored(server) if row["event_name"] == "fields"]
    assert fields_event["properties"] == {"password": "<input>", "card": "<input>", "form": "<form#checkout>"}
    assert page_errors == []


def test_demo_page_events_stored_within_two_seconds(server_factory, open_page, page_errors):
    # The default flush interval of 1 s, as a new user runs it.
    server = server_factory(EVENTLAYER_FLUSH_INTERVAL="1.0")
    page = open_page(server.url + "/")
    page.wait_for_selector("#add-to-cart")

    actions = [
        ("click", lambda: page.click("#add-to-cart"), "event_type = 'click' AND event_name = 'Add to cart'"),
        ("pageview", lambda: page.click("nav >> text=Pricing"), "event_type = 'pageview' AND event_name = '/pricing'"),
        ("click", lambda: page.click("text=Choose Team"), "event_type = 'click' AND event_name = 'Choose Team'"),
        ("pageview", lambda: page.click("nav >> text=Sign up"), "event_type = 'pageview' AND event_name = '/signup'"),
        ("submit", lambda: (page.fill("input[name=email]", EMAIL), page.fill("input[name=password]", PASSWORD), page.click("button[type=submit]")), "event_type = 'submit' AND event_name = 'signup'"),
    ]
    for kind, act, where in actions:
        act()
        started = time.monotonic()
        assert wait_for(lambda: server.count(where)[0] == 1, timeout=5, interval=0.05), f"{kind} not stored: {where}"
        elapsed = time.monotonic() - started
        assert elapsed < 2, f"{kind} took {elapsed:.2f} s to be stored"

    assert server.count("event_type = 'pageview'")[0] == 3
    assert PASSWORD not in repr(server.query("SELECT * FROM eventlayer.event_manager"))
    assert "Connection: ready" in page.inner_text("#status")
    assert "ack websocket" in page.inner_text("#log")
    assert page_errors == []

"""Helpers for the overlay's browser tests: pages that load the overlay, and steps a user takes in its panel.

Playwright's CSS selectors pierce open shadow roots, so ``eventlayer-overlay button`` finds a button inside the
panel's shadow root.
"""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

PANEL = "eventlayer-overlay"


def overlay_tag(server, **data) -> str:
    """Return the script tag that loads the overlay from ``server`` with its write key and extra data attributes."""
    attributes = "".join(f' data-{name}="{value}"' for name, value in data.items())
    return f'<script src="{server.url}/overlay.js" data-server="{server.url}" data-key="{server.write_key}"{attributes}></script>'


def overlay_page(server, body: str = "", head: str = "", sdk: bool = False) -> str:
    """Return a page that runs the overlay, and the SDK first when ``sdk`` is true."""
    sdk_tags = ""
    if sdk:
        sdk_tags = f'<script src="{server.url}/sdk.js"></script><script>eventlayer.init({{server: "{server.url}", key: "{server.write_key}"}});</script>'
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Overlay test page</title>{head}{sdk_tags}</head>
<body>{body}{overlay_tag(server)}</body></html>"""


def wait_until_ready(page, timeout: float = 15000) -> None:
    """Wait until the overlay's connection is open; on a timeout, fail with the connection's state."""
    try:
        page.wait_for_function("() => window.EventLayerOverlay && EventLayerOverlay.status() && EventLayerOverlay.status().state === 'ready'", timeout=timeout)
    except PlaywrightTimeoutError:
        status = page.evaluate("() => window.EventLayerOverlay ? EventLayerOverlay.status() : 'overlay.js did not load'")
        raise AssertionError(f"the overlay did not connect within {timeout / 1000:g} s; its status: {status}") from None


def log_event(page, event_type: str, name: str, value: str = "", properties: str = "") -> str:
    """Fill the Log view as a user does, press Log Event, and return the new event's id."""
    page.click(f"{PANEL} [data-tab=log]")
    page.fill(f"{PANEL} input[name=event_type]", event_type)
    page.fill(f"{PANEL} input[name=event_name]", name)
    page.fill(f"{PANEL} input[name=event_value]", value)
    page.fill(f"{PANEL} textarea[name=properties]", properties)
    before = page.locator(f"{PANEL} .results li").count()
    page.click(f"{PANEL} button:has-text('Log Event')")
    page.wait_for_function(f"() => document.querySelector('{PANEL}').shadowRoot.querySelectorAll('.results li').length > {before}")
    return page.locator(f"{PANEL} .results li").first.get_attribute("data-event-id")


def wait_for_log_status(page, event_id: str, timeout: float = 10000) -> str:
    """Wait until the Log view shows the server's response for ``event_id`` and return its status."""
    item = page.locator(f"{PANEL} .results li[data-event-id='{event_id}'][data-status]")
    item.wait_for(timeout=timeout)
    return item.get_attribute("data-status")


def enter_read_key(page, key: str) -> None:
    page.click(f"{PANEL} [data-tab=live]")
    page.fill(f"{PANEL} input[name=read_key]", key)
    page.click(f"{PANEL} button:has-text('Use key')")


def live_row(page, event_id: str):
    return page.locator(f"{PANEL} .events li[data-event-id='{event_id}']")

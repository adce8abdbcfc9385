"""The overlay and the page leave each other alone: hostile page CSS, event data shown as text, no style leaks."""

from __future__ import annotations

import json

import pytest

from tests.browser.overlay_page import PANEL, enter_read_key, live_row, log_event, overlay_page, overlay_tag, wait_for_log_status, wait_until_ready
from tests.support.wsclient import Client, make_event

pytestmark = pytest.mark.browser

HOSTILE_CSS = """<style>
div:empty { display: none !important; }
* { font-size: 30px; }
body { position: relative; }
#backdrop { position: fixed; inset: 0; z-index: 2147483647; background: rgba(0, 0, 0, 0.6); }
eventlayer-overlay, [popover], :popover-open { display: none !important; opacity: 0 !important; visibility: hidden !important; }
button { pointer-events: none !important; }
</style>"""

# Returns, for a point in page coordinates, the element the browser hit-tests there, looking into the panel.
HIT_TEST = """([x, y]) => {
  const outer = document.elementFromPoint(x, y);
  const inner = outer && outer.shadowRoot ? outer.shadowRoot.elementFromPoint(x, y) : null;
  return { outer: outer ? outer.localName : null, inner: inner ? inner.textContent : null };
}"""


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("top_layer", [True, False], ids=["popover", "z-index"])
def test_hostile_page_keeps_panel_usable(server, site, context, open_page, page_errors, tmp_path, top_layer):
    if not top_layer:
        # A browser without the Popover API: the overlay falls back to z-index and its place at the end of <html>.
        context.add_init_script("delete HTMLElement.prototype.showPopover")
    # Not empty, or the page's own div:empty rule would hide it.
    body = '<p>Page text</p><div id="backdrop">Backdrop</div>'
    site.pages["/"] = overlay_page(server, body=body, head=HOSTILE_CSS)
    page = open_page(site.url + "/")
    wait_until_ready(page)
    button = page.locator(f"{PANEL} button:has-text('Log Event')")
    assert page.evaluate("() => document.elementFromPoint(5, 5).id") == "backdrop"
    assert page.evaluate("() => document.querySelector('eventlayer-overlay').matches(':popover-open')") is top_layer

    assert button.is_visible()
    x, y = center(button)
    assert page.evaluate(HIT_TEST, [x, y]) == {"outer": "eventlayer-overlay", "inner": "Log Event"}
    # A real mouse click at the button's place: it reaches the button only if nothing covers it.
    page.mouse.click(x, y)
    assert page.locator(f"{PANEL} #error-event_type").inner_text() == "Event type is required"
    assert page.locator(f"{PANEL} .panel").evaluate("(panel) => getComputedStyle(panel).fontSize") == "13px"
    assert button.evaluate("(b) => getComputedStyle(b).fontSize") == "13px"

    event_id = log_event(page, "click", "Behind a backdrop")
    assert wait_for_log_status(page, event_id) == "accepted"

    # A backdrop that the page appends after the overlay, at the end of <html>, does not cover it either.
    page.evaluate(
        """() => {
        const late = document.createElement('div');
        late.id = 'late';
        late.textContent = 'Late backdrop';
        late.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(200,0,0,.5)';
        document.documentElement.appendChild(late);
    }"""
    )
    page.wait_for_timeout(100)
    assert page.evaluate("() => document.elementFromPoint(5, 5).id") == "late"
    page.click(f"{PANEL} [data-tab=status]")
    x, y = center(page.locator(f"{PANEL} [data-tab=log]"))
    assert page.evaluate(HIT_TEST, [x, y]) == {"outer": "eventlayer-overlay", "inner": "Log"}
    page.mouse.click(x, y)
    assert page.locator(f"{PANEL} [data-tab=log]").get_attribute("aria-selected") == "true"
    # Kept in pytest's temporary directory for a person to look at.
    page.screenshot(path=tmp_path / f"hostile-page-{'popover' if top_layer else 'z-index'}.png")
    assert page_errors == []


def test_event_data_shown_as_text(server, site, open_page, page_errors):
    site.pages["/"] = overlay_page(server)
    page = open_page(site.url + "/")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    wait_until_ready(page)
    enter_read_key(page, server.read_key)
    page.click(f"{PANEL} button:has-text('All sessions')")

    name = "<img src=x onerror=alert(1)>"
    properties = {"note": "<script>alert(2)</script>", "<b>key</b>": "<img src=y onerror=alert(3)>"}
    event_id = log_event(page, "<i>type</i>", name, "<svg onload=alert(4)>", json.dumps(properties))
    assert wait_for_log_status(page, event_id) == "accepted"
    # The same strings from another client, in fields the overlay itself never sends.
    client = Client(server.ws_url, server.write_key)
    other = make_event(name, event_value="<iframe src=javascript:alert(5)>", url="https://example.test/<script>alert(6)</script>", properties=properties)
    client.receive_ack(client.send_events([other]))
    client.close()

    page.click(f"{PANEL} [data-tab=live]")
    for row_id in (event_id, other["event_id"]):
        row = live_row(page, row_id)
        row.wait_for(timeout=5000)
        row.locator(".event-line").click()
        assert name in row.locator(".event-name").inner_text()
        assert "<script>alert(2)</script>" in row.locator("dl.details").inner_text()
    assert "<i>type</i>" in page.locator(f"{PANEL} .results li").first.inner_text()

    page.wait_for_timeout(300)
    injected = page.evaluate(
        "() => document.querySelector('eventlayer-overlay').shadowRoot.querySelectorAll('img, script, svg, iframe, b, i').length"
    )
    assert injected == 0
    assert page.evaluate("() => document.querySelectorAll('img, svg, iframe').length") == 0
    assert dialogs == []
    assert page_errors == []


# The computed style of every element of the page and its box, serialised for comparison.
PAGE_LAYOUT = """() => Array.from(document.querySelectorAll('body, body *')).filter((e) => e.localName !== 'eventlayer-overlay').map((element) => {
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  const properties = {};
  for (const name of style) properties[name] = style.getPropertyValue(name);
  return { tag: element.localName, id: element.id, box: [box.x, box.y, box.width, box.height], properties };
})"""

LAYOUT_PAGE_BODY = """
<header class="panel"><h1 class="title">Shop</h1><button class="button tab">Menu</button></header>
<main class="root view"><div class="header"><span class="dot">•</span><label class="field">Name <input class="text" name="event_name"></label></div>
<ul class="results events"><li class="event">One</li><li>Two</li></ul><form><textarea class="text"></textarea><button type="submit">Send</button></form>
<p class="note badge">Note</p><dl class="details"><dt>a</dt><dd>b</dd></dl></main>
"""


def test_overlay_changes_no_page_style(server, site, open_page, page_errors):
    # The page uses the same class names as the panel, so any rule that escaped the shadow root would match.
    site.pages["/"] = f"<!doctype html><html><head><title>Layout</title></head><body>{LAYOUT_PAGE_BODY}</body></html>"
    page = open_page(site.url + "/")
    page.set_viewport_size({"width": 1000, "height": 700})
    before = page.evaluate(PAGE_LAYOUT)
    root_before = page.evaluate("() => [getComputedStyle(document.documentElement).cssText, document.documentElement.scrollHeight, document.documentElement.scrollWidth]")

    page.add_script_tag(url=f"{server.url}/overlay.js")
    page.evaluate("([server, key]) => EventLayerOverlay.init({ server, key })", [server.url, server.write_key])
    wait_until_ready(page)
    page.locator(f"{PANEL} .panel").wait_for()

    after = page.evaluate(PAGE_LAYOUT)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert new["box"] == old["box"], f"{old['tag']}#{old['id']} moved"
        changed = {name: (value, new["properties"].get(name)) for name, value in old["properties"].items() if new["properties"].get(name) != value}
        assert changed == {}, f"{old['tag']}#{old['id']} changed style"
    root_after = page.evaluate("() => [getComputedStyle(document.documentElement).cssText, document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert root_after == root_before
    assert page.evaluate("() => document.styleSheets.length") == 0
    assert page_errors == []


def test_overlay_tag_outside_body(server, site, open_page, page_errors):
    # A page whose scripts replace the body (as some single-page apps do) does not take the panel with it.
    site.pages["/"] = f"<!doctype html><html><head>{overlay_tag(server)}</head><body><p>Old</p></body></html>"
    page = open_page(site.url + "/")
    wait_until_ready(page)
    page.evaluate("() => { document.body.replaceWith(Object.assign(document.createElement('body'), { textContent: 'New' })); }")

    assert page.evaluate("() => document.querySelector('eventlayer-overlay').parentNode === document.documentElement")
    assert page.locator(f"{PANEL} button:has-text('Log Event')").is_visible()
    assert page_errors == []


def test_page_backdrop_rule_does_not_dim_page(server, site, open_page, page_errors):
    # The panel sits in the top layer, where a page's "::backdrop" rule would otherwise paint over the page.
    site.pages["/"] = "<!doctype html><html><head><style>::backdrop { background: rgba(0, 0, 0, 0.8) !important; display: block !important; }</style></head><body><p>Page</p></body></html>"
    page = open_page(site.url + "/")
    region = {"x": 0, "y": 0, "width": 400, "height": 200}
    before = page.screenshot(clip=region)

    page.add_script_tag(url=f"{server.url}/overlay.js")
    page.evaluate("([server, key]) => EventLayerOverlay.init({ server, key })", [server.url, server.write_key])
    wait_until_ready(page)

    assert page.evaluate("() => getComputedStyle(document.querySelector('eventlayer-overlay'), '::backdrop').display") == "none"
    assert page.screenshot(clip=region) == before
    assert page_errors == []

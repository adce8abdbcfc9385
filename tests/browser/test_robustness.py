"""The SDK never hurts the host page: hostile property values, storage that throws, opting out."""

from __future__ import annotations

from tests.browser.helpers import stored, wait_for
from tests.browser.site import sdk_page

EMOJI = "\U0001F600"
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"


def test_hostile_properties_stored_safely(server, site, open_page, page_errors):
    site.pages["/"] = sdk_page(server)
    page = open_page(site.url + "/")

    results = page.evaluate(
        """([emoji, family]) => {
            const results = [];
            const calls = [
              () => { const p = {name: "loop"}; p.self = p; return eventlayer.track("circular", p); },
              () => eventlayer.track("error", {error: new Error("boom")}),
              () => eventlayer.track("ratio", {ratio: NaN, up: Infinity, big: 12345678901234567890n, when: new Date(0)}),
              () => eventlayer.track(emoji.repeat(10000), {kind: "emoji"}),
              () => eventlayer.track(family.repeat(100), {kind: "family"}),
              () => eventlayer.track("nul\\u0000name", {text: "a\\u0000b", node: document.body}),
            ];
            for (const call of calls) {
              try { results.push(String(call())); } catch (error) { results.push("threw " + error); }
            }
            return results;
        }""",
        [EMOJI, FAMILY],
    )
    assert results == ["undefined"] * 6

    assert wait_for(lambda: len(stored(server, "event_type = 'track'")) == 6)
    rows = {row["properties"].get("kind") or row["event_name"]: row for row in stored(server, "event_type = 'track'")}

    circular = rows["circular"]["properties"]
    assert circular == {"name": "loop", "self": "[circular]"}

    error = rows["error"]["properties"]["error"]
    assert error["name"] == "Error"
    assert error["message"] == "boom"
    assert "boom" in error["stack"]

    ratio = rows["ratio"]["properties"]
    assert ratio["ratio"] is None
    assert ratio["up"] is None
    assert ratio["big"] == "12345678901234567890"
    assert ratio["when"] == "1970-01-01T00:00:00.000Z"

    emoji = rows["emoji"]
    assert emoji["event_name"] == EMOJI * 200
    assert emoji["properties"]["$truncated"] == ["event_name"]

    family = rows["family"]
    # 200 code points hold 28 whole families of 7; the 29th would be cut inside its ZWJ sequence.
    assert family["event_name"] == FAMILY * 28

    nul = rows["nul\ufffdname"]
    assert nul["properties"]["text"] == "a\ufffdb"
    assert nul["properties"]["node"] == "<body>"
    assert page_errors == []


def test_works_without_local_storage(server, site, context, page_errors):
    context.add_init_script(
        """for (const name of ["localStorage", "sessionStorage"]) {
             Object.defineProperty(window, name, { get() { throw new DOMException("storage is disabled", "SecurityError"); } });
           }"""
    )
    site.pages["/"] = sdk_page(server, body="<button id='go'>Go</button>")
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(site.url + "/")
    page.click("#go")
    page.evaluate("() => { eventlayer.register({plan: 'free'}); eventlayer.identify('user-7'); eventlayer.track('no storage'); }")

    rows = wait_for(lambda: stored(server, "event_name = 'no storage'"))
    assert rows is not None
    assert rows[0]["properties"] == {"plan": "free"}
    assert server.count("event_type = 'click' AND event_name = 'Go'")[0] == 1
    assert server.count("event_type = 'pageview'")[0] == 1
    assert page_errors == []


def test_opt_out_is_remembered(server, site, open_page, page_errors):
    site.pages["/"] = sdk_page(server, body="<button id='go'>Go</button>")
    page = open_page(site.url + "/")
    page.evaluate("() => { eventlayer.track('before opt-out'); eventlayer.optOut(); eventlayer.track('while out'); }")
    page.reload()
    page.click("#go")
    page.evaluate("() => eventlayer.track('after reload')")
    page.wait_for_timeout(1500)
    assert server.count("event_name IN ('while out', 'after reload', 'Go')")[0] == 0
    assert page.evaluate("() => eventlayer.status().optedOut") is True

    page.evaluate("() => { eventlayer.optIn(); eventlayer.track('opted in'); }")
    assert wait_for(lambda: server.count("event_name = 'opted in'")[0] == 1)
    assert page_errors == []


def test_do_not_track_honoured_when_asked(server, site, context, page_errors):
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });")
    site.pages["/"] = sdk_page(server, options="respectDoNotTrack: true")
    site.pages["/plain"] = sdk_page(server)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(site.url + "/")
    page.evaluate("() => eventlayer.track('dnt page')")
    page.goto(site.url + "/plain")
    page.evaluate("() => eventlayer.track('plain page')")

    assert wait_for(lambda: server.count("event_name = 'plain page'")[0] == 1)
    page.wait_for_timeout(500)
    assert server.count("event_name = 'dnt page'")[0] == 0
    assert server.count(f"url = '{site.url}/'")[0] == 0
    assert page_errors == []

"""A small web site for browser tests: pages served over HTTP on 127.0.0.1, from another origin than EventLayer.

A site on its own origin is how the SDK is deployed (the shop at one address, EventLayer at another), so the
tests exercise the cross-origin WebSocket and beacons as users will.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Site:
    """Serves ``pages`` (path to HTML) on a free port; any path not listed gets the page at ``/``, like a
    single-page app's server does."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (name fixed by http.server)
                path = self.path.split("?", 1)[0]
                body = pages.get(path, pages.get("/", "")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (signature fixed by http.server)
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def sdk_page(server, body: str = "", options: str = "", head: str = "", server_url: str | None = None) -> str:
    """Return a page that loads the SDK from ``server`` and calls ``eventlayer.init`` with the server's URL (or
    ``server_url``, e.g. a proxy in front of it), its write key and the extra ``options`` (JavaScript object
    members, e.g. ``"flushIntervalMs: 60000"``)."""
    url = server_url or server.url
    extra = f", {options}" if options else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Test page</title>{head}
<script src="{url}/sdk.js"></script>
<script>eventlayer.init({{server: "{url}", key: "{server.write_key}"{extra}}});</script>
</head><body>{body}</body></html>"""

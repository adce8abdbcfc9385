"""Origin checks for write keys, and CORS for the ingest endpoints.

Each project may list the Origins its write key is accepted from (``origins`` in eventlayer.toml); an empty
list accepts any Origin. Read keys are secret and not bound to Origins. Pages served by this server itself
(the demo, live and overlay pages) are same-origin and always accepted.

A WebSocket handshake carries no key (the key comes in ``hello``), so the checks run in two steps:

1. at the handshake, an Origin that no project accepts is refused with HTTP 403 before the connection opens;
2. at ``hello``, a write key whose project does not accept the Origin closes the connection with 1008.

CORS: the ingest endpoints reply to preflights and add ``Access-Control-Allow-Origin`` for Origins some project
accepts, so the SDK can post cross-origin and read the reply. Other endpoints (the read API, SQL, metrics)
send no CORS headers, so a browser on a foreign Origin cannot read what they return.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response

from eventlayer.projects import Credential, ProjectRegistry

# Paths whose POST comes from pages on other sites: the SDK's fallback and beacons, and the original design's API.
INGEST_PATHS = frozenset({"/api/batch", "/api/events/log"})
PREFLIGHT_MAX_AGE_SECONDS = 600
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def is_same_origin(origin: str, host: str | None) -> bool:
    """Return True when ``origin`` names the host the request was sent to (its Host header), ports normalised.

    The scheme is not compared, because behind a TLS-terminating proxy the page is https while the request
    reaching this server is plain http.
    """
    if not host:
        return False
    parts = urlsplit(origin)
    if not parts.hostname:
        return False
    try:
        origin_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        host_parts = urlsplit("//" + host)
        host_port = host_parts.port or origin_port
    except ValueError:
        return False
    return parts.hostname == host_parts.hostname and origin_port == host_port


def accepted_anywhere(registry: ProjectRegistry, origin: str | None, host: str | None) -> bool:
    """Return True when some project's write key may be used from ``origin`` (no Origin header also passes:
    it comes from a program, not a browser page)."""
    if origin is None or is_same_origin(origin, host):
        return True
    return any(project.allows_origin(origin) for project in registry.projects.values())


def key_allows_origin(credential: Credential, origin: str | None, host: str | None) -> bool:
    """Return True when a request with ``credential`` may come from ``origin``; read keys may from anywhere."""
    if credential.can_read or origin is None or is_same_origin(origin, host):
        return True
    return credential.project.allows_origin(origin)


class IngestCORS:
    """ASGI middleware: CORS for ``INGEST_PATHS``, no CORS headers anywhere else.

    A preflight (OPTIONS with Access-Control-Request-Method) for an accepted Origin gets 204 with the allowed
    method and headers; for any other Origin, 403 without CORS headers. A POST from an accepted Origin gets
    ``Access-Control-Allow-Origin`` on every reply, errors included, so the page can read why it failed.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] not in INGEST_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        registry = scope["app"].state.eventlayer.registry
        allowed = accepted_anywhere(registry, origin, headers.get("host"))
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(allowed, origin, headers)(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_cors_headers(origin)]}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _preflight(allowed: bool, origin: str, headers: Headers) -> Response:
        if not allowed or headers["access-control-request-method"].upper() != "POST":
            return PlainTextResponse("origin or method not allowed", status_code=403, headers={"Vary": "Origin"})
        response_headers = {
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type, X-EventLayer-Key",
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
        }
        response = Response(status_code=204, headers=response_headers)
        response.raw_headers.extend(_cors_headers(origin))
        return response


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    # The reply depends on the Origin, so caches must key on it.
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]

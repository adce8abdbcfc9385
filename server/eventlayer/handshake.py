"""Checks on a WebSocket handshake before the connection is accepted: the Origin, and open connections per IP.

A refused handshake gets an HTTP response instead of ``101 Switching Protocols``: 403 for an Origin that no
project accepts, 429 with Retry-After for a client IP at its connection cap. Browsers show both to the page
only as a failed connection (close code 1006).
"""

from __future__ import annotations

import logging

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

from eventlayer.enrich import client_ip
from eventlayer.origins import accepted_anywhere

logger = logging.getLogger(__name__)

CONNECTION_CAP_RETRY_AFTER_SECONDS = 10


def full_client_ip(websocket_or_request, settings) -> str | None:
    """Return the client's full IP address, after trusted proxies; for guards only, never to store or log."""
    peer = websocket_or_request.client.host if websocket_or_request.client else None
    return client_ip(peer, websocket_or_request.headers.get("x-forwarded-for"), settings.trusted_proxies)


async def admit(websocket: WebSocket, server) -> tuple[bool, str | None]:
    """Refuse the handshake, or count the connection against its IP's cap.

    Returns ``(admitted, ip)``. When admitted, the caller must call ``server.guards.connections.release(ip)``
    once the connection ends (when ``ip`` is not None).
    """
    guards = server.guards
    origin = websocket.headers.get("origin")
    if not accepted_anywhere(server.registry, origin, websocket.headers.get("host")):
        guards.handshakes_refused.labels("origin").inc()
        logger.debug("Refused a WebSocket handshake from Origin %.100s: no project accepts it", origin)
        await _deny(websocket, PlainTextResponse("origin not allowed", status_code=403))
        return False, None
    ip = full_client_ip(websocket, server.settings)
    if ip is not None and not guards.connections.acquire(ip):
        guards.handshakes_refused.labels("connections_per_ip").inc()
        logger.debug("Refused a WebSocket handshake: a client IP already has %d connections open", guards.connections.max_per_ip)
        response = PlainTextResponse(
            "too many connections from this address",
            status_code=429,
            headers={"Retry-After": str(CONNECTION_CAP_RETRY_AFTER_SECONDS)},
        )
        await _deny(websocket, response)
        return False, None
    return True, ip


async def _deny(websocket: WebSocket, response) -> None:
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:
        # Without the ASGI denial-response extension, closing before accept makes the server send 403.
        await websocket.close()

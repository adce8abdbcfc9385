"""HTTP ingest: the original design's ``POST /api/events/log`` and the SDK's ``POST /api/batch``.

Both return 2xx only after the accepted events are durable, like a WebSocket ack.
"""

from __future__ import annotations

import asyncio
import json
import logging

import msgpack
from starlette.requests import Request
from starlette.responses import JSONResponse

from eventlayer.enrich import anonymize_ip
from eventlayer.guards import bucket_name
from eventlayer.handshake import full_client_ip
from eventlayer.origins import key_allows_origin
from eventlayer.protocol import now_ms
from eventlayer.validate import Context, Rejected
from eventlayer.writer import Overloaded, WriterStopped

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    """The body did not arrive in full within the time allowed (a slow or stalled client)."""


async def read_body(request: Request, limit: int, timeout: float | None = None) -> bytes:
    """Read the body, stopping as soon as it passes ``limit`` bytes, with or without a Content-Length.

    ``timeout`` bounds the whole read in seconds, not each chunk, so a client that trickles bytes cannot hold
    the request open; past it, raises BodyTimeout. None or 0 waits as long as the client takes.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body is {int(declared):,} bytes; the limit is {limit:,}")
    chunks: list[bytes] = []
    size = 0

    async def read_chunks() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"body is over the limit of {limit:,} bytes")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read_chunks(), timeout or None)
    except TimeoutError:
        raise BodyTimeout(f"body did not arrive within {timeout:g} s; {size:,} bytes came") from None
    return b"".join(chunks)


def decode_body(body: bytes, content_type: str) -> object:
    """Decode JSON or msgpack. ``text/plain`` (what sendBeacon sends) may carry either, so sniff it."""
    if "msgpack" in content_type:
        return msgpack.unpackb(body, raw=False, strict_map_key=False)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        if "json" in content_type:
            raise
        return msgpack.unpackb(body, raw=False, strict_map_key=False)


def error(status: int, message: str, retry_after: int | None = None, **extra) -> JSONResponse:
    """Return an error reply; 503 and 429 carry Retry-After (``retry_after`` seconds, or the default)."""
    headers = None
    if status in (429, 503):
        headers = {"Retry-After": str(retry_after or RETRY_AFTER_SECONDS)}
    return JSONResponse({"status": "error", "message": message, **extra}, status_code=status, headers=headers)


def request_key(request: Request, payload: object = None) -> str | None:
    key = request.headers.get("x-eventlayer-key") or request.query_params.get("key")
    if key is None and isinstance(payload, dict):
        key = payload.get("key")
    return key


async def _ingest_request(request: Request, source: str, unwrap) -> tuple[object, JSONResponse | None]:
    """Shared steps: read, decode, authenticate, ingest. Returns (result, None) or (None, error response)."""
    server = request.app.state.eventlayer
    try:
        body = await read_body(request, server.limits.max_frame_bytes, server.settings.body_timeout)
    except BodyTooLarge as too_large:
        return None, error(413, str(too_large))
    except BodyTimeout as timed_out:
        server.guards.requests_refused.labels("body_timeout").inc()
        return None, error(408, str(timed_out))
    try:
        payload = decode_body(body, request.headers.get("content-type", ""))
    except Exception:
        return None, error(400, "body is not valid JSON or msgpack")
    credential = server.registry.authenticate(request_key(request, payload))
    if credential is None:
        return None, error(401, "missing or invalid key; send it in the X-EventLayer-Key header or the key query parameter")
    # Guards: the key's Origins (origins.py), then rate limits per key and per client IP (guards.py).
    if not key_allows_origin(credential, request.headers.get("origin"), request.headers.get("host")):
        server.guards.requests_refused.labels("origin").inc()
        return None, error(403, "origin not allowed for this key")
    ip = full_client_ip(request, server.settings)
    events = unwrap(payload)
    limited = server.guards.charge(bucket_name(credential), ip, len(events) if isinstance(events, list) else 1, source)
    if limited is not None:
        server.guards.requests_refused.labels("rate_limit").inc()
        message = f"rate limit per {limited.scope} exceeded; retry in {limited.retry_after_seconds} s"
        return None, error(429, message, retry_after=limited.retry_after_seconds)
    context = Context(
        project=credential.project.name,
        received_at_ms=now_ms(),
        skew_ms=0,
        ip=anonymize_ip(ip) if ip and server.settings.anonymize_ip else ip,
        user_agent=request.headers.get("user-agent"),
        sdk="",
        source=source,
    )
    try:
        return await server.ingestor.ingest(events, context), None
    except Rejected as rejected:
        return None, error(400, rejected.reason)
    except Overloaded as overloaded:
        server.metrics.refused_overload.labels(source).inc(len(events) if isinstance(events, list) else 1)
        logger.warning("Refusing HTTP batch: %s", overloaded)
        return None, error(503, "server overloaded; retry later")
    except WriterStopped:
        return None, error(503, "server restarting; retry later")


async def log_event(request: Request) -> JSONResponse:
    """``POST /api/events/log``: one JSON event or a JSON array of them, as the original design's clients send."""
    result, failure = await _ingest_request(request, "http", lambda payload: payload if isinstance(payload, list) else [payload])
    if failure:
        return failure
    body = {"accepted": result.accepted, "duplicates": result.duplicates, "rejected": result.rejected, "event_ids": result.event_ids}
    if result.rejected and not result.event_ids:
        return JSONResponse({"status": "error", "message": result.rejected[0]["reason"], **body}, status_code=400)
    if result.rejected:
        message = f"{len(result.rejected)} events were rejected; the other {len(result.event_ids)} were stored"
        return JSONResponse({"status": "partial", "message": message, **body})
    return JSONResponse({"status": "success", "message": "Event logged successfully", **body})


def _batch_events(payload: object) -> object:
    if isinstance(payload, dict):
        return payload.get("events")
    return payload


def _is_beacon(request: Request) -> bool:
    """Tell navigator.sendBeacon requests from fetch calls that also send text/plain to skip a CORS preflight.

    Browsers send beacons in no-cors mode and mark them with ``Sec-Fetch-Mode: no-cors`` (Fetch Metadata);
    the SDK's fetch fallback runs in cors or same-origin mode. Without the header (older browsers, other
    clients), a text/plain body is taken as a beacon.
    """
    if not request.headers.get("content-type", "").startswith("text/plain"):
        return False
    mode = request.headers.get("sec-fetch-mode")
    return mode is None or mode == "no-cors"


async def batch(request: Request) -> JSONResponse:
    """``POST /api/batch``: ``{"key", "events": [...]}`` or a bare list, in JSON or msgpack."""
    source = "beacon" if _is_beacon(request) else "http"
    result, failure = await _ingest_request(request, source, _batch_events)
    if failure:
        return failure
    return JSONResponse({"accepted": result.accepted, "duplicates": result.duplicates, "rejected": result.rejected})

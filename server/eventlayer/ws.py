"""The WebSocket endpoint at /ws: one Session per connection, speaking protocol version 1.

The receive loop never waits for storage: each ``events`` frame is ingested in a task of its own and its ``ack``
is sent when the batch is durable, so a connection keeps several frames in flight. A frame that breaks the
protocol closes only its own connection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from starlette.websockets import WebSocket, WebSocketDisconnect

from eventlayer import protocol
from eventlayer.enrich import anonymize_ip, client_ip
from eventlayer.guards import bucket_name
from eventlayer.handshake import admit
from eventlayer.origins import key_allows_origin
from eventlayer.projects import Credential
from eventlayer.protocol import CloseCode, ConnectionState, ProtocolError
from eventlayer.validate import Context, Rejected
from eventlayer.writer import Overloaded, WriterStopped

logger = logging.getLogger(__name__)

# Frames read ahead of their acks. Acks wait for a flush (up to the flush interval), so a fast client needs
# many frames in flight; past this the loop stops reading and TCP pushes back on the client.
MAX_FRAMES_IN_FLIGHT = 1024
# Seconds a connection closed by a rate limit waits for the acks of frames it read before the refused one.
ACK_DRAIN_TIMEOUT = 10.0


class Session:
    def __init__(self, websocket: WebSocket, server):
        self.websocket = websocket
        self.server = server
        self.id = uuid.uuid4().hex[:12]
        self.state = ConnectionState.AWAITING_HELLO
        self.credential: Credential | None = None
        self.sdk = ""
        self.session_id = ""
        self.skew_ms = 0
        self.user_agent = websocket.headers.get("user-agent")
        self.origin = websocket.headers.get("origin")
        self.url = ""
        peer = websocket.client.host if websocket.client else None
        ip = client_ip(peer, websocket.headers.get("x-forwarded-for"), server.settings.trusted_proxies)
        self.ip = anonymize_ip(ip) if ip and server.settings.anonymize_ip else ip
        self._send_lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(MAX_FRAMES_IN_FLIGHT)
        self._tasks: set[asyncio.Task] = set()
        # The full client IP, set by websocket_endpoint for the per-IP rate limit; kept in memory only.
        self.guard_ip: str | None = None

    @property
    def project(self) -> str:
        return self.credential.project.name if self.credential else ""

    async def send(self, message: dict) -> bool:
        """Send a message; returns False when the connection is already gone."""
        if self.state is ConnectionState.CLOSED:
            return False
        try:
            async with self._send_lock:
                await self.websocket.send_bytes(protocol.encode(message))
            return True
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.state = ConnectionState.CLOSED
            return False

    async def close(self, code: int, reason: str) -> None:
        if self.state in (ConnectionState.CLOSING, ConnectionState.CLOSED):
            return
        self.state = ConnectionState.CLOSING
        self.server.metrics.closes.labels(str(code)).inc()
        try:
            async with self._send_lock:
                await self.websocket.close(code, reason)
        except (RuntimeError, OSError):
            pass
        self.state = ConnectionState.CLOSED

    async def run(self) -> None:
        try:
            await self._receive_hello()
            while self.state is ConnectionState.OPEN:
                message = await self._receive_message()
                if message is None:
                    break
                await self._dispatch(message)
        except ProtocolError as error:
            logger.info("Closing connection %s from %s with %d: %s", self.id, self.ip, error.code, error.reason)
            await self.close(error.code, error.reason)
        finally:
            self.state = ConnectionState.CLOSED if self.state is not ConnectionState.CLOSING else self.state
            self.server.hub_detach(self)

    async def _receive_message(self) -> dict | None:
        idle_timeout = self.server.settings.idle_timeout
        if self.state is ConnectionState.OPEN and idle_timeout > 0:
            try:
                event = await asyncio.wait_for(self.websocket.receive(), idle_timeout)
            except TimeoutError:
                self.server.guards.idle_closed.inc()
                raise ProtocolError(CloseCode.POLICY_VIOLATION, f"no frame for {idle_timeout:g} s; send a heartbeat") from None
        else:
            event = await self.websocket.receive()
        if event["type"] == "websocket.disconnect":
            self.state = ConnectionState.CLOSED
            return None
        data = event.get("bytes")
        if data is None:
            raise ProtocolError(CloseCode.UNSUPPORTED_DATA, "text frames are not supported; send binary msgpack")
        return protocol.decode_frame(data)

    async def _receive_hello(self) -> None:
        try:
            message = await asyncio.wait_for(self._receive_message(), self.server.settings.hello_timeout)
        except TimeoutError:
            raise ProtocolError(CloseCode.POLICY_VIOLATION, f"no hello within {self.server.settings.hello_timeout:g} s") from None
        if message is None:
            return
        received = protocol.now_ms()
        protocol.check_hello(message)
        credential = self.server.registry.authenticate(message.get("key"))
        if credential is None:
            raise ProtocolError(CloseCode.POLICY_VIOLATION, "invalid key")
        if not key_allows_origin(credential, self.origin, self.websocket.headers.get("host")):
            raise ProtocolError(CloseCode.POLICY_VIOLATION, "origin not allowed for this key")
        self.credential = credential
        self.sdk = str(message.get("sdk") or "")[:100]
        self.session_id = str(message.get("session") or "")[:200]
        url = message.get("url")
        self.url = url[: self.server.limits.max_url_chars] if isinstance(url, str) else ""
        skew = protocol.measure_skew(message.get("sent_at"), received)
        self.skew_ms = skew or 0
        self.state = ConnectionState.OPEN
        self.server.hub_attach(self)
        can = ["ingest", "live"] if credential.can_read else ["ingest"]
        await self.send(
            {"t": "welcome", "v": protocol.PROTOCOL_VERSION, "server_time": protocol.now_ms(), "limits": self.server.limits.to_welcome(), "can": can}
        )

    async def _dispatch(self, message: dict) -> None:
        kind = message["t"]
        if kind == "events":
            # Guard: rate limits per key and per client IP (guards.py); the SDK resends after reconnecting.
            limited = self.server.guards.charge(bucket_name(self.credential), self.guard_ip, _count(message.get("events")), "ws")
            if limited is not None:
                message_text = f"rate limit per {limited.scope} exceeded; retry in {limited.retry_after_seconds} s"
                # Frames read before this one still get their acks, so the client resends only this batch.
                if self._tasks:
                    await asyncio.wait(set(self._tasks), timeout=ACK_DRAIN_TIMEOUT)
                raise ProtocolError(CloseCode.POLICY_VIOLATION, message_text)
            await self._in_flight.acquire()
            task = asyncio.create_task(self._ingest(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif kind in ("subscribe", "unsubscribe"):
            if not self.credential.can_read:
                await self.send(protocol.error_frame("forbidden", f"'{kind}' needs the project's read key; this connection used the write key"))
                return
            await self.server.hub_message(self, message)
        elif kind == "hello":
            await self.send(protocol.error_frame("unexpected_hello", "the session is already open; 'hello' is only valid as the first frame"))
        else:
            await self.send(protocol.error_frame("unknown_type", f"message type '{kind[:40]}' is not known; expected events, subscribe or unsubscribe"))

    async def _ingest(self, message: dict) -> None:
        try:
            seq = message.get("seq")
            if isinstance(seq, bool) or not isinstance(seq, int):
                await self.send(protocol.error_frame("invalid_seq", "events frame needs an integer 'seq'"))
                return
            skew = protocol.measure_skew(message.get("sent_at"), protocol.now_ms())
            if skew is not None:
                self.skew_ms = skew
            context = Context(
                project=self.project,
                received_at_ms=protocol.now_ms(),
                skew_ms=self.skew_ms,
                ip=self.ip,
                user_agent=self.user_agent,
                sdk=self.sdk,
                source="ws",
            )
            try:
                result = await self.server.ingestor.ingest(message.get("events"), context)
            except Rejected as error:
                await self.send(protocol.error_frame("invalid_batch", error.reason, seq))
                return
            except Overloaded as error:
                self.server.metrics.refused_overload.labels("ws").inc(_count(message.get("events")))
                logger.warning("Refusing batch seq %s on connection %s: %s", seq, self.id, error)
                await self.close(CloseCode.TRY_AGAIN_LATER, "server overloaded; retry later")
                return
            except WriterStopped:
                await self.close(CloseCode.SERVICE_RESTART, "server restarting")
                return
            await self.send(result.to_ack(seq))
        except Exception:
            logger.exception("Internal error on connection %s", self.id)
            await self.close(CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            self._in_flight.release()


def _count(events: object) -> int:
    return len(events) if isinstance(events, list) else 0


async def websocket_endpoint(websocket: WebSocket) -> None:
    server = websocket.app.state.eventlayer
    # Guard: Origin and connections per IP, checked before the handshake completes (handshake.py).
    admitted, guard_ip = await admit(websocket, server)
    if not admitted:
        return
    try:
        await websocket.accept()
        session = Session(websocket, server)
        session.guard_ip = guard_ip
        server.metrics.connections.inc()
        try:
            await session.run()
        finally:
            server.metrics.connections.dec()
    finally:
        if guard_ip is not None:
            server.guards.connections.release(guard_ip)

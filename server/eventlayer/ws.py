"""The WebSocket endpoint at /ws: one Session per connection, speaking protocol version 1.

The receive loop never waits for storage. An ``events`` frame is validated and handed to the writer at once.
Its ``ack`` is queued when the batch is durable and sent by the connection's ack sender, so a connection keeps
many frames in flight without a task per frame. Only when the writer's buffer is full does a frame get a task
that waits for room. A frame that breaks the protocol closes only its own connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque

from starlette.websockets import WebSocket, WebSocketDisconnect

from eventlayer import protocol
from eventlayer.enrich import anonymize_ip, client_ip
from eventlayer.guards import bucket_name
from eventlayer.handshake import admit
from eventlayer.ingest import IngestResult
from eventlayer.origins import key_allows_origin
from eventlayer.projects import Credential
from eventlayer.protocol import CloseCode, ConnectionState, ProtocolError
from eventlayer.validate import Context, Rejected
from eventlayer.writer import Overloaded, WriterStopped

logger = logging.getLogger(__name__)

# Frames read ahead of their acks. Acks wait for a flush (up to the flush interval), so a fast client needs
# many frames in flight. Past this limit the loop stops reading, and TCP pushes back on the client.
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
        # Acks of durable batches, sent in order of durability by _send_acks. A None item stops the sender.
        self._acks: deque[tuple[int, IngestResult | None, BaseException | None] | None] = deque()
        self._acks_ready = asyncio.Event()
        self._acks_pending = 0
        self._acks_drained = asyncio.Event()
        self._ack_sender: asyncio.Task | None = None
        self._last_frame_at = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None
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
            if self.state is ConnectionState.OPEN:
                self._ack_sender = asyncio.create_task(self._send_acks())
                self._arm_idle_timer()
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
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            if self._ack_sender is not None:
                self._acks.append(None)
                self._acks_ready.set()
            self.server.hub_detach(self)

    async def _receive_message(self) -> dict | None:
        event = await self.websocket.receive()
        self._last_frame_at = time.monotonic()
        if event["type"] == "websocket.disconnect":
            self.state = ConnectionState.CLOSED
            return None
        data = event.get("bytes")
        if data is None:
            raise ProtocolError(CloseCode.UNSUPPORTED_DATA, "text frames are not supported; send binary msgpack")
        return protocol.decode_frame(data)

    def _arm_idle_timer(self) -> None:
        # One timer per connection, re-armed lazily, instead of a timeout around every receive: a wait_for per
        # frame costs a task per frame.
        idle_timeout = self.server.settings.idle_timeout
        if idle_timeout <= 0:
            return
        delay = self._last_frame_at + idle_timeout - time.monotonic()
        if delay > 0:
            self._idle_timer = asyncio.get_running_loop().call_later(delay, self._arm_idle_timer)
            return
        self.server.guards.idle_closed.inc()
        reason = f"no frame for {idle_timeout:g} s; send a heartbeat"
        logger.info("Closing connection %s from %s with %d: %s", self.id, self.ip, CloseCode.POLICY_VIOLATION, reason)
        self._spawn(self.close(CloseCode.POLICY_VIOLATION, reason))

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _queue_ack(self, seq: int, result: IngestResult | None, error: BaseException | None) -> None:
        self._acks.append((seq, result, error))
        self._acks_ready.set()

    async def _send_acks(self) -> None:
        """Send queued acks in the order their batches became durable, until the session ends."""
        while True:
            await self._acks_ready.wait()
            self._acks_ready.clear()
            while self._acks:
                item = self._acks.popleft()
                if item is None:
                    return
                seq, result, error = item
                try:
                    await self._finish_frame(seq, result, error)
                finally:
                    self._frame_done()

    async def _finish_frame(self, seq: int, result: IngestResult | None, error: BaseException | None) -> None:
        if error is None:
            await self.send(result.to_ack(seq))
        elif isinstance(error, WriterStopped):
            await self.close(CloseCode.SERVICE_RESTART, "server restarting")
        else:
            logger.error("Write failed for batch seq %s on connection %s: %r", seq, self.id, error)
            await self.close(CloseCode.INTERNAL_ERROR, "internal error")

    def _frame_done(self) -> None:
        self._in_flight.release()
        self._acks_pending -= 1
        if self._acks_pending == 0:
            self._acks_drained.set()

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
                if self._acks_pending:
                    try:
                        await asyncio.wait_for(self._acks_drained.wait(), ACK_DRAIN_TIMEOUT)
                    except TimeoutError:
                        pass
                raise ProtocolError(CloseCode.POLICY_VIOLATION, message_text)
            await self._in_flight.acquire()
            self._acks_pending += 1
            self._acks_drained.clear()
            self._ingest(message)
        elif kind in ("subscribe", "unsubscribe"):
            if not self.credential.can_read:
                await self.send(protocol.error_frame("forbidden", f"'{kind}' needs the project's read key; this connection used the write key"))
                return
            await self.server.hub_message(self, message)
        elif kind == "hello":
            await self.send(protocol.error_frame("unexpected_hello", "the session is already open; 'hello' is only valid as the first frame"))
        else:
            await self.send(protocol.error_frame("unknown_type", f"message type '{kind[:40]}' is not known; expected events, subscribe or unsubscribe"))

    def _ingest(self, message: dict) -> None:
        """Hand an events frame to the ingest path; its ack is queued once the batch is durable."""
        seq = message.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int):
            self._reply_and_finish(protocol.error_frame("invalid_seq", "events frame needs an integer 'seq'"))
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
        events = message.get("events")
        try:
            accepted = self.server.ingestor.try_ingest(events, context)
        except Rejected as error:
            self._reply_and_finish(protocol.error_frame("invalid_batch", error.reason, seq))
            return
        except WriterStopped as error:
            self._queue_ack(seq, None, error)
            return
        except Exception as error:
            logger.exception("Internal error on connection %s", self.id)
            self._queue_ack(seq, None, error)
            return
        if accepted is None:
            # The writer's buffer is full: wait for room in a task of its own, so the loop keeps reading.
            self._spawn(self._ingest_when_room(seq, events, context))
            return
        accepted.add_done_callback(lambda error: self._queue_ack(seq, accepted.result, error))

    def _reply_and_finish(self, frame: dict) -> None:
        async def reply() -> None:
            try:
                await self.send(frame)
            finally:
                self._frame_done()

        self._spawn(reply())

    async def _ingest_when_room(self, seq: int, events: object, context: Context) -> None:
        try:
            result = await self.server.ingestor.ingest(events, context)
        except Overloaded as error:
            self.server.metrics.refused_overload.labels("ws").inc(_count(events))
            logger.warning("Refusing batch seq %s on connection %s: %s", seq, self.id, error)
            self._frame_done()
            await self.close(CloseCode.TRY_AGAIN_LATER, "server overloaded; retry later")
            return
        except Exception as error:
            self._queue_ack(seq, None, error)
            return
        self._queue_ack(seq, result, None)


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

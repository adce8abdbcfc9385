"""The Starlette application: wires storage, the writer, the live hub and the routes together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import resources

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from eventlayer import events_api, http_ingest, sql_api
from eventlayer.config import Settings
from eventlayer.dedup import RecentIds
from eventlayer.events_query import load_recent
from eventlayer.guards import Guards
from eventlayer.ingest import Ingestor
from eventlayer.live import LiveHub
from eventlayer.metrics import Metrics
from eventlayer.origins import IngestCORS
from eventlayer.projects import ProjectRegistry, build_registry
from eventlayer.protocol import now_ms
from eventlayer.spool import Spool
from eventlayer.storage import Storage, open_storage
from eventlayer.validate import Limits
from eventlayer.writer import Writer
from eventlayer.ws import websocket_endpoint

logger = logging.getLogger(__name__)


class EventLayerServer:
    """Everything one running server holds; reachable from handlers as ``request.app.state.eventlayer``."""

    def __init__(self, settings: Settings, storage_factory=open_storage):
        self.settings = settings
        self.storage_factory = storage_factory
        self.metrics = Metrics()
        self.guards = Guards(settings, self.metrics.registry)
        self.limits = Limits(**settings.limits) if settings.limits else Limits()
        self.registry: ProjectRegistry = build_registry(settings)
        self.hub = LiveHub(self.metrics, load_recent=self._load_recent, stall_timeout=_stall_timeout(settings))
        self.storage: Storage | None = None
        self.writer: Writer | None = None
        self.ingestor: Ingestor | None = None

    async def start(self) -> None:
        settings = self.settings
        self.storage = await asyncio.to_thread(self.storage_factory, settings.storage_url)
        spool = Spool(settings.spool_dir, settings.spool_max_bytes)
        recent = RecentIds(settings.dedup_max_ids)
        since = now_ms() - int(settings.dedup_window_hours * 3_600_000)
        recent.load(await asyncio.to_thread(self.storage.recent_event_ids, since, settings.dedup_max_ids))
        for path in sorted(settings.spool_dir.glob("*.batch")):
            recent.load(_spooled_ids(path))
        self.writer = Writer(
            self.storage,
            spool,
            self.metrics,
            batch_size=settings.batch_size,
            flush_interval=settings.flush_interval,
            buffer_max_events=settings.buffer_max_events,
            insert_attempts=settings.insert_attempts,
            retry_base_delay=settings.retry_base_delay,
            replay_interval=settings.replay_interval,
        )
        self.writer.start()
        self.ingestor = Ingestor(self.writer, recent, self.hub, self.metrics, self.limits, settings.overload_wait)
        logger.info("Storage ready at %s; %d recent event ids loaded for deduplication", _describe(self.storage), len(recent))

    async def stop(self) -> None:
        if self.writer is not None:
            pending = self.writer.pending_rows
            await self.writer.stop()
            logger.info("Writer stopped; flushed %d pending events", pending)
        if self.storage is not None:
            await asyncio.to_thread(self.storage.close)

    async def hub_message(self, session, message: dict) -> None:
        handler = getattr(self.hub, "handle_message", None)
        if handler is None:
            await session.send({"t": "error", "code": "not_supported", "message": "live feeds are not available on this server"})
            return
        await handler(session, message)

    async def _load_recent(self, project: str, event_filter, limit: int) -> list[dict]:
        return await load_recent(self.storage, project, event_filter, limit)

    def hub_attach(self, session) -> None:
        attach = getattr(self.hub, "attach", None)
        if attach is not None:
            attach(session)

    def hub_detach(self, session) -> None:
        detach = getattr(self.hub, "detach", None)
        if detach is not None:
            detach(session)


def _stall_timeout(settings: Settings) -> float:
    """Return how long a live send may block before the viewer is removed: as long as uvicorn waits for a pong
    before it fails the connection, or 60 s when pings are off."""
    if settings.ping_interval > 0 and settings.ping_timeout > 0:
        return settings.ping_interval + settings.ping_timeout
    return 60.0


def _spooled_ids(path) -> list[str]:
    import msgpack

    data = msgpack.unpackb(path.read_bytes(), raw=False, strict_map_key=False)
    return [row["event_id"] for row in data["rows"]]


def _describe(storage) -> str:
    describe = getattr(storage, "describe", None)
    return describe() if describe else type(storage).__name__


def _static(name: str) -> bytes | None:
    resource = resources.files("eventlayer").joinpath("static", name)
    return resource.read_bytes() if resource.is_file() else None


def static_file(name: str, media_type: str, fill_keys: bool = False):
    async def endpoint(request: Request) -> Response:
        content = _static(name)
        if content is None:
            return PlainTextResponse(f"{name} is not built; run `make bundles`", status_code=404)
        if fill_keys:
            project = request.app.state.eventlayer.registry.default
            content = content.replace(b"{{WRITE_KEY}}", project.write_key.encode())
        return Response(content, media_type=media_type, headers={"Cache-Control": "no-cache"})

    return endpoint


async def healthz(request: Request) -> JSONResponse:
    server: EventLayerServer = request.app.state.eventlayer
    writer = server.writer
    return JSONResponse(
        {
            "status": "ok",
            "pending_events": writer.pending_rows if writer else 0,
            "spool_batches": writer.spool.depth if writer else 0,
        }
    )


async def metrics(request: Request) -> Response:
    return Response(request.app.state.eventlayer.metrics.render(), media_type="text/plain; version=0.0.4")


demo_page = static_file("demo.html", "text/html; charset=utf-8", fill_keys=True)


def create_app(settings: Settings, storage_factory=open_storage) -> Starlette:
    """Build the app. ``storage_factory(url)`` opens the store; the outage tests pass a fault-injecting one."""
    server = EventLayerServer(settings, storage_factory)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    routes = [
        Route("/", demo_page),
        # The demo is a single-page app: its routes serve the same page, so a reload on them works.
        Route("/pricing", demo_page),
        Route("/signup", demo_page),
        Route("/live", static_file("live.html", "text/html; charset=utf-8")),
        Route("/live.js", static_file("live.js", "text/javascript; charset=utf-8")),
        Route("/live.css", static_file("live.css", "text/css; charset=utf-8")),
        Route("/live-msgpack.js", static_file("live-msgpack.js", "text/javascript; charset=utf-8")),
        Route("/overlay", static_file("overlay.html", "text/html; charset=utf-8", fill_keys=True)),
        Route("/sdk.js", static_file("sdk.js", "text/javascript; charset=utf-8")),
        Route("/sdk.esm.js", static_file("sdk.esm.js", "text/javascript; charset=utf-8")),
        Route("/overlay.js", static_file("overlay.js", "text/javascript; charset=utf-8")),
        Route("/demo.js", static_file("demo.js", "text/javascript; charset=utf-8")),
        Route("/healthz", healthz),
        # Browsers request a favicon on every page. An empty 204 response keeps their consoles free of 404 errors.
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/metrics", metrics),
        Route("/api/events/log", http_ingest.log_event, methods=["POST"]),
        Route("/api/batch", http_ingest.batch, methods=["POST"]),
        Route("/api/sql", sql_api.run_sql, methods=["POST"]),
        Route("/api/events", events_api.list_events, methods=["GET"]),
        WebSocketRoute("/ws", websocket_endpoint),
    ]
    # Guard: CORS headers and preflight replies for the ingest endpoints only (origins.py).
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(IngestCORS)])
    app.state.eventlayer = server
    return app

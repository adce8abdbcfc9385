"""Running the app under uvicorn with the WebSocket settings the protocol needs."""

from __future__ import annotations

import logging

import uvicorn

from eventlayer.app import EventLayerServer, create_app
from eventlayer.config import Settings
from eventlayer.privacy import install_log_filter
from eventlayer.storage import StorageError, open_storage

logger = logging.getLogger(__name__)


def print_banner(server: EventLayerServer) -> None:
    settings = server.settings
    base = f"http://{settings.host}:{settings.port}"
    project = server.registry.default
    lines = [
        "",
        f"EventLayer is running on {base} (storage: {server.storage.describe() if hasattr(server.storage, 'describe') else 'custom'})",
        f"  demo page     {base}/",
        f"  live view     {base}/live",
        f"  overlay       {base}/overlay",
        f"  write key     {project.write_key}   (public: put it in pages)",
        f"  read key      {project.read_key}   (secret: live feeds, queries, `eventlayer tail`)",
        f"  keys file     {settings.data_dir.resolve() / 'keys.json'}",
        "",
    ]
    print("\n".join(lines), flush=True)


class BannerServer(uvicorn.Server):
    """uvicorn's server, printing the URLs and keys only once it listens: a port already in use must not be
    preceded by a banner saying the server is running."""

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            print_banner(self.config.app.state.eventlayer)


def uvicorn_config(app, settings: Settings, log_level: str = "info") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # The sans-I/O websockets implementation was the fastest in measurements on 2 cores.
        ws="websockets-sansio",
        # Frames over the protocol's limit are closed with 1009 by the WebSocket layer, before any decoding.
        ws_max_size=app.state.eventlayer.limits.max_frame_bytes,
        # permessage-deflate halves throughput, and uvicorn enables it by default.
        ws_per_message_deflate=False,
        ws_ping_interval=settings.ping_interval,
        ws_ping_timeout=settings.ping_timeout,
        log_level=log_level,
        # On SIGTERM uvicorn stops accepting, closes WebSockets with 1012, waits for open HTTP requests up to
        # this many seconds, and then runs the lifespan shutdown, which flushes the writer.
        timeout_graceful_shutdown=10,
        access_log=False,
        # X-Forwarded-For is read by enrich.client_ip for EVENTLAYER_TRUSTED_PROXIES only. uvicorn's own proxy
        # handling trusts 127.0.0.1 by default and would put the forwarded address, unanonymised, in its logs.
        proxy_headers=False,
    )


def run(settings: Settings, log_level: str = "info", storage_factory=open_storage) -> int:
    # Storage is opened before uvicorn starts, so a failure is one clear line rather than a startup traceback.
    try:
        storage = storage_factory(settings.storage_url)
    except StorageError as error:
        logger.error("%s", error)
        if settings.clickhouse_url is None:
            logger.error(
                "Only one process can open a chDB directory. If another `eventlayer serve` uses %s, stop it or pass "
                "another --data directory.",
                settings.data_dir,
            )
        return 1
    app = create_app(settings, storage_factory=lambda url: storage)
    server = BannerServer(uvicorn_config(app, settings, log_level))
    install_log_filter(settings.anonymize_ip)  # after uvicorn.Config has set up its loggers
    server.run()
    return 0 if server.started else 1

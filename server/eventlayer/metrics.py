"""Prometheus metrics, kept in a registry of each app's own so that several apps can run in one process (tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.accepted = Counter("eventlayer_events_accepted", "Events accepted and made durable", ["source"], registry=r)
        self.duplicates = Counter("eventlayer_events_duplicate", "Events dropped as repeats of a stored event_id", ["source"], registry=r)
        self.rejected = Counter("eventlayer_events_rejected", "Events rejected by validation, by the field named in the reason", ["field"], registry=r)
        self.refused_overload = Counter(
            "eventlayer_events_refused_overload", "Events refused because the buffer and spool were full (1013 / 503)", ["source"], registry=r
        )
        self.batch_rows = Histogram(
            "eventlayer_flush_batch_rows", "Rows per flushed batch", buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000), registry=r
        )
        self.flush_seconds = Histogram("eventlayer_flush_seconds", "Time to make a batch durable (insert or spool)", registry=r)
        self.insert_failures = Counter("eventlayer_insert_failures", "Failed insert attempts", registry=r)
        self.spooled_batches = Counter("eventlayer_spooled_batches", "Batches written to the spool", registry=r)
        self.replayed_batches = Counter("eventlayer_replayed_batches", "Spooled batches inserted after storage came back", registry=r)
        self.spool_depth = Gauge("eventlayer_spool_batches", "Batches waiting in the spool", registry=r)
        self.spool_bytes = Gauge("eventlayer_spool_bytes", "Bytes used by the spool", registry=r)
        self.pending = Gauge("eventlayer_pending_events", "Events accepted into memory and not yet durable", registry=r)
        self.connections = Gauge("eventlayer_connections_open", "Open WebSocket connections", registry=r)
        self.closes = Counter("eventlayer_connections_closed", "WebSocket connections closed by the server, by close code", ["code"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

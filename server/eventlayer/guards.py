"""Guards for a public-facing server: token-bucket rate limits per key and per client IP, and a cap on open
WebSocket connections per client IP.

``TokenBucket`` and ``BucketTable`` are pure: they take the clock as an argument, so their tests need no
sleeping. ``Guards`` contains the tables one server uses and counts every refusal in the metrics.

Client IPs here are the full addresses (after trusted proxies, before anonymisation). They are kept in memory
only, as table keys, and never stored or logged.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from prometheus_client import Counter

# Buckets remembered per table. Past this the least recently used bucket is dropped and comes back full later.
# So a client that spreads its requests over more addresses than this gets a little more than its rate.
MAX_BUCKETS = 100_000


class TokenBucket:
    """Allows ``rate`` tokens a second on average and up to ``burst`` at once."""

    __slots__ = ("rate", "burst", "tokens", "updated")

    def __init__(self, rate: float, burst: float, now: float):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = now

    def take(self, count: float, now: float) -> float:
        """Take ``count`` tokens and return 0, or take nothing and return the seconds until they are available.

        A request larger than the burst is charged the whole burst, so it passes once the bucket is full again
        instead of never.
        """
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        count = min(count, self.burst)
        if self.tokens >= count:
            self.tokens -= count
            return 0.0
        return (count - self.tokens) / self.rate


class BucketTable:
    """One token bucket per name (a key or an IP address), created on first use."""

    def __init__(self, rate: float, burst: float, max_buckets: int = MAX_BUCKETS):
        self.rate = rate
        self.burst = burst
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, name: str, count: float, now: float) -> float:
        """Return 0 when ``name`` may spend ``count`` tokens now, or the seconds to wait; a disabled table
        (rate 0) always returns 0."""
        if not self.enabled:
            return 0.0
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst, now)
            self._buckets[name] = bucket
            if len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(name)
        return bucket.take(count, now)

    def __len__(self) -> int:
        return len(self._buckets)


class ConnectionCounter:
    """Open connections per client IP, with a maximum; 0 means no maximum."""

    def __init__(self, max_per_ip: int):
        self.max_per_ip = max_per_ip
        self._open: dict[str, int] = {}

    def acquire(self, ip: str) -> bool:
        """Count one more connection from ``ip`` and return True, or return False when it already has the maximum."""
        count = self._open.get(ip, 0)
        if self.max_per_ip and count >= self.max_per_ip:
            return False
        self._open[ip] = count + 1
        return True

    def release(self, ip: str) -> None:
        count = self._open.get(ip, 0) - 1
        if count > 0:
            self._open[ip] = count
        else:
            self._open.pop(ip, None)

    def open_from(self, ip: str) -> int:
        return self._open.get(ip, 0)


def bucket_name(credential) -> str:
    """Return the rate-limit bucket of a key: its project and role, so the key itself is not kept twice."""
    return f"{credential.project.name}/{credential.role.value}"


@dataclass(frozen=True)
class RateLimited:
    """A refusal: which limit (``key`` or ``ip``) and the seconds after which the same request would pass."""

    scope: str
    retry_after: float

    @property
    def retry_after_seconds(self) -> int:
        """Return the wait rounded up to whole seconds, at least 1, for a Retry-After header."""
        return max(1, math.ceil(self.retry_after))


class Guards:
    """The rate limits and connection caps of one server, and the metrics of what they refused."""

    def __init__(self, settings, registry, clock=time.monotonic):
        self.key_buckets = BucketTable(settings.key_rate_limit, max(settings.key_rate_burst, 1))
        self.ip_buckets = BucketTable(settings.ip_rate_limit, max(settings.ip_rate_burst, 1))
        self.connections = ConnectionCounter(settings.max_connections_per_ip)
        self.clock = clock
        self.events_refused = Counter(
            "eventlayer_events_refused_rate_limit",
            "Events refused by a rate limit (close 1008 or HTTP 429), by limit (key or ip) and source",
            ["scope", "source"],
            registry=registry,
        )
        self.handshakes_refused = Counter(
            "eventlayer_handshakes_refused",
            "WebSocket handshakes refused before accepting, by reason (origin, connections_per_ip)",
            ["reason"],
            registry=registry,
        )
        self.requests_refused = Counter(
            "eventlayer_http_requests_refused",
            "HTTP requests refused by a guard, by reason (origin, rate_limit, body_timeout)",
            ["reason"],
            registry=registry,
        )
        self.idle_closed = Counter(
            "eventlayer_connections_idle_closed",
            "WebSocket connections closed because the client sent nothing within the idle timeout",
            registry=registry,
        )

    def charge(self, key: str, ip: str | None, events: int, source: str) -> RateLimited | None:
        """Charge a batch of ``events`` (at least 1, so empty frames cost too) to its key and client IP.

        Returns None when both buckets allow it, else the refusal, counted in the metrics. The IP bucket is
        checked first, so one noisy client does not spend its project's key budget on refused batches.
        """
        cost = max(1, events)
        now = self.clock()
        for scope, table, name in (("ip", self.ip_buckets, ip), ("key", self.key_buckets, key)):
            if name is None:
                continue
            wait = table.take(name, cost, now)
            if wait > 0:
                self.events_refused.labels(scope, source).inc(events)
                return RateLimited(scope, wait)
        return None

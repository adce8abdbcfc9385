"""Server settings: command-line flags, then EVENTLAYER_* environment variables, then defaults.

Further projects, Origins and limits come from ``eventlayer.toml`` in the data directory (see docs/configuration.md).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DATA = "./eventlayer-data"
CONFIG_FILE_NAME = "eventlayer.toml"
# Settings of guards.py and the timeouts, each from EVENTLAYER_<NAME> or the [guards] table of eventlayer.toml.
GUARD_SETTINGS = (
    "key_rate_limit",
    "key_rate_burst",
    "ip_rate_limit",
    "ip_rate_burst",
    "max_connections_per_ip",
    "idle_timeout",
    "body_timeout",
)


@dataclass
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = Path(DEFAULT_DATA)
    # None selects the embedded chDB store in <data_dir>/clickhouse; an http(s):// URL selects a ClickHouse server.
    clickhouse_url: str | None = None
    write_key: str | None = None
    read_key: str | None = None

    # Writer: a batch is flushed when it reaches batch_size events or is flush_interval seconds old.
    batch_size: int = 10_000
    flush_interval: float = 1.0
    # Events accepted into memory but not yet durable; past this, ingest is refused with 1013 / 503.
    buffer_max_events: int = 200_000
    spool_max_bytes: int = 1 << 30
    # Seconds a batch waits for room in a full buffer before it is refused as overloaded.
    overload_wait: float = 5.0
    # Insert attempts before a batch goes to the spool, and the first retry delay (doubling each time).
    insert_attempts: int = 3
    retry_base_delay: float = 0.2
    # How often the spool replayer checks whether storage is back.
    replay_interval: float = 1.0

    # Event ids remembered for deduplication: the newest this many, loaded from storage on start.
    dedup_max_ids: int = 1_000_000
    dedup_window_hours: float = 48.0

    hello_timeout: float = 10.0
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    anonymize_ip: bool = True
    # Guards (guards.py): token buckets in events per second and events at once, per key and per client IP;
    # 0 turns a limit off. Sized for real traffic: one page sends a few events a second and the SDK queues
    # at most 1,000, while one client IP can be a NAT in front of hundreds of users.
    key_rate_limit: float = 50_000.0
    key_rate_burst: float = 250_000.0
    ip_rate_limit: float = 1_000.0
    ip_rate_burst: float = 10_000.0
    max_connections_per_ip: int = 1_000
    # Seconds a WebSocket may stay silent; the SDK sends a heartbeat every 15 s. 0 turns it off.
    idle_timeout: float = 300.0
    # Seconds an HTTP ingest body may take to arrive in full (408 past it).
    body_timeout: float = 30.0
    trusted_proxies: list[str] = field(default_factory=list)
    # Extra projects from eventlayer.toml: a list of {"name", "write_key", "read_key", "origins"} maps.
    projects: list[dict] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    limits: dict = field(default_factory=dict)

    @property
    def clickhouse_dir(self) -> Path:
        return self.data_dir.resolve() / "clickhouse"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir.resolve() / "spool"

    @property
    def storage_url(self) -> str:
        return self.clickhouse_url or f"chdb://{self.clickhouse_dir}"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number") from None


def load_settings(**overrides) -> Settings:
    """Build Settings from the environment, the data directory's TOML file, and explicit overrides (flags).

    Overrides whose value is None are ignored, so unset command-line flags fall through to the environment.
    """
    env = os.environ
    settings = Settings(
        host=env.get("EVENTLAYER_HOST") or DEFAULT_HOST,
        port=int(_env_float("EVENTLAYER_PORT", DEFAULT_PORT)),
        data_dir=Path(env.get("EVENTLAYER_DATA") or DEFAULT_DATA),
        clickhouse_url=env.get("EVENTLAYER_CLICKHOUSE_URL") or None,
        write_key=env.get("EVENTLAYER_WRITE_KEY") or None,
        read_key=env.get("EVENTLAYER_READ_KEY") or None,
        batch_size=int(_env_float("EVENTLAYER_BATCH_SIZE", Settings.batch_size)),
        flush_interval=_env_float("EVENTLAYER_FLUSH_INTERVAL", Settings.flush_interval),
        spool_max_bytes=int(_env_float("EVENTLAYER_SPOOL_MAX_BYTES", Settings.spool_max_bytes)),
        buffer_max_events=int(_env_float("EVENTLAYER_BUFFER_MAX_EVENTS", Settings.buffer_max_events)),
        overload_wait=_env_float("EVENTLAYER_OVERLOAD_WAIT", Settings.overload_wait),
        hello_timeout=_env_float("EVENTLAYER_HELLO_TIMEOUT", Settings.hello_timeout),
        ping_interval=_env_float("EVENTLAYER_PING_INTERVAL", Settings.ping_interval),
        ping_timeout=_env_float("EVENTLAYER_PING_TIMEOUT", Settings.ping_timeout),
        anonymize_ip=env.get("EVENTLAYER_ANONYMIZE_IP", "1").lower() not in ("0", "false", "no"),
        trusted_proxies=[p for p in env.get("EVENTLAYER_TRUSTED_PROXIES", "").split(",") if p.strip()],
    )
    for name in GUARD_SETTINGS:
        default = getattr(Settings, name)
        setattr(settings, name, type(default)(_env_float(f"EVENTLAYER_{name.upper()}", default)))
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, Path(value) if name == "data_dir" else value)
    _apply_config_file(settings)
    return settings


def _apply_config_file(settings: Settings) -> None:
    path = settings.data_dir / CONFIG_FILE_NAME
    if not path.exists():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SystemExit(f"{path} is not valid TOML: {error}") from None
    settings.projects = list(data.get("projects", []))
    settings.origins = list(data.get("origins", settings.origins))
    settings.limits = dict(data.get("limits", {}))
    settings.trusted_proxies = list(data.get("trusted_proxies", settings.trusted_proxies))
    writer = data.get("writer", {})
    for name in ("batch_size", "flush_interval", "buffer_max_events", "spool_max_bytes"):
        if name in writer:
            setattr(settings, name, type(getattr(settings, name))(writer[name]))
    guards = data.get("guards", {})
    for name, value in guards.items():
        if name not in GUARD_SETTINGS:
            raise SystemExit(f"{path}: [guards] has no setting {name!r}; expected any of {', '.join(GUARD_SETTINGS)}")
        setattr(settings, name, type(getattr(settings, name))(value))

"""``eventlayer tail``: follow a running server's live feed in the terminal.

It subscribes over the WebSocket protocol with the read key and prints one line per event, or one JSON object
per line with ``--json``. Status messages go to stderr, so stdout carries events only. When the connection
drops, it reconnects with a growing delay and requests a backfill, printing the stored events it missed.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
import time
from collections import deque
from urllib.parse import urlsplit, urlunsplit

import click
import msgpack
from rich.console import Console
from rich.text import Text

from eventlayer import __version__
from eventlayer.cli import default_server_url, resolve_read_key

# The server accepts at most this many backfill events per subscription.
MAX_BACKFILL = 1000
SUBSCRIPTION_ID = "tail"
RECONNECT_DELAYS = (0.5, 1, 2, 5, 10)
# Number of printed event ids kept, so the backfill after a reconnect prints only what was missed.
REMEMBERED_IDS = 5000
# Close codes after which reconnecting cannot help: RFC 6455 protocol, data and policy errors.
FATAL_CLOSE_CODES = {1002: "protocol error", 1003: "unsupported data", 1007: "invalid data", 1008: "rejected"}

STATUS_STYLES = {"accepted": "green", "duplicate": "yellow", "rejected": "bold red"}


class FatalError(Exception):
    """An error that reconnecting cannot fix, such as an invalid key or filter."""


def websocket_url(server_url: str) -> str:
    """Return the /ws URL of a server given as http(s):// or ws(s)://."""
    parts = urlsplit(server_url if "://" in server_url else f"http://{server_url}")
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None:
        raise click.BadParameter(f"{server_url!r} is not an http://, https://, ws:// or wss:// URL", param_hint="--server")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/ws", "", ""))


def build_filter(event_type, event_name, session_id, distinct_id, url, status, properties) -> dict:
    """Return the live filter map for the command's options; ``properties`` are ``KEY=VALUE`` strings."""
    event_filter = {}
    for name, value in (("event_type", event_type), ("event_name", event_name), ("session_id", session_id), ("distinct_id", distinct_id), ("url", url), ("status", status)):
        if value is not None:
            event_filter[name] = value
    parsed = {}
    for item in properties:
        key, separator, value = item.partition("=")
        if not separator or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE, e.g. plan=pro", param_hint="--prop")
        parsed[key] = value
    if parsed:
        event_filter["properties"] = parsed
    return event_filter


def format_event(event: dict) -> Text:
    """Render one live event as a single coloured line: time, status, type, name, then the fields that are set."""
    status = event.get("status", "accepted")
    line = Text(no_wrap=True, overflow="ellipsis")
    received = event.get("received_at")
    clock = datetime.datetime.fromtimestamp(received / 1000).strftime("%H:%M:%S.%f")[:-3] if isinstance(received, int) else "--:--:--.---"
    line.append(clock, style="dim")
    line.append("  ")
    line.append(f"{status:<9}", style=STATUS_STYLES.get(status, ""))
    if status == "rejected":
        line.append(f"  {event.get('reason', '')}", style="red")
        line.append(f"  event_id={event.get('event_id')}", style="dim")
        return line
    line.append("  ")
    line.append(f"{event.get('event_type', '')!s:<10}", style="cyan")
    line.append(" ")
    line.append(str(event.get("event_name", "")), style="bold")
    for label, name in (("value", "event_value"), ("session", "session_id"), ("user", "distinct_id"), ("url", "url")):
        value = event.get(name)
        if value:
            line.append(f"  {label}=", style="dim")
            line.append(str(value))
    properties = event.get("properties")
    if properties and properties != "{}":
        line.append("  ")
        line.append(properties if len(properties) <= 200 else properties[:199] + "…", style="magenta")
    return line


class Printer:
    """Writes events to stdout and status messages to stderr, and remembers what it printed."""

    def __init__(self, as_json: bool):
        self.as_json = as_json
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self._printed_ids: deque[str] = deque(maxlen=REMEMBERED_IDS)
        self._printed_set: set[str] = set()
        # Receive time of the newest event printed, or the server time of the first subscription. A backfill after
        # a reconnect prints the stored events from this time on that were not printed yet.
        self.watermark: int | None = None

    def events(self, events: list[dict]) -> None:
        for event in events:
            if self.as_json:
                sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
            else:
                self.out.print(format_event(event))
            self._remember(event)
        sys.stdout.flush()

    def missed(self, events: list[dict]) -> list[dict]:
        """Return the backfilled events that were not printed: not remembered, and not older than the watermark."""
        watermark = self.watermark or 0
        return [event for event in events if event.get("event_id") not in self._printed_set and (event.get("received_at") or 0) >= watermark]

    def _remember(self, event: dict) -> None:
        event_id = event.get("event_id")
        if event_id and event.get("status") == "accepted":
            if len(self._printed_ids) == self._printed_ids.maxlen:
                self._printed_set.discard(self._printed_ids[0])
            self._printed_ids.append(event_id)
            self._printed_set.add(event_id)
        received = event.get("received_at")
        if isinstance(received, int) and (self.watermark is None or received > self.watermark):
            self.watermark = received

    def status(self, message: str, style: str = "dim") -> None:
        self.err.print(Text(message, style=style))


class Follower:
    """Follows the feed over one connection after another until cancelled."""

    def __init__(self, ws_url: str, key: str, event_filter: dict, last: int, printer: Printer):
        self.ws_url = ws_url
        self.key = key
        self.event_filter = event_filter
        self.last = last
        self.printer = printer
        self.subscribed_before = False
        self.attempt = 0  # failed connections since the last successful subscribe

    async def run(self) -> None:
        """Reconnect after every drop, with a growing delay; raise FatalError when retrying cannot help."""
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

        while True:
            try:
                await self._follow_once()
            except InvalidURI as error:
                raise FatalError(f"{self.ws_url} is not a valid WebSocket URL: {error}") from None
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                if code in FATAL_CLOSE_CODES:
                    reason = closed.rcvd.reason or FATAL_CLOSE_CODES[code]
                    hint = " Pass the project's read key with --key or EVENTLAYER_READ_KEY." if code == 1008 else ""
                    raise FatalError(f"The server closed the connection with {code}: {reason}.{hint}") from None
                self.printer.status(f"Connection lost (close code {code or 'none'})", style="yellow")
            except (OSError, InvalidHandshake, TimeoutError) as error:
                self.printer.status(f"Cannot reach {self.ws_url}: {error or type(error).__name__}. Is `eventlayer serve` running?", style="yellow")
            delay = RECONNECT_DELAYS[min(self.attempt, len(RECONNECT_DELAYS) - 1)]
            self.attempt += 1
            self.printer.status(f"Reconnecting in {delay:g} s")
            await asyncio.sleep(delay)

    async def _follow_once(self) -> None:
        from websockets.asyncio.client import connect

        # After a drop, the newest stored events fill what the connection missed; Printer.missed drops the rest.
        backfill = MAX_BACKFILL if self.subscribed_before else self.last
        async with connect(self.ws_url, max_size=None, compression=None, open_timeout=10, user_agent_header=f"eventlayer-tail/{__version__}") as socket:
            server_time = await self._hello(socket)
            subscribe = {"t": "subscribe", "id": SUBSCRIPTION_ID, "filter": self.event_filter, "backfill": backfill}
            await socket.send(msgpack.packb(subscribe, use_bin_type=True))
            reconnected = self.subscribed_before
            async for data in socket:
                if isinstance(data, bytes):
                    self._handle(msgpack.unpackb(data, raw=False), reconnected, server_time)

    async def _hello(self, socket) -> int:
        hello = {"t": "hello", "v": 1, "key": self.key, "sdk": f"eventlayer-tail/{__version__}", "sent_at": int(time.time() * 1000)}
        await socket.send(msgpack.packb(hello, use_bin_type=True))
        welcome = msgpack.unpackb(await socket.recv(), raw=False)
        if welcome.get("t") != "welcome":
            raise FatalError(f"expected a welcome frame from the server; got {welcome.get('t')!r}")
        if "live" not in welcome.get("can", []):
            raise FatalError("this key cannot open live feeds; pass the project's read key with --key or EVENTLAYER_READ_KEY")
        return welcome.get("server_time") or int(time.time() * 1000)

    def _handle(self, frame: dict, reconnected: bool, server_time: int) -> None:
        printer = self.printer
        kind = frame.get("t")
        if kind == "live":
            events = frame.get("events", [])
            if frame.get("backfill") and reconnected:
                events = printer.missed(events)
                if events:
                    printer.status(f"Printing {len(events)} stored events from while the connection was down")
            printer.events(events)
        elif kind == "gap":
            printer.status(f"{frame.get('dropped')} events skipped: this terminal fell behind the live feed", style="bold yellow")
        elif kind == "subscribed":
            self.attempt = 0
            if not self.subscribed_before:
                self.subscribed_before = True
                if printer.watermark is None:
                    printer.watermark = server_time
                shown = json.dumps(self.event_filter, ensure_ascii=False) if self.event_filter else "all events"
                printer.status(f"Listening on {self.ws_url} for {shown}; press Ctrl-C to stop")
            else:
                printer.status("Reconnected", style="green")
        elif kind == "error":
            message = f"Server error {frame.get('code')}: {frame.get('message')}"
            if frame.get("code") in ("invalid_filter", "invalid_subscription"):
                raise FatalError(message)
            printer.status(message, style="red")


@click.command()
@click.option("--server", "server_url", default=None, help="Server URL. [default: http://$EVENTLAYER_HOST:$EVENTLAYER_PORT]")
@click.option("--key", default=None, help="The project's read key. [default: $EVENTLAYER_READ_KEY, then <data>/keys.json]")
@click.option("--data", "data_dir", default=None, help="Data directory to read keys.json from.")
@click.option("--type", "event_type", default=None, help="Only events of this event_type; a trailing * matches a prefix.")
@click.option("--name", "event_name", default=None, help="Only events with this event_name, e.g. 'signup*'.")
@click.option("--session", "session_id", default=None, help="Only events of this session_id.")
@click.option("--user", "distinct_id", default=None, help="Only events of this distinct_id.")
@click.option("--url", default=None, help="Only events from this page URL, e.g. 'https://shop.example/*'.")
@click.option("--status", default=None, help="Only events with this status: accepted, duplicate or rejected.")
@click.option("--prop", "properties", multiple=True, metavar="KEY=VALUE", help="Only events whose property KEY equals VALUE (a trailing * matches a prefix). Repeatable.")
@click.option("--last", type=click.IntRange(0, MAX_BACKFILL), default=0, show_default=True, help="Print this many recent stored events first.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per event, in stored form, instead of coloured lines.")
def tail(server_url, key, data_dir, event_type, event_name, session_id, distinct_id, url, status, properties, last, as_json) -> None:
    """Print a running server's events as they arrive, one line each; the options filter them."""
    key = resolve_read_key(key, data_dir)
    event_filter = build_filter(event_type, event_name, session_id, distinct_id, url, status, properties)
    ws_url = websocket_url(server_url or default_server_url())
    printer = Printer(as_json)
    try:
        asyncio.run(Follower(ws_url, key, event_filter, last, printer).run())
    except KeyboardInterrupt:
        pass
    except FatalError as error:
        raise click.ClickException(str(error)) from None

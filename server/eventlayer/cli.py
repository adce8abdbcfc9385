"""The ``eventlayer`` command: ``serve`` runs the server; ``sql`` and ``tail`` talk to a running one."""

from __future__ import annotations

import json
import logging
import os
import sys

import click

from eventlayer import __version__
from eventlayer.config import DEFAULT_DATA, DEFAULT_HOST, DEFAULT_PORT, load_settings


def default_server_url() -> str:
    host = os.environ.get("EVENTLAYER_HOST") or DEFAULT_HOST
    port = os.environ.get("EVENTLAYER_PORT") or DEFAULT_PORT
    return f"http://{host}:{port}"


def resolve_read_key(key: str | None, data_dir: str | None) -> str:
    """Return the read key from the flag, then EVENTLAYER_READ_KEY, then the data directory's key file."""
    if key:
        return key
    if os.environ.get("EVENTLAYER_READ_KEY"):
        return os.environ["EVENTLAYER_READ_KEY"]
    path = os.path.join(data_dir or os.environ.get("EVENTLAYER_DATA") or DEFAULT_DATA, "keys.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)["read_key"]
    except (OSError, ValueError, KeyError):
        raise click.UsageError(f"No read key: pass --key, set EVENTLAYER_READ_KEY, or run from the folder holding {path}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eventlayer")
def main() -> None:
    """EventLayer: self-hosted, real-time event tracking."""


@main.command()
@click.option("--host", default=None, help=f"Address to listen on. [default: $EVENTLAYER_HOST or {DEFAULT_HOST}]")
@click.option("--port", type=int, default=None, help=f"TCP port. [default: $EVENTLAYER_PORT or {DEFAULT_PORT}]")
@click.option("--data", "data_dir", default=None, help=f"Data directory (chDB store, spool, keys). [default: $EVENTLAYER_DATA or {DEFAULT_DATA}]")
@click.option("--clickhouse", "clickhouse_url", default=None, help="ClickHouse server URL (http:// or https://); the embedded chDB store when unset.")
@click.option("--log-level", default="info", type=click.Choice(["debug", "info", "warning", "error"]), show_default=True)
def serve(host, port, data_dir, clickhouse_url, log_level) -> None:
    """Run the server: WebSocket and HTTP ingest, live feeds, demo page."""
    from eventlayer.server import run

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(host=host, port=port, data_dir=data_dir, clickhouse_url=clickhouse_url)
    sys.exit(run(settings, log_level))


@main.command()
@click.argument("query")
@click.option("--server", "server_url", default=None, help="Server URL. [default: http://$EVENTLAYER_HOST:$EVENTLAYER_PORT]")
@click.option("--key", default=None, help="The default project's read key. [default: $EVENTLAYER_READ_KEY, then <data>/keys.json]")
@click.option("--data", "data_dir", default=None, help="Data directory to read keys.json from.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per row. Without it: a table on a terminal, tab-separated values in a pipe.")
def sql(query, server_url, key, data_dir, as_json) -> None:
    """Run a read-only SQL QUERY on a running server's store and print the rows."""
    import httpx
    from rich.console import Console
    from rich.table import Table

    url = (server_url or default_server_url()).rstrip("/") + "/api/sql"
    try:
        response = httpx.post(url, content=query.encode(), headers={"X-EventLayer-Key": resolve_read_key(key, data_dir)}, timeout=30)
    except httpx.HTTPError as failure:
        raise click.ClickException(f"Could not reach {url}: {failure}. Is `eventlayer serve` running?") from None
    body = response.json()
    if response.status_code != 200:
        raise click.ClickException(body.get("message", response.text))
    rows = body["rows"]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not sys.stdout.isatty():
        # In a pipe or file a table would be cut to 80 columns, so write tab-separated values instead.
        if rows:
            click.echo("\t".join(rows[0].keys()))
        for row in rows:
            click.echo("\t".join(str(value) for value in row.values()))
        return
    table = Table(show_lines=False)
    for name in rows[0].keys() if rows else []:
        table.add_column(name)
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    Console().print(table)
    click.echo(f"{len(rows)} rows", err=True)


def _register_optional_commands() -> None:
    try:
        from eventlayer.tail import tail
    except ImportError:
        return
    main.add_command(tail)


_register_optional_commands()

"""Goals, the printed table and the chart for bench/run.py's results."""

from __future__ import annotations

from pathlib import Path


def _get(results: dict, *path, default=None):
    value = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def goals(results: dict) -> list[dict]:
    """Return each goal with its measured figure, its target and whether it was met (None when not measured)."""
    batch = _get(results, "ws_batch", "events_per_second")
    bare = _get(results, "limits", "bare_endpoint", "events_per_second")
    inserts = [_get(results, "limits", key) for key in ("clickhouse_connect_rows_per_second", "chdb_arrow_rows_per_second")]
    inserts = [rate for rate in inserts if rate]
    limit = min(bare, max(inserts)) if bare and inserts else None
    baseline = _get(results, "baseline", "requests_per_second")
    rows = [
        ("(1) WebSocket, 100-event frames, 10 connections", batch, ">=", 120_000, "events/s"),
        ("(1) as a share of the pipeline limit", round(batch / limit, 2) if batch and limit else None, ">=", 0.6, "ratio"),
        ("(2) WebSocket, 1-event frames, 1,000 connections", _get(results, "ws_single", "events_per_second"), ">=", 50_000, "events/s"),
        ("(1) over the original design (4)", round(batch / baseline, 1) if batch and baseline else None, ">=", 50, "ratio"),
        ("(6) live latency p99, 10k events/s, 10 viewers", _get(results, "live", "latency_p99_ms"), "<=", 50, "ms"),
        ("(7) memory per idle connection", _get(results, "idle", "bytes_per_connection"), "<=", 40 * 1024, "bytes"),
        ("(8) count by name over a day, 10M events", _get(results, "query", "median_ms"), "<=", 200, "ms"),
    ]
    table = []
    for name, value, operator, target, unit in rows:
        if value is None:
            met = None
        elif operator == ">=":
            met = value >= target
        else:
            met = value <= target
        table.append({"goal": name, "value": value, "target": f"{operator} {target:,}", "unit": unit, "met": met})
    return table


def print_table(results: dict) -> None:
    lines = [
        ("WebSocket ingest, 100-event frames, 10 connections", _get(results, "ws_batch", "events_per_second"), "events/s"),
        ("WebSocket ingest, 1-event frames, 1,000 connections", _get(results, "ws_single", "events_per_second"), "events/s"),
        ("HTTP /api/events/log, one event per request", _get(results, "http", "requests_per_second"), "events/s"),
        ("Original design: one request and one INSERT per event", _get(results, "baseline", "requests_per_second"), "events/s"),
        ("Limit: msgpack decoding", _get(results, "limits", "msgpack_events_per_second"), "events/s"),
        ("Limit: bare WebSocket endpoint, decode and ack", _get(results, "limits", "bare_endpoint", "events_per_second"), "events/s"),
        ("Limit: chDB insert via clickhouse-connect, 10k rows", _get(results, "limits", "clickhouse_connect_rows_per_second"), "rows/s"),
        ("Limit: chDB insert via its Python() table function", _get(results, "limits", "chdb_arrow_rows_per_second"), "rows/s"),
        ("Live latency p50", _get(results, "live", "latency_p50_ms"), "ms"),
        ("Live latency p99", _get(results, "live", "latency_p99_ms"), "ms"),
        ("Memory per idle connection", _get(results, "idle", "bytes_per_connection"), "bytes"),
        ("Query: count by name over the last day", _get(results, "query", "median_ms"), "ms"),
    ]
    print("\n| measurement | value | unit |\n|---|---:|---|")
    for name, value, unit in lines:
        print(f"| {name} | {'-' if value is None else f'{value:,}'} | {unit} |")
    print("\n| goal | measured | target | met |\n|---|---:|---|---|")
    for goal in results["goals"]:
        value = "-" if goal["value"] is None else f"{goal['value']:,}"
        met = {True: "yes", False: "no", None: "not run"}[goal["met"]]
        print(f"| {goal['goal']} | {value} {goal['unit']} | {goal['target']} | {met} |")


def chart(results: dict, path: Path) -> None:
    """Draw throughput bars and live latency; skipped with a message when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed; no chart drawn (pip install matplotlib)")
        return
    bars = [
        ("WS 100/frame", _get(results, "ws_batch", "events_per_second")),
        ("WS 1/frame", _get(results, "ws_single", "events_per_second")),
        ("HTTP log", _get(results, "http", "requests_per_second")),
        ("original", _get(results, "baseline", "requests_per_second")),
        ("bare WS", _get(results, "limits", "bare_endpoint", "events_per_second")),
        ("chDB insert", _get(results, "limits", "clickhouse_connect_rows_per_second")),
    ]
    bars = [(name, value) for name, value in bars if value]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 1]})
    left.bar([name for name, _ in bars], [value for _, value in bars], color="#3b6ea8")
    left.set_yscale("log")
    left.set_ylabel("events per second (log scale)")
    left.set_title("Throughput")
    for index, (_, value) in enumerate(bars):
        left.text(index, value, f"{value:,.0f}", ha="center", va="bottom", fontsize=8)
    latency = [("p50", _get(results, "live", "latency_p50_ms")), ("p99", _get(results, "live", "latency_p99_ms"))]
    latency = [(name, value) for name, value in latency if value is not None]
    right.bar([name for name, _ in latency], [value for _, value in latency], color="#c0504d")
    right.axhline(50, color="gray", linestyle="--", linewidth=1)
    right.set_ylabel("ms")
    right.set_title("Live latency\n10k events/s, 10 viewers")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

"""Measure what the server does with clients that send slowly: headers a byte at a time, nothing at all after
connecting, a body a byte at a time, and many such connections at once.

    python -m bench.slow_clients [--give-up 120] [--stalled 500]

uvicorn has no timeout for reading request headers: its keep-alive timeout starts only after a response. This
command shows how long such connections stay open and whether the server still serves others meanwhile.
Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time

import httpx

from bench.reliability_run import start_server
from tests.support.rawsocket import slow_request


def silent_connection(port: int, give_up_after: float) -> tuple[str, float]:
    """Connect and send nothing; return whether the server closed the connection, and after how long."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=give_up_after) as sock:
        try:
            data = sock.recv(1024)
        except TimeoutError:
            return "still open", time.monotonic() - started
        return ("closed" if not data else "response"), time.monotonic() - started


def hold_stalled(port: int, count: int, seconds: float) -> list[socket.socket]:
    """Open ``count`` connections that each send half a request line and then nothing for ``seconds``."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        held.append(sock)
    return held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--give-up", type=float, default=120, help="seconds after which a still-open connection is reported as such")
    parser.add_argument("--stalled", type=int, default=500, help="stalled connections held open while /healthz is timed")
    args = parser.parse_args()

    server = start_server()
    results: dict = {}
    try:
        port = server.port
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-client-measurement\r\n" + b"X-Padding: " + b"a" * 400 + b"\r\n\r\n"
        body = b'{"key": "%s", "events": [{"event_type": "click", "event_name": "slow"}]}' % server.write_key.encode()
        body_head = f"POST /api/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()

        def measure(name, function, *arguments):
            outcome, seconds = function(*arguments)
            results[name] = {"outcome": outcome, "seconds": round(seconds, 1)}

        threads = [
            threading.Thread(target=measure, args=("headers_one_byte_per_second", slow_request, port, head, b"", 1.0, "head", args.give_up)),
            threading.Thread(target=measure, args=("silent_after_connect", silent_connection, port, args.give_up)),
            threading.Thread(target=measure, args=("body_one_byte_per_second", slow_request, port, body_head, body, 1.0, "body", args.give_up)),
        ]
        for thread in threads:
            thread.start()

        started = time.monotonic()
        held = hold_stalled(port, args.stalled, args.give_up)
        latencies = []
        for _ in range(20):
            request_started = time.monotonic()
            assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
            latencies.append(time.monotonic() - request_started)
            time.sleep(0.2)
        results["stalled_connections_held"] = len(held)
        results["healthz_max_seconds_while_stalled"] = round(max(latencies), 3)
        results["stalled_open_seconds"] = round(time.monotonic() - started, 1)
        for sock in held:
            sock.close()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

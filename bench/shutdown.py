"""Stop the server with SIGTERM under load from resending clients, restart it, and check the promise.

    python -m bench.shutdown [--seconds 10] [--rate 5000] [--clients 8]

Reports how long the server took to exit, how many events were pending at SIGTERM, and the close codes the
clients saw. Prints one JSON line of figures; exits 1 when the promise broke or the exit took over 10 s.
"""

from __future__ import annotations

import argparse
import sys

from bench.reliability_run import report, start_server
from tests.support import scenarios

MAX_EXIT_SECONDS = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load before SIGTERM")
    parser.add_argument("--rate", type=float, default=5000, help="events per second from all clients together")
    parser.add_argument("--clients", type=int, default=8, help="WebSocket connections")
    args = parser.parse_args()

    server = start_server()
    try:
        figures = scenarios.shutdown(server, args.seconds, args.rate, clients=args.clients)
    finally:
        server.stop()
    code = report(figures)
    if figures["exit_seconds"] > MAX_EXIT_SECONDS:
        print(f"FAILED: the server took {figures['exit_seconds']} s to exit", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Kill the server with SIGKILL at random moments under load from resending clients, restart it each time,
then check that no acknowledged event is missing and none is stored twice.

    python -m bench.crash --kills 10 --minutes 5 [--rate 3000] [--clients 4] [--seed 1]

Every other kill takes the storage process down too, so chDB is killed in the middle of inserts. Prints one
JSON line of figures; exits 1 when the promise broke.
"""

from __future__ import annotations

import argparse
import sys

from bench.reliability_run import report, start_server
from tests.support import scenarios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs to send")
    parser.add_argument("--minutes", type=float, default=5, help="run time, spread evenly between the kills")
    parser.add_argument("--rate", type=float, default=3000, help="events per second from all clients together")
    parser.add_argument("--clients", type=int, default=4, help="WebSocket connections")
    parser.add_argument("--seed", type=int, default=None, help="seed for the kill moments")
    args = parser.parse_args()

    gap = args.minutes * 60 / (args.kills + 1)
    server = start_server()
    try:
        figures = scenarios.crash(server, args.kills, (gap * 0.5, gap * 1.5), clients=args.clients, rate=args.rate, seed=args.seed)
    finally:
        server.stop()
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())

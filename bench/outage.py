"""Storage faults under load from resending clients, through the fault-injecting storage wrapper.

    python -m bench.outage --outage 60 --rate 5000     every insert fails for 60 s
    python -m bench.outage --ambiguous 100             100 inserts commit, then report a timeout

The outage run reports ack latency before and during the outage and the time to drain the spool after it.
Prints one JSON line of figures; exits 1 when the promise broke.
"""

from __future__ import annotations

import argparse
import sys

from bench.reliability_run import report, start_server
from tests.support import scenarios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=60, help="seconds every insert fails")
    parser.add_argument("--before", type=float, default=10, help="seconds of normal load before the outage")
    parser.add_argument("--rate", type=float, default=5000, help="events per second from all clients together")
    parser.add_argument("--clients", type=int, default=8, help="WebSocket connections")
    parser.add_argument("--ambiguous", type=int, default=0, help="run the ambiguous-insert check with this many batches instead")
    args = parser.parse_args()

    server = start_server(faulty=True)
    try:
        if args.ambiguous:
            figures = scenarios.ambiguous(server, args.ambiguous, rate=min(args.rate, 2000), clients=args.clients)
        else:
            figures = scenarios.outage(server, args.before, args.outage, args.rate, clients=args.clients)
    finally:
        server.stop()
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())

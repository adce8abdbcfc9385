"""SIGTERM under load: the server flushes within 10 s, closes sockets with 1012, and resending clients lose
nothing. The browser side (the SDK reconnecting while the page tracks) is in tests/browser/test_delivery.py.

The long run is ``python -m bench.shutdown --seconds 10 --rate 5000`` (docs/reliability.md).
"""

from __future__ import annotations

import signal

from tests.support import scenarios


def test_sigterm_flushes_and_closes_1012(server_factory):
    server = server_factory(EVENTLAYER_FLUSH_INTERVAL="1.0")

    figures = scenarios.shutdown(server, load_seconds=3, rate=2000, clients=4)

    # uvicorn re-raises the signal after its graceful shutdown, so the exit status is "killed by SIGTERM".
    assert figures["exit_code"] in (0, -signal.SIGTERM), figures
    assert figures["exit_seconds"] <= 10, figures
    assert figures["pending_at_sigterm"] > 0, "no events were in flight at SIGTERM, so the flush went untested"
    assert figures["flushed_log_line"]
    assert figures["close_codes_at_stop"] == {1012: 4}, figures
    assert figures["acked_missing"] == 0, figures
    assert figures["stored_rows"] == figures["stored_unique"], figures
    assert figures["generated_missing"] == 0, figures

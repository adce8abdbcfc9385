"""SIGKILL under load: clients that resend what was not acknowledged lose nothing and store nothing twice.

The long run is ``python -m bench.crash --kills 10 --minutes 5`` (docs/reliability.md).
"""

from __future__ import annotations

from tests.support import scenarios


def test_crash_loses_no_acknowledged_event(server):
    figures = scenarios.crash(server, kills=3, seconds_between=(1.0, 3.0), clients=4, rate=2000, seed=None)

    assert figures["acked"] > 0
    assert figures["acked_missing"] == 0, figures
    assert figures["stored_rows"] == figures["stored_unique"], figures
    assert figures["generated_missing"] == 0, figures
    assert figures["unacked_at_end"] == 0, figures
    assert figures["rejected"] == 0, figures
    assert figures["close_codes"].get(1006, 0) >= 3, figures  # every kill dropped the connections

"""A storage outage under load from resending clients: acks go on from the spool, and after recovery the
spool drains with nothing lost or doubled. tests/test_outage.py has the single-client cases.

The long run is ``python -m bench.outage --outage 60 --rate 5000`` (docs/reliability.md).
"""

from __future__ import annotations

from tests.support import scenarios


def test_outage_under_load_acks_and_drains(server_factory):
    server = server_factory(faulty=True)

    figures = scenarios.outage(server, before=2, outage_seconds=5, rate=2000, clients=4, drain_timeout=60)

    assert figures["frames_acked_during_outage"] > 0, figures
    assert figures["spool_batches_at_recovery"] > 0, figures
    assert figures["ack_p99_during"] < 5, figures
    assert figures["drain_seconds"] < 30, figures
    assert figures["acked_missing"] == 0, figures
    assert figures["stored_rows"] == figures["stored_unique"], figures
    assert figures["generated_missing"] == 0, figures
